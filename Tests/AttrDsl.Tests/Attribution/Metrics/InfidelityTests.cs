using AttrDsl.Tests.Infrastructure;
using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Metrics;

[Collection(GlobalRngCollection.Name)]
public class InfidelityTests
{
    private const int B = 3, N = 5;

    [Fact]
    public void ExactAttributionsOfLinearModelHaveZeroInfidelity()
    {
        using var scope = NewDisposeScope();
        var w = Values(N, 201, -2, 2);
        var f = LinearModel(w, 0.3);
        var x = T(Values(B * N, 202), B, N);
        // The gradient w: Σ w·I equals f(x) − f(x − I) for every perturbation I.
        var grad = T(w, 1, N).expand(B, N);
        foreach (var std in new[] { Infidelity.DefaultNoiseStd, 0.5, 3.0 })
        {
            manual_seed(1);
            var inf = A(Infidelity.Compute(f, x, grad, Target.Output, Infidelity.GaussianNoise(std), nPerturbSamples: 20));
            Assert.Equal(B, inf.Length);
            Assert.All(inf, v => Assert.True(v <= 1e-10, $"infidelity {v} with σ = {std}"));
        }
    }

    [Fact]
    public void WrongAttributionsHavePositiveInfidelity()
    {
        using var scope = NewDisposeScope();
        var w = Values(N, 203, -2, 2);
        var f = LinearModel(w);
        var x = T(Values(B * N, 204), B, N);
        var reversed = T(w.Reverse().ToArray(), 1, N).expand(B, N);
        manual_seed(2);
        var inf = A(Infidelity.Compute(f, x, reversed, Target.Output, Infidelity.GaussianNoise(0.5)));
        Assert.All(inf, v => Assert.True(v > 1e-3, $"infidelity {v} of wrong attributions"));
    }

    [Fact]
    public void NormalizeRemovesAScaleError()
    {
        using var scope = NewDisposeScope();
        var w = Values(N, 205, -2, 2);
        var f = LinearModel(w);
        var x = T(Values(B * N, 206), B, N);
        var doubled = T(w.Select(v => 2 * v).ToArray(), 1, N).expand(B, N);
        manual_seed(3);
        var raw = A(Infidelity.Compute(f, x, doubled, Target.Output, Infidelity.GaussianNoise(0.5)));
        manual_seed(3);
        var normalized = A(Infidelity.Compute(f, x, doubled, Target.Output, Infidelity.GaussianNoise(0.5), normalize: true));
        Assert.All(raw, v => Assert.True(v > 1e-3));
        Assert.All(normalized, v => Assert.True(v <= 1e-10, $"normalized infidelity {v}: β = ½ should undo the doubling"));
    }

    [Fact]
    public void FixedPerturbationGivesTheHandComputedSquaredError()
    {
        using var scope = NewDisposeScope();
        // f = Σ x², I = 0.1 everywhere: f(x) − f(x − I) = Σ (0.2·x − 0.01); attributions a.
        var xv = Values(2 * 3, 207, -2, 2);
        var av = Values(2 * 3, 208);
        InfidelityPerturbation fixedI = inputs => (full_like(inputs, 0.1), inputs - 0.1);
        foreach (int? maxBatch in new int?[] { null, 2, 4 })
        {
            var inf = A(Infidelity.Compute(x => x.square().sum(1), T(xv, 2, 3), T(av, 2, 3), Target.Output, fixedI, nPerturbSamples: 3, maxExamplesPerBatch: maxBatch));
            for (var r = 0; r < 2; r++)
            {
                double predicted = 0, actual = 0;
                for (var i = 0; i < 3; i++)
                {
                    predicted += av[r * 3 + i] * 0.1;
                    actual += xv[r * 3 + i] * xv[r * 3 + i] - (xv[r * 3 + i] - 0.1) * (xv[r * 3 + i] - 0.1);
                }
                Assert.Equal((predicted - actual) * (predicted - actual), inf[r], 12);
            }
        }
    }

    [Fact]
    public void PerturbationsAreSampleMajorAndTargetsFollow()
    {
        using var scope = NewDisposeScope();
        // Two classes; the attributions are the gradient of each row's own class, so infidelity is 0
        // only if the perturbed rows are matched with their own targets and attributions.
        var wv = Values(2 * N, 209, -2, 2);
        var wt = T(wv, 2, N);
        Func<Tensor, Tensor> f = x => x.mm(wt.t());
        var labels = tensor(new long[] { 1, 0, 1 });
        var grads = new double[B * N];
        long[] lab = [1, 0, 1];
        for (var r = 0; r < B; r++) for (var i = 0; i < N; i++) grads[r * N + i] = wv[lab[r] * N + i];
        manual_seed(4);
        var inf = A(Infidelity.Compute(f, T(Values(B * N, 210), B, N), T(grads, B, N), labels, Infidelity.GaussianNoise(0.3), nPerturbSamples: 6, maxExamplesPerBatch: 7));
        Assert.All(inf, v => Assert.True(v <= 1e-10, $"infidelity {v}"));
    }

    [Fact]
    public void ArgumentErrors()
    {
        using var scope = NewDisposeScope();
        var f = LinearModel(Values(N, 1));
        var x = zeros([B, N], float64);
        var shape = Assert.Throws<ArgumentException>(() => Infidelity.Compute(f, x, zeros([B, N + 1], float64), Target.Output));
        Assert.Contains("[3, 6]", shape.Message);
        Assert.Contains("[3, 5]", shape.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Infidelity.Compute(f, x, x, Target.Output, nPerturbSamples: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Infidelity.GaussianNoise(0));
        var bad = Assert.Throws<InvalidOperationException>(() =>
            Infidelity.Compute(f, x, x, Target.Output, inputs => (zeros([1], float64), inputs)));
        Assert.Contains("shaped like its input", bad.Message);
    }
}
