using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Eig;

public class EigBaselineTests
{
    [Fact]
    public void KMeansFindsWellSeparatedClusterCentres()
    {
        var rng = new Random(3);
        var centres = new[] { (0.0, 0.0), (10.0, 0.0), (0.0, 10.0) };
        var points = centres.SelectMany(c => Enumerable.Range(0, 30).SelectMany(_ => new[] { c.Item1 + rng.NextDouble() - 0.5, c.Item2 + rng.NextDouble() - 0.5 })).ToArray();
        using var data = tensor(points, [90, 2]);
        using var found = EigBaselines.KMeans(data, 3, seed: 1);
        var rows = found.ToArray<double>().Chunk(2).ToArray();
        foreach (var (cx, cy) in centres)
        {
            var truth = points.Chunk(2).Where(p => Math.Abs(p[0] - cx) < 1 && Math.Abs(p[1] - cy) < 1).ToArray();
            var mean = (truth.Average(p => p[0]), truth.Average(p => p[1]));
            Assert.Contains(rows, r => Math.Abs(r[0] - mean.Item1) < 1e-9 && Math.Abs(r[1] - mean.Item2) < 1e-9);
        }
    }

    [Fact]
    public void KMeansPlusPlusSeedsDistinctFarApartPoints()
    {
        var rows = new[] { new[] { 0.0 }, new[] { 0.0 }, new[] { 0.0 }, new[] { 100.0 } };
        for (var seed = 0; seed < 10; seed++)
        {
            var c = EigBaselines.KMeansPlusPlus(rows, 2, new Random(seed));
            Assert.Equal(new[] { 0.0, 100.0 }, c.Select(r => r[0]).Order());   // D² weighting never picks a duplicate
        }
    }

    [Fact]
    public void MedianTakesThePointsClosestToTheElementwiseMedianNotTheFarthest()
    {
        using var data = tensor(new double[] { 0, 1, 2, 3, 50 }, [5, 1]);   // median 2
        using var m = EigBaselines.Median(data, 2);
        Assert.Equal(new double[] { 2, 1 }, m.ToArray<double>());
    }

    [Fact]
    public void CloseSkipsTheNearestPointPerSample()
    {
        using var data = tensor(new double[] { 0, 1, 2, 10, 11 }, [5, 1]);
        using var samples = tensor(new double[] { 0.1, 10.4 }, [2, 1]);
        using var c = EigBaselines.Close(data, samples, count: 2, skip: 1);
        Assert.Equal(new long[] { 2, 2, 1 }, c.shape);
        Assert.Equal(new double[] { 1, 2, 11, 2 }, c.ToArray<double>());
    }

    [Fact]
    public void RandomBaselinesAreDistinctAndSeeded()
    {
        using var data = arange(20.0).reshape(20, 1).to(ScalarType.Float64);
        using var a = EigBaselines.Random(data, 5, seed: 4);
        using var b = EigBaselines.Random(data, 5, seed: 4);
        using var c = EigBaselines.Random(data, 5, seed: 5);
        Assert.Equal(a.ToArray<double>(), b.ToArray<double>());
        Assert.Equal(5, a.ToArray<double>().Distinct().Count());
        Assert.NotEqual(a.ToArray<double>(), c.ToArray<double>());
        Assert.Throws<ArgumentOutOfRangeException>(() => EigBaselines.Random(data, 21));
    }

    [Fact]
    public void EncodedZeroIsTheDecoderOfTheLatentZero()
    {
        using var shift = tensor(new double[] { 1, 2, 3 });
        using var z = EigBaselines.EncodedZero(t => t.mm(ones([2, 3], ScalarType.Float64)) + shift, 2, ScalarType.Float64);
        Assert.Equal(new double[] { 1, 2, 3 }, z.ToArray<double>());
    }
}
