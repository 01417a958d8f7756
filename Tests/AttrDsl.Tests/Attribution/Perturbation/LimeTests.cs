using AttrDsl.Attribution;
using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Attribution.Lpm;
using static AttrDsl.Tests.Attribution.Perturbation.SurrogateTruth;

namespace AttrDsl.Tests.Attribution.Perturbation;

[Collection(GlobalRngCollection.Name)]
public class LimeTests
{
    private static Tensor Model(Tensor x) => x.select(1, 0) * x.select(1, 1) + x.select(1, 2).exp() - 0.5 * x.select(1, 3);

    private static double ModelOf(double[] v) => v[0] * v[1] + Math.Exp(v[2]) - 0.5 * v[3];

    [Theory]
    [InlineData(LimeDistance.Cosine, 1.0)]
    [InlineData(LimeDistance.Euclidean, 0.75)]
    public void CoefficientsAreTheClosedFormWeightedLeastSquares(LimeDistance distance, double width)
    {
        using var scope = NewDisposeScope();
        var xv = Values(8, 61, 0.2, 1.5);
        var bv = Values(4, 62, -0.5, 0.5);
        var rng = new Random(7);
        var samples = Enumerable.Range(0, 12).Select(_ => Enumerable.Range(0, 4).Select(_ => rng.NextDouble() < 0.5).ToArray()).ToList();
        var x = T(xv, 2, 4);
        var mask = arange(4).expand(2, 4).contiguous();
        var fit = new Lime(Model).Rows(x, Target.Output, mask, T(bv, 1, 4).expand(2, 4), samples, new Lime.Options(5, distance, width, 0), default);
        for (var r = 0; r < 2; r++)
        {
            var row = xv[(r * 4)..(r * 4 + 4)];
            var design = new double[samples.Count][];
            var y = new double[samples.Count];
            var w = new double[samples.Count];
            for (var s = 0; s < samples.Count; s++)
            {
                var p = Enumerable.Range(0, 4).Select(i => samples[s][i] ? row[i] : bv[i]).ToArray();
                design[s] = [1, .. samples[s].Select(on => on ? 1.0 : 0.0)];
                y[s] = ModelOf(p);
                var d = distance == LimeDistance.Euclidean
                    ? Math.Sqrt(p.Zip(row, (a, b) => (a - b) * (a - b)).Sum())
                    : 1 - p.Zip(row, (a, b) => a * b).Sum() / (Math.Sqrt(p.Sum(a => a * a)) * Math.Sqrt(row.Sum(a => a * a)));
                w[s] = Math.Exp(-d * d / (2 * width * width));
            }
            var beta = WeightedLeastSquares(design, y, w);
            Close(w, Enumerable.Range(0, samples.Count).Select(s => fit.Weights[r, s]).ToArray(), 1e-12, $"row {r} weights");
            Assert.Equal(beta[0], fit.Intercepts[r], 9);
            Close(beta[1..], A(fit.Attributions[r]), 1e-9, $"row {r} coefficients");
        }
    }

    [Fact]
    public void LinearModelIsRecoveredExactlyWhateverTheWeights()
    {
        // A linear model is linear in the on/off switches too: f = f(b) + Σ w_i (x_i − b_i) z_i, fitted without error.
        using var scope = NewDisposeScope();
        var w = Values(6, 63);
        var xv = Values(12, 64);
        var attr = A(new Lime(LinearModel(w, 1.5)).Attribute(T(xv, 2, 6), Target.Output, baselines: 0.25, nSamples: 40, perturbationsPerEval: 9, seed: 4));
        var expected = new double[12];
        for (var r = 0; r < 2; r++) for (var i = 0; i < 6; i++) expected[r * 6 + i] = w[i] * (xv[r * 6 + i] - 0.25);
        Close(expected, attr, 1e-9);
    }

    [Fact]
    public void RidgeShrinksTheCoefficientsByTheClosedForm()
    {
        // One group (both features), half the samples on: y = 5z. With weights ≈ 1 (huge width) and ridge α = 2 on β only,
        // the normal equations are [8 4; 4 4+2]·[c β]' = [Σy Σzy]' = [20 20]', so β = (8·20 − 4·20) / (8·6 − 4·4) = 2.5
        // (5 without the penalty).
        using var scope = NewDisposeScope();
        var samples = Enumerable.Range(0, 8).Select(s => new[] { s % 2 == 0 }).ToList();
        var x = T([2.0, 3.0], 1, 2);
        var fit = new Lime(LinearModel([1.0, 1.0])).Rows(x, Target.Output, zeros(new long[] { 1, 2 }, int64), zeros(1, 2, dtype: float64), samples,
            new Lime.Options(1, LimeDistance.Euclidean, 1e6, 2.0), default);
        Assert.Equal(2.5, fit.Coefficients[0, 0], 9);
        Assert.Equal(1.25, fit.Intercepts[0], 9);
    }

    [Fact]
    public void SeedMakesTheFitReproducible()
    {
        using var scope = NewDisposeScope();
        var lime = new Lime(Model);
        var x = T(Values(8, 65), 2, 4);
        Close(A(lime.Attribute(x, Target.Output, nSamples: 20, seed: 2)), A(lime.Attribute(x, Target.Output, nSamples: 20, perturbationsPerEval: 6, seed: 2)), 1e-12);
        manual_seed(3);
        var first = A(lime.Attribute(x, Target.Output, nSamples: 20));
        manual_seed(3);
        Close(first, A(lime.Attribute(x, Target.Output, nSamples: 20)), 0);
    }
}
