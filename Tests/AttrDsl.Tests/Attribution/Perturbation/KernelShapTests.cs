using AttrDsl.Attribution;
using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Attribution.Lpm;
using static AttrDsl.Tests.Attribution.Perturbation.SurrogateTruth;

namespace AttrDsl.Tests.Attribution.Perturbation;

[Collection(GlobalRngCollection.Name)]
public class KernelShapTests
{
    /// <summary>f = x0·x1 + sin(x2)·x3 + x4² − x0·x3·x4: interactions of two and three features.</summary>
    private static double F(double[] v) => v[0] * v[1] + Math.Sin(v[2]) * v[3] + v[4] * v[4] - v[0] * v[3] * v[4];

    private static Tensor FTensor(Tensor x)
    {
        var c = Enumerable.Range(0, 5).Select(i => x.select(1, i)).ToArray();
        return c[0] * c[1] + c[2].sin() * c[3] + c[4] * c[4] - c[0] * c[3] * c[4];
    }

    [Fact]
    public void ExhaustiveCoalitionsEqualEnumeratedShapleyValues()
    {
        using var scope = NewDisposeScope();
        var xv = Values(10, 41, -2, 2);
        var bv = Values(5, 42);
        int[] group = [0, 1, 2, 3, 4];
        // nSamples = 2^5 − 2: every proper coalition once, weighted by the Shapley kernel.
        var attr = A(new KernelShap(FTensor).Attribute(T(xv, 2, 5), Target.Output, baselines: T(bv, 1, 5), nSamples: 30, perturbationsPerEval: 7));
        for (var r = 0; r < 2; r++)
            Close(Shapley(F, xv[(r * 5)..(r * 5 + 5)], bv, group), attr[(r * 5)..(r * 5 + 5)], 1e-9, $"row {r}");
    }

    [Fact]
    public void GroupedExhaustiveCoalitionsEqualShapleyValuesOfTheGroups()
    {
        using var scope = NewDisposeScope();
        var xv = Values(5, 43, -2, 2);
        var bv = Values(5, 44);
        int[] group = [2, 0, 2, 1, 0];
        var attr = A(new KernelShap(FTensor).Attribute(T(xv, 1, 5), Target.Output, featureMask: tensor(group.Select(g => (long)g).ToArray()),
            baselines: T(bv, 5), nSamples: 6));
        Close(Shapley(F, xv, bv, group), attr, 1e-9);
    }

    // Captum tests/attr/test_kernel_shap.py on BasicModel_MultiLayer, target 0. Captum samples 500 (or 100) coalitions and
    // checks within 1.0; three features have 6 proper coalitions, so nSamples ≥ 6 is exhaustive here and exact.
    [Theory]
    [InlineData("test_simple_kernel_shap", null, 0.0, new[] { 76.66666666666667, 196.66666666666667, 116.66666666666667 })]
    [InlineData("test_simple_kernel_shap_with_mask", new long[] { 0, 0, 1 }, 0.0, new[] { 275.0, 275.0, 115.0 })]
    [InlineData("test_simple_kernel_shap_with_baselines", new long[] { 0, 0, 1 }, 4.0, new[] { 248.0, 248.0, 104.0 })]
    public void CaptumSimpleKernelShapValues(string captumTest, long[]? mask, double baseline, double[] expected)
    {
        using var scope = NewDisposeScope();
        foreach (var perEval in new[] { 1, 2, 3 })
        {
            var attr = A(new KernelShap(CaptumMultiLayer).Attribute(T([20.0, 50.0, 30.0], 1, 3), 0, mask is null ? null : tensor(mask).unsqueeze(0),
                baseline, nSamples: 500, perturbationsPerEval: perEval));
            Close(expected, attr, 1e-9, $"{captumTest}, perturbations_per_eval {perEval}");
        }
    }

    [Fact]
    public void CaptumLinearKernelShapValues()
    {
        // Captum test_linear_kernel_shap: baseline [10, 20, 10] keeps every ReLU active, so the values are 4·(x − b).
        using var scope = NewDisposeScope();
        var attr = A(new KernelShap(CaptumMultiLayer).Attribute(T([20.0, 50.0, 30.0], 1, 3), 0, baselines: T([10.0, 20.0, 10.0], 1, 3), nSamples: 500));
        Close([40.0, 120.0, 80.0], attr, 1e-9);
    }

    [Fact]
    public void CaptumSingleInputScalarValues()
    {
        // Captum _single_input_scalar_kernel_shap_assert: the forward sums both outputs (target None there).
        using var scope = NewDisposeScope();
        var attr = A(new KernelShap(x => CaptumMultiLayer(x).sum(1, keepdim: true)).Attribute(T([2.0, 10.0, 3.0], 1, 3), Target.Output,
            tensor(new long[] { 0, 0, 1 }).unsqueeze(0)));
        Close([79.0, 79.0, 21.0], attr, 1e-9);
    }

