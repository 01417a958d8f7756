using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Eig;

public class EigPathTests
{
    // Points on the upper half of the unit circle, from (1, 0) to (−1, 0): a k = 2 graph has to follow the arc.
    private static Tensor Arc(int n) =>
        tensor(Enumerable.Range(1, n - 2).SelectMany(i => { var a = Math.PI * i / (n - 1); return new[] { Math.Cos(a), Math.Sin(a) }; }).ToArray(), [n - 2, 2]);

    [Fact]
    public void LinearPathRunsFromBaselineToSampleEvenly()
    {
        using var b = tensor(new double[] { 0, 1 });
        using var x = tensor(new double[] { 4, -3 });
        using var p = EigPaths.Linear(b, x, 5);
        Assert.Equal(new long[] { 5, 2 }, p.shape);
        Assert.Equal(new double[] { 0, 1, 1, 0, 2, -1, 3, -2, 4, -3 }, p.ToArray<double>());
    }

    [Fact]
    public void NeighborsPathStartsAndEndsAtTheEndpointsAndPassesThroughDataPoints()
    {
        using var data = Arc(12);
        using var b = tensor(new double[] { 1, 0 });
        using var x = tensor(new double[] { -1, 0 });
        using var path = EigPaths.Neighbors(data, b, x, points: 40, k: 2);
        Assert.Equal(new long[] { 40, 2 }, path.shape);
        var rows = path.ToArray<double>().Chunk(2).ToArray();
        Assert.Equal(new[] { 1.0, 0.0 }, rows[0]);
        Assert.Equal(new[] { -1.0, 0.0 }, rows[^1]);
        // the route follows the arc through the data, in order. Next to each endpoint the chord to the second
        // arc point is shorter than the two hops, so the shortest route may skip the first and last arc points.
        var dataRows = data.ToArray<double>().Chunk(2).ToArray();
        var positions = dataRows.Select(d => Array.FindIndex(rows, r => r[0] == d[0] && r[1] == d[1])).Where(p => p >= 0).ToArray();
        Assert.True(positions.Length >= dataRows.Length - 2, $"only {positions.Length} of {dataRows.Length} data points are on the path");
        Assert.Equal(positions.Order(), positions);
        // the path never cuts across: every point has y ≥ 0 and stays near the circle
        Assert.All(rows, r => Assert.True(r[1] >= 0 && Math.Sqrt(r[0] * r[0] + r[1] * r[1]) > 0.9));
    }

    [Fact]
    public void FillKeepsWaypointsAndGivesExtraPointsToLongSegments()
    {
        var waypoints = new List<double[]> { new[] { 0.0 }, new[] { 1.0 }, new[] { 4.0 } };
        var path = EigPaths.Fill(waypoints, 6);
        // 3 extra points, segment lengths 1 and 3: the long one gets the first two (3/1, then 3/2 > 1/1),
        // the third is a tie (1/1 vs 3/3) and goes to the first segment.
        Assert.Equal(new[] { 0.0, 0.5, 1.0, 2.0, 3.0, 4.0 }, path.Select(p => p[0]));
        Assert.Throws<ArgumentException>(() => EigPaths.Fill(waypoints, 2));
    }

    [Fact]
    public void DisconnectedGraphIsAClearError()
    {
        using var data = tensor(new double[] { 100, 100, 101, 100 }, [2, 2]);
        using var b = tensor(new double[] { 0, 0 });
        using var x = tensor(new double[] { 0.1, 0 });
        // k = 1: the endpoints pair with each other and the two far points with each other — no route through data needed,
        // so ask for a route from a far point instead.
        var nodes = new List<double[]> { new[] { 0.0, 0 }, new[] { 0.1, 0 }, new[] { 100.0, 100 }, new[] { 101.0, 100 } };
        var e = Assert.Throws<InvalidOperationException>(() => EigPaths.ShortestPath(nodes, 0, 3, 1));
        Assert.Contains("not connected", e.Message);
    }

    [Fact]
    public void LatentPathWithIdentityAutoencoderIsTheLinearPath()
    {
        using var b = tensor(new double[] { 0, 1, 2 });
        using var x = tensor(new double[] { 3, -1, 5 });
        using var lin = EigPaths.Linear(b, x, 9);
        using var lat = EigPaths.Latent(t => t * 2.0, t => t / 2.0, b, x, 9);
        Assert.True(allclose(lin, lat, 1e-12, 1e-12));
    }

    [Fact]
    public void IntegralIsExactForLinearModelsOnAnyPathAndCompleteForSmoothOnes()
    {
        using var w = tensor(new double[] { 0.5, -2.0 });
        Func<Tensor, Tensor> linear = t => t.mv(w).unsqueeze(1);
        using var data = Arc(10);
        using var b = tensor(new double[] { 1, 0 });
        using var x = tensor(new double[] { -1, 0 });
        using var curved = EigPaths.Neighbors(data, b, x, 30, 2);
        using var attr = PathIntegral.Integrate(linear, curved, Target.Class(0));
        Assert.Equal(new[] { 0.5 * -2, -2.0 * 0 }, attr.ToArray<double>().Select(v => Math.Round(v, 12)));

        Func<Tensor, Tensor> smooth = t => (t.select(1, 0).tanh() * t.select(1, 1).exp()).unsqueeze(1);
        using var attr2 = PathIntegral.Integrate(smooth, curved, Target.Class(0), batchSize: 7);
        double F(double u, double v) => Math.Tanh(u) * Math.Exp(v);
        var gap = F(-1, 0) - F(1, 0);
        Assert.True(Math.Abs(attr2.sum().item<double>() - gap) < 1e-2 * Math.Abs(gap), $"Σ attributions {attr2.sum().item<double>()} vs f(x) − f(x') {gap}");
    }
}
