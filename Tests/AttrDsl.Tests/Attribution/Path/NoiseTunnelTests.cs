using AttrDsl.Tests.Infrastructure;
using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.PathMethods.AttrKit;

namespace AttrDsl.Tests.Attribution.PathMethods;

/// <summary>NoiseTunnel and GradientSHAP. Serial: both draw from (and re-seed) the global generator.</summary>
[Collection(GlobalRngCollection.Name)]
public class NoiseTunnelTests
{
    private static readonly double[] A = [1, -2, 0.5];
    private static readonly double[] W = [3, -1, 0.25];
    private static readonly double[] Xv = [1, 2, -1, -0.5, 0.5, 2];

    [Fact]
    public void ZeroNoiseSmoothGradEqualsTheWrappedMethod()
    {
        using var scope = NewDisposeScope();
        var x = T(Xv, 2, 3);
        var sal = new Saliency(TwoHeadModel(A, W));
        var nt = new NoiseTunnel((t, target) => sal.Attribute(t, target, abs: false));
        var plain = D(sal.Attribute(x, 0, abs: false));
        Close(plain, nt.Attribute(x, 0, stdevs: 0, nSamples: 4), 1e-15, what: "stdevs 0");
        // Tiny noise: the gradient 2ax moves by 2|a|·ε with ε ~ 1e-9.
        Close(plain, nt.Attribute(x, 0, stdevs: 1e-9, nSamples: 4), 1e-6, what: "stdevs 1e-9");
        var squared = plain.Select(v => v * v).ToArray();
        Close(squared, nt.Attribute(x, 0, NoiseTunnelType.SmoothGradSquared, stdevs: 0), 1e-12, what: "smoothgrad_sq");
        Close(new double[6], nt.Attribute(x, 0, NoiseTunnelType.VarGrad, stdevs: 0), 0, what: "vargrad");
    }

