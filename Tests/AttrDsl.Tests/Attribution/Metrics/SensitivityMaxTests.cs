using AttrDsl.Tests.Infrastructure;
using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Metrics;

[Collection(GlobalRngCollection.Name)]
public class SensitivityMaxTests
{
    /// <summary>f = Σ x³ per row; its saliency 3x² changes under perturbation.</summary>
    private static Tensor Cubic(Tensor x) => x.pow(3).sum(1);

    private static Tensor Saliency(Func<Tensor, Tensor> f, Tensor x, Target t) => AttrDsl.Attribution.Gradients.Of(f, x, t);

    [Fact]
    public void GradientOfLinearModelHasZeroSensitivity()
    {
        using var scope = NewDisposeScope();
        var f = LinearModel(Values(4, 221, -2, 2), 0.5);
        manual_seed(5);
        var sens = A(SensitivityMax.Compute((x, t) => Saliency(f, x, t), T(Values(12, 222), 3, 4), Target.Output, perturbRadius: 0.5));
        Assert.Equal(3, sens.Length);
        Assert.All(sens, s => Assert.True(s <= 1e-12, $"sensitivity {s}"));
    }

    [Fact]
    public void SaliencyOfNonLinearModelIsSensitiveAndGrowsWithRadius()
    {
        using var scope = NewDisposeScope();
        // x ∈ [1, 2] and r ≤ ½: each |3(x + δ)² − 3x²| grows with r for the same direction δ/r, so the max does too.
        var x = T(Values(8, 223, 1, 2), 2, 4);
        double[] previous = [0, 0];
        foreach (var r in new[] { 0.01, 0.05, 0.2, 0.5 })
        {
            manual_seed(6);
            var sens = A(SensitivityMax.Compute((xs, t) => Saliency(Cubic, xs, t), x, Target.Output, perturbRadius: r, nPerturbSamples: 8, maxExamplesPerBatch: 16));
            for (var b = 0; b < 2; b++)
            {
                Assert.True(sens[b] > previous[b], $"radius {r}, sample {b}: {sens[b]} should exceed {previous[b]}");
                previous[b] = sens[b];
            }
        }
    }

    [Fact]
    public void FixedPerturbationGivesTheHandComputedRatio()
    {
        using var scope = NewDisposeScope();
        var xv = Values(6, 224, -2, 2);
        var dv = Values(6, 225, -0.1, 0.1);
        var delta = T(dv, 2, 3);
        var sens = A(SensitivityMax.Compute((xs, t) => Saliency(Cubic, xs, t), T(xv, 2, 3), Target.Output,
            nPerturbSamples: 2, perturb: xs => xs + delta.repeat_interleave_rows(2)));
        for (var r = 0; r < 2; r++)
        {
            double num = 0, den = 0;
            for (var i = 0; i < 3; i++)
            {
                var g = 3 * xv[r * 3 + i] * xv[r * 3 + i];
                var gp = 3 * Math.Pow(xv[r * 3 + i] + dv[r * 3 + i], 2);
                num += (gp - g) * (gp - g);
                den += g * g;
            }
            Assert.Equal(Math.Sqrt(num) / Math.Sqrt(den), sens[r], 12);
        }
        // The L∞ norm instead of L2.
        var inf = A(SensitivityMax.Compute((xs, t) => Saliency(Cubic, xs, t), T(xv, 2, 3), Target.Output,
            nPerturbSamples: 2, normOrder: double.PositiveInfinity, perturb: xs => xs + delta.repeat_interleave_rows(2)));
        for (var r = 0; r < 2; r++)
        {
            var g = Enumerable.Range(0, 3).Select(i => 3 * xv[r * 3 + i] * xv[r * 3 + i]).ToArray();
            var gp = Enumerable.Range(0, 3).Select(i => 3 * Math.Pow(xv[r * 3 + i] + dv[r * 3 + i], 2)).ToArray();
            Assert.Equal(g.Zip(gp, (a, b) => Math.Abs(a - b)).Max() / g.Max(Math.Abs), inf[r], 12);
        }
    }

    [Fact]
    public void ZeroExplanationNormIsReplacedByOne()
    {
        using var scope = NewDisposeScope();
        // Saliency of Σ x³ at x = 0 is 0; at x + δ it is 3δ², so the sensitivity is ‖3δ²‖ itself.
        var delta = T([0.1, -0.2], 1, 2);
        var sens = A(SensitivityMax.Compute((xs, t) => Saliency(Cubic, xs, t), zeros([1, 2], float64), Target.Output,
            nPerturbSamples: 1, perturb: xs => xs + delta));
        Assert.Equal(Math.Sqrt(Math.Pow(3 * 0.01, 2) + Math.Pow(3 * 0.04, 2)), sens[0], 12);
    }

    [Fact]
    public void TargetlessOverloadAndErrors()
    {
        using var scope = NewDisposeScope();
        var x = T(Values(4, 226, 1, 2), 2, 2);
        manual_seed(7);
        var a = A(SensitivityMax.Compute(xs => Saliency(Cubic, xs, Target.Output), x));
        manual_seed(7);
        var b = A(SensitivityMax.Compute((xs, t) => Saliency(Cubic, xs, t), x, Target.Output));
        Close(a, b, 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => SensitivityMax.Compute(xs => xs, x, perturbRadius: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SensitivityMax.Compute(xs => xs, x, nPerturbSamples: 0));
        var rows = Assert.Throws<InvalidOperationException>(() => SensitivityMax.Compute(xs => xs.sum(), x));
        Assert.Contains("expected 2 rows", rows.Message);
    }
}

internal static class RowRepeat
{
    /// <summary>Each row repeated k times, sample-major (what the metric feeds its perturbation).</summary>
    public static Tensor repeat_interleave_rows(this Tensor t, long k) =>
        t.unsqueeze(1).expand([t.size(0), k, .. t.shape[1..]]).reshape([t.size(0) * k, .. t.shape[1..]]);
}