    [Fact]
    public void SampledCoalitionsRecoverALinearModelExactly()
    {
        // Ten groups have 1022 proper coalitions; 40 sampled ones already determine a linear model, which fits them exactly.
        using var scope = NewDisposeScope();
        const int n = 10;
        var w = Values(n, 45);
        var xv = Values(3 * n, 46);
        var bv = Values(n, 47);
        var attr = A(new KernelShap(LinearModel(w, 0.3)).Attribute(T(xv, 3, n), Target.Output, baselines: T(bv, n), nSamples: 40, perturbationsPerEval: 8, seed: 3));
        var expected = new double[3 * n];
        for (var r = 0; r < 3; r++) for (var i = 0; i < n; i++) expected[r * n + i] = w[i] * (xv[r * n + i] - bv[i]);
        Close(expected, attr, 1e-9);
    }

    [Fact]
    public void SampledEstimateIsEfficientAndNearTheShapleyValues()
    {
        // Eight features (f above plus three linear ones): 254 proper coalitions, 4000 drawn from the kernel.
        using var scope = NewDisposeScope();
        static double G(double[] v) => F(v) + 0.5 * v[5] - v[6] + 2 * v[7];
        static Tensor GTensor(Tensor x) => FTensor(x) + 0.5 * x.select(1, 5) - x.select(1, 6) + 2 * x.select(1, 7);
        var xv = Values(8, 48, -1.5, 1.5);
        var exact = Shapley(G, xv, new double[8], [0, 1, 2, 3, 4, 5, 6, 7]);
        var attr = A(new KernelShap(GTensor).Attribute(T(xv, 1, 8), Target.Output, nSamples: 4000, perturbationsPerEval: 500, seed: 9));
        Assert.Equal(G(xv) - G(new double[8]), attr.Sum(), 9);
        Close(exact, attr, 0.05, "sampled");
    }

    [Fact]
    public void CoalitionSizesFollowTheShapleyKernel()
    {
        // Captum's sampler: size k of G groups with probability ∝ 1 / (k (G − k)), weight 1 each.
        const int g = 12, n = 4_000;   // 4094 proper coalitions: fewer draws than that are sampled, not enumerated
        var (coalitions, weights) = KernelShap.Coalitions(g, n, new Random(1));
        Assert.Equal(n, coalitions.Count);
        Assert.All(weights, w => Assert.Equal(1.0, w));
        var p = Enumerable.Range(1, g - 1).Select(k => 1.0 / (k * (g - k))).ToArray();
        var total = p.Sum();
        for (var k = 1; k < g; k++)
        {
            var expected = p[k - 1] / total;
            var observed = coalitions.Count(z => z.Count(v => v) == k) / (double)n;
            Assert.True(Math.Abs(observed - expected) < 5 * Math.Sqrt(expected * (1 - expected) / n), $"size {k}: {observed} vs {expected}");
        }
    }

    [Fact]
    public void CoalitionsAreBatchedIntoFewForwardPasses()
    {
        using var scope = NewDisposeScope();
        var calls = new List<long>();
        var model = LinearModel(Values(10, 49));
        var shap = new KernelShap(x => { calls.Add(x.size(0)); return model(x); });
        shap.Attribute(T(Values(20, 50), 2, 10), Target.Output, nSamples: 100, perturbationsPerEval: 34, seed: 1);
        // 102 coalitions (the input, the baseline and 100 drawn) in passes of 34 coalitions × 2 rows.
        Assert.Equal([68L, 68L, 68L], calls);
    }

    [Fact]
    public void SeedMakesTheEstimateReproducible()
    {
        using var scope = NewDisposeScope();
        var shap = new KernelShap(FTensor);
        var x = T(Values(10, 51), 2, 5);
        Close(A(shap.Attribute(x, Target.Output, nSamples: 12, seed: 5)), A(shap.Attribute(x, Target.Output, nSamples: 12, perturbationsPerEval: 5, seed: 5)), 1e-12);
        manual_seed(13);
        var first = A(shap.Attribute(x, Target.Output, nSamples: 12));
        manual_seed(13);
        Close(first, A(shap.Attribute(x, Target.Output, nSamples: 12)), 0);
        Assert.NotEqual(A(shap.Attribute(x, Target.Output, nSamples: 12, seed: 5)), A(shap.Attribute(x, Target.Output, nSamples: 12, seed: 6)));
    }

    [Fact]
    public void RowsGroupedDifferentlyAreExplainedEachOnItsOwn()
    {
        using var scope = NewDisposeScope();
        var xv = Values(10, 52, -2, 2);
        long[] mask = [0, 0, 1, 1, 2, 0, 1, 1, 2, 3];
        var attr = A(new KernelShap(FTensor).Attribute(T(xv, 2, 5), Target.Output, tensor(mask, 2, 5), nSamples: 30));
        Close(Shapley(F, xv[..5], new double[5], [0, 0, 1, 1, 2]), attr[..5], 1e-9, "row 0");
        Close(Shapley(F, xv[5..], new double[5], [0, 1, 1, 2, 3]), attr[5..], 1e-9, "row 1");
    }
}