    [Fact]
    public void VarGradOfALinearModelIsZero()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var x = T(Xv, 2, 3);
        var sal = new Saliency(TwoHeadModel(A, W));
        var nt = new NoiseTunnel((t, target) => sal.Attribute(t, target, abs: false));
        Close(new double[6], nt.Attribute(x, 1, NoiseTunnelType.VarGrad, nSamples: 10, stdevs: 2), 1e-12, what: "vargrad");
        var w = new double[6];
        for (var i = 0; i < 6; i++) w[i] = W[i % 3];
        Close(w, nt.Attribute(x, 1, nSamples: 10, stdevs: 2), 1e-12, what: "smoothgrad");
        Close(w.Select(v => v * v).ToArray(), nt.Attribute(x, 1, NoiseTunnelType.SmoothGradSquared, nSamples: 10, stdevs: 2), 1e-12, what: "smoothgrad_sq");
    }

    /// <summary>
    /// The signed gradient of Σ a x² is 2a(x + ε): SmoothGrad → 2ax, VarGrad → 4a²σ²·(n−1)/n (population variance),
    /// SmoothGrad² → 4a²(x² + σ²). n = 4000 copies; tolerances 5 standard errors of each estimator.
    /// </summary>
    [Fact]
    public void NoisyGradientsOfAQuadraticMatchTheirExpectations()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        const int n = 4000;
        const double sigma = 0.3;
        var x = T(Xv, 2, 3);
        var sal = new Saliency(QuadraticModel(A));
        var nt = new NoiseTunnel((t, target) => sal.Attribute(t, target, abs: false));
        var mean = D(nt.Attribute(x, Target.Output, nSamples: n, stdevs: sigma));
        var variance = D(nt.Attribute(x, Target.Output, NoiseTunnelType.VarGrad, nSamples: n, stdevs: sigma));
        var sq = D(nt.Attribute(x, Target.Output, NoiseTunnelType.SmoothGradSquared, nSamples: n, stdevs: sigma));
        for (var i = 0; i < 6; i++)
        {
            var s = 2 * Math.Abs(A[i % 3]) * sigma;           // std of one noisy gradient
            var mu = 2 * A[i % 3] * Xv[i];
            Assert.True(Math.Abs(mean[i] - mu) <= 5 * s / Math.Sqrt(n), $"smoothgrad {i}: {mean[i]} vs {mu}");
            var v = s * s * (n - 1) / n;
            Assert.True(Math.Abs(variance[i] - v) <= 5 * v * Math.Sqrt(2.0 / (n - 1)), $"vargrad {i}: {variance[i]} vs {v}");
            // (μ + sZ)² has variance 4μ²s² + 2s⁴.
            var sqTruth = mu * mu + s * s;
            var sqSe = Math.Sqrt((4 * mu * mu * s * s + 2 * Math.Pow(s, 4)) / n);
            Assert.True(Math.Abs(sq[i] - sqTruth) <= 5 * sqSe, $"smoothgrad_sq {i}: {sq[i]} vs {sqTruth}");
        }
    }

    [Fact]
    public void BatchedEqualsUnbatchedUnderTheSameSeed()
    {
        using var scope = NewDisposeScope();
        var x = T(Xv, 2, 3);
        var labels = tensor(new long[] { 1, 0 });
        var ig = new IntegratedGradients(t => TwoHeadModel(A, W)(t).tanh());
        var calls = new List<long>();
        var nt = new NoiseTunnel((t, target) => { calls.Add(t.size(0)); return ig.Attribute(t, target, nSteps: 8); });
        foreach (var type in Enum.GetValues<NoiseTunnelType>())
        {
            manual_seed(123);
            calls.Clear();
            var all = D(nt.Attribute(x, Target.PerSample(labels), type, nSamples: 8, stdevs: 0.5));
            Assert.Equal([16L], calls);
            manual_seed(123);
            calls.Clear();
            var batched = D(nt.Attribute(x, Target.PerSample(labels), type, nSamples: 8, stdevs: 0.5, nSamplesBatchSize: 3));
            Assert.Equal([6L, 6, 4], calls);
            Close(all, batched, 1e-12, what: $"{type} batched");
            manual_seed(124);
            var other = D(nt.Attribute(x, Target.PerSample(labels), type, nSamples: 8, stdevs: 0.5));
            Assert.NotEqual(all, other);   // the noise really enters
        }
    }

    [Fact]
    public void NoiseTunnelErrors()
    {
        using var scope = NewDisposeScope();
        var x = T(Xv, 2, 3);
        var sal = new Saliency(QuadraticModel(A));
        var nt = new NoiseTunnel((t, target) => sal.Attribute(t, target));
        Assert.Equal("nSamples", Assert.Throws<ArgumentOutOfRangeException>(() => nt.Attribute(x, Target.Output, nSamples: 0)).ParamName);
        Assert.Equal("stdevs", Assert.Throws<ArgumentOutOfRangeException>(() => nt.Attribute(x, Target.Output, stdevs: -1)).ParamName);
        Assert.Equal("stdevs", Assert.Throws<ArgumentOutOfRangeException>(() => nt.Attribute(x, Target.Output, stdevs: double.NaN)).ParamName);
        Assert.Equal("nSamplesBatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => nt.Attribute(x, Target.Output, nSamplesBatchSize: 0)).ParamName);
        var wrong = new NoiseTunnel((t, target) => t.sum(1));
        var e = Assert.Throws<InvalidOperationException>(() => wrong.Attribute(x, Target.Output, nSamples: 2));
        Assert.Contains("[4]", e.Message);
        Assert.Contains("[4, 3]", e.Message);
    }

    [Fact]
    public void GradientShapOfALinearModelIsInputMinusMeanBaselineTimesWeights()
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        var r = new Random(12);
        double[] w = [2, -1, 0.5];
        const int rows = 3000, nb = 5;
        var bg = Uniform(r, nb * 3, -2, 2);
        var meanBg = new double[3];
        for (var s = 0; s < nb; s++) for (var i = 0; i < 3; i++) meanBg[i] += bg[s * 3 + i] / nb;
        double[] x0 = [1, -1, 2];
        var xv = new double[rows * 3];
        for (var row = 0; row < rows; row++) Array.Copy(x0, 0, xv, row * 3, 3);
        var gs = new GradientShap(LinearModel(w, 0.3));
        // Rows are independent single-draw estimates of (x − E[x'])·w (noise has mean 0).
        var values = D(gs.Attribute(T(xv, rows, 3), Target.Output, T(bg, nb, 3), nSamples: 1, stdevs: 0.5));
        var (mean, se) = MeanAndStdErr(values, rows, 3);
        for (var i = 0; i < 3; i++)
        {
            var truth = (x0[i] - meanBg[i]) * w[i];
            Assert.True(Math.Abs(mean[i] - truth) <= 5 * se[i], $"feature {i}: {mean[i]} vs {truth} (5 SE = {5 * se[i]})");
        }
        // Averaging over nSamples draws per row: same expectation.
        var multi = D(gs.Attribute(T(x0, 1, 3), Target.Output, T(bg, nb, 3), nSamples: 2000, stdevs: 0.5));
        for (var i = 0; i < 3; i++)
            Assert.True(Math.Abs(multi[i] - (x0[i] - meanBg[i]) * w[i]) <= 5 * se[i] * Math.Sqrt(rows / 2000.0), $"nSamples 2000, feature {i}");

        // One baseline and no noise: exactly (x − x')·w; without multiplying: w.
        var single = T([0.5, 0.5, -1], 1, 3);
        Close([(1 - 0.5) * 2, (-1 - 0.5) * -1, (2 + 1) * 0.5], gs.Attribute(T(x0, 1, 3), Target.Output, single, nSamples: 7), 1e-12);
        Close(w, gs.Attribute(T(x0, 1, 3), Target.Output, single, nSamples: 7, stdevs: 1, multiplyByInputs: false), 1e-12);
    }

    [Fact]
    public void GradientShapIsReproducibleAndValidatesBaselines()
    {
        using var scope = NewDisposeScope();
        var gs = new GradientShap(QuadraticModel(A));
        var x = T(Xv, 2, 3);
        var bg = T([0, 1, 2, 3, 4, 5, 6, 7, 8], 3, 3);
        manual_seed(3);
        var a = D(gs.Attribute(x, Target.Output, bg, stdevs: 0.1));
        manual_seed(3);
        Assert.Equal(a, D(gs.Attribute(x, Target.Output, bg, stdevs: 0.1)));
        var e = Assert.Throws<ArgumentException>(() => gs.Attribute(x, Target.Output, T(new double[4], 2, 2)));
        Assert.Contains("[2, 2]", e.Message);
        Assert.Equal("baselines", e.ParamName);
        Assert.Equal("nSamples", Assert.Throws<ArgumentOutOfRangeException>(() => gs.Attribute(x, Target.Output, bg, nSamples: 0)).ParamName);
        Assert.Equal("stdevs", Assert.Throws<ArgumentOutOfRangeException>(() => gs.Attribute(x, Target.Output, bg, stdevs: -0.1)).ParamName);

        using var inner = NewDisposeScope();
        var before = inner.DisposablesCount;
        gs.Attribute(x, Target.Output, bg, nSamples: 3, stdevs: 0.1);
        new NoiseTunnel((t, target) => gs.Attribute(t, target, bg)).Attribute(x, Target.Output, nSamples: 2);
        Assert.Equal(before + 2, inner.DisposablesCount);
    }
}
