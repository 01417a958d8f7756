using AttrDsl.Tests.Infrastructure;
using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Perturbation;

[Collection(GlobalRngCollection.Name)]
public class ShapleyValueSamplingTests
{
    /// <summary>f = x1·x2 + x3 (features 0, 1, 2), in C#.</summary>
    private static double F(double[] v) => v[0] * v[1] + v[2];

    private static Tensor FTensor(Tensor x) => x.select(1, 0) * x.select(1, 1) + x.select(1, 2);

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1) { yield return items; yield break; }
        for (var i = 0; i < items.Length; i++)
        {
            var rest = items.Where((_, j) => j != i).ToArray();
            foreach (var p in Permutations(rest)) yield return [items[i], .. p];
        }
    }

    /// <summary>
    /// Exact Shapley values of the groups of f at x against baseline b by enumerating every ordering of
    /// the groups, with the per-group standard deviation of the marginal contribution over orderings.
    /// </summary>
    private static (double[] Value, double[] Std) ExactShapley(double[] x, double[] b, int[] group)
    {
        var groups = group.Distinct().Order().ToArray();
        var contributions = groups.ToDictionary(g => g, _ => new List<double>());
        foreach (var order in Permutations(groups))
        {
            var current = (double[])b.Clone();
            var prev = F(current);
            foreach (var g in order)
            {
                for (var i = 0; i < x.Length; i++) if (group[i] == g) current[i] = x[i];
                var now = F(current);
                contributions[g].Add(now - prev);
                prev = now;
            }
        }
        var value = new double[x.Length];
        var std = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var c = contributions[group[i]];
            var mean = c.Average();
            value[i] = mean;
            std[i] = Math.Sqrt(c.Sum(v => (v - mean) * (v - mean)) / c.Count);
        }
        return (value, std);
    }

    [Fact]
    public void LinearModelGetsExactlyWeightTimesDifference()
    {
        using var scope = NewDisposeScope();
        const int b = 2, n = 5;
        var w = Values(n, 31);
        var xv = Values(b * n, 32);
        var bv = Values(n, 33);
        manual_seed(7);
        var svs = new ShapleyValueSampling(LinearModel(w, 0.4));
        var attr = A(svs.Attribute(T(xv, b, n), Target.Output, baselines: T(bv, n), nSamples: 3, perturbationsPerEval: 2));
        var expected = new double[b * n];
        for (var r = 0; r < b; r++) for (var i = 0; i < n; i++) expected[r * n + i] = w[i] * (xv[r * n + i] - bv[i]);
        Close(expected, attr, 1e-12);
    }

    [Fact]
    public void ProductModelMatchesEnumeratedShapleyValuesWithinSamplingError()
    {
        using var scope = NewDisposeScope();
        double[] x = [2.0, -1.5, 0.75];
        double[] bl = [0.5, 1.0, -0.25];
        const int nSamples = 400;
        var (exact, std) = ExactShapley(x, bl, [0, 1, 2]);
        // x3 enters additively: its marginal contribution is the same in every ordering.
        Assert.Equal(0.0, std[2], 12);
        Assert.True(std[0] > 0.1, "the test needs an interaction to be meaningful");
        manual_seed(2024);
        var attr = A(new ShapleyValueSampling(FTensor).Attribute(T(x, 1, 3), Target.Output, baselines: T(bl, 3), nSamples: nSamples, perturbationsPerEval: 3));
        for (var i = 0; i < 3; i++)
        {
            var tol = 5 * std[i] / Math.Sqrt(nSamples) + 1e-12;   // 5σ of the sample mean
            Assert.True(Math.Abs(attr[i] - exact[i]) <= tol, $"feature {i}: exact {exact[i]}, estimate {attr[i]}, tolerance {tol}");
        }
        // Every ordering's credits telescope to f(x) − f(baseline), so the estimate is efficient exactly.
        Assert.Equal(F(x) - F(bl), attr.Sum(), 12);
    }

    [Fact]
    public void GroupedFeaturesMatchTwoPlayerShapleyValues()
    {
        using var scope = NewDisposeScope();
        double[] x = [1.5, 2.0, -3.0];
        int[] group = [4, 4, 9];
        var (exact, _) = ExactShapley(x, [0, 0, 0], group);
        // Two players: the product group and x3 never interact, so every ordering agrees.
        manual_seed(5);
        var attr = A(new ShapleyValueSampling(FTensor).Attribute(T(x, 1, 3), Target.Output, featureMask: tensor(new long[] { 4, 4, 9 }), nSamples: 4));
        Close(exact, attr, 1e-12);
        Close([3.0, 3.0, -3.0], attr, 1e-12);
    }

    [Fact]
    public void ManualSeedMakesTheEstimateReproducible()
    {
        using var scope = NewDisposeScope();
        var svs = new ShapleyValueSampling(FTensor);
        var x = T([2.0, -1.5, 0.75, 1.0, 3.0, -2.0], 2, 3);
        manual_seed(11);
        var first = A(svs.Attribute(x, Target.Output, nSamples: 5));
        manual_seed(11);
        var second = A(svs.Attribute(x, Target.Output, nSamples: 5, perturbationsPerEval: 2));
        Close(first, second, 0);
        // Each row sums to its own f(x) − f(0).
        Assert.Equal(2.0 * -1.5 + 0.75, first[0] + first[1] + first[2], 12);
        Assert.Equal(1.0 * 3.0 - 2.0, first[3] + first[4] + first[5], 12);
    }

    [Fact]
    public void ArgumentErrors()
    {
        using var scope = NewDisposeScope();
        var svs = new ShapleyValueSampling(FTensor);
        var x = zeros([1, 3], float64);
        Assert.Throws<ArgumentOutOfRangeException>(() => svs.Attribute(x, Target.Output, nSamples: 0));
        var ex = Assert.Throws<ArgumentException>(() => svs.Attribute(x, Target.Output, featureMask: zeros([2], int64)));
        Assert.Contains("cannot be broadcast", ex.Message);
        Assert.Throws<ArgumentException>(() => svs.Attribute(zeros([3], float64), Target.Output));
    }
}
