using AttrDsl.Attribution;
using Xunit;

namespace AttrDsl.Tests.Attribution.Propagation;

/// <summary>
/// DeepLift's RevealCancel rule against closed forms computed by hand from its definition (Shrikumar et al. 2017,
/// §3.5.3), and its summation to f(x) − f(x₀) on networks where it and Rescale meet.
/// </summary>
// Draws from the global generator: seeded per test and run with the other global-generator tests, so every run draws the same data.
[Collection(AttrDsl.Tests.Infrastructure.GlobalRngCollection.Name)]
public class RevealCancelTests
{
    public RevealCancelTests() => manual_seed(20261207);

    /// <summary>y = relu(x₁ − x₂): one dense layer with weights (1, −1), a ReLU, the identity read-out.</summary>
    private static TorchSharp.Modules.Sequential Difference()
    {
        var fc = nn.Linear(2, 1, hasBias: false, dtype: float64);
        var readout = nn.Linear(1, 1, hasBias: false, dtype: float64);
        using (no_grad())
        {
            fc.weight!.copy_(tensor(new double[,] { { 1, -1 } }));
            readout.weight!.fill_(1);
        }
        return nn.Sequential(("fc", fc), ("relu", nn.ReLU()), ("out", readout));
    }

    [Fact]
    public void CancellingContributionsAreBothRevealed()
    {
        // x = (3, 2), x₀ = 0: Δz⁺ = 3, Δz⁻ = −2, f = relu. Δy⁺ = ½(f(3) − f(0)) + ½(f(1) − f(−2)) = 2 and
        // Δy⁻ = ½(f(−2) − f(0)) + ½(f(1) − f(3)) = −1, so m⁺ = 2/3 and m⁻ = 1/2: x₁ gets 3·(2/3) = 2, x₂ gets −2·(1/2) = −1.
        // Rescale's single multiplier (1 − 0)/(1 − 0) = 1 gives (3, −2). Both add up to f(x) − f(x₀) = 1.
        using var scope = NewDisposeScope();
        var model = Difference();
        var x = tensor(new double[,] { { 3, 2 } });
        var reveal = new DeepLift(model, DeepLiftRule.RevealCancel).Attribute(x, 0);
        var rescale = new DeepLift(model).Attribute(x, 0);
        Assert.Equal(new[] { 2.0, -1.0 }, reveal.data<double>().ToArray(), new Close(1e-12));
        Assert.Equal(new[] { 3.0, -2.0 }, rescale.data<double>().ToArray(), new Close(1e-12));
    }

    [Fact]
    public void NegativeNetChangeSplitsAsTheDefinitionSays()
    {
        // x = (1, 4): Δz⁺ = 1, Δz⁻ = −4, relu(−3) = 0. Δy⁺ = ½(1 − 0) + ½(0 − 0) = ½ and Δy⁻ = ½(0 − 0) + ½(0 − 1) = −½:
        // x₁ gets 1·(½/1) = ½, x₂ gets −4·(−½/−4) = −½; Rescale gives (0, 0) (the unit is off), hiding both.
        using var scope = NewDisposeScope();
        var x = tensor(new double[,] { { 1, 4 } });
        var reveal = new DeepLift(Difference(), DeepLiftRule.RevealCancel).Attribute(x, 0);
        Assert.Equal(new[] { 0.5, -0.5 }, reveal.data<double>().ToArray(), new Close(1e-12));
    }

    [Fact]
    public void SumsToTheOutputDifferenceOnDenseAndConvolutionalNetworks()
    {
        using var scope = NewDisposeScope();
        var mlp = nn.Sequential(("fc1", nn.Linear(6, 8)), ("tanh", nn.Tanh()), ("fc2", nn.Linear(8, 8)), ("relu", nn.ReLU()),
            ("fc3", nn.Linear(8, 5)), ("sig", nn.Sigmoid()), ("out", nn.Linear(5, 3)));
        mlp.to(float64).eval();
        // A convolution (Rescale at its ReLU and pooling) feeding a dense head (RevealCancel at its ReLU).
        var cnn = nn.Sequential(("conv", nn.Conv2d(1, 3, 3)), ("crelu", nn.ReLU()), ("pool", nn.MaxPool2d(2)), ("flat", nn.Flatten()),
            ("fc", nn.Linear(27, 6)), ("relu", nn.ReLU()), ("out", nn.Linear(6, 2)));
        cnn.to(float64).eval();
        foreach (var (model, x, x0) in new[]
                 {
                     ((nn.Module<Tensor, Tensor>)mlp, randn(5, 6, dtype: float64), randn(5, 6, dtype: float64)),
                     (cnn, randn(4, 1, 8, 8, dtype: float64), randn(1, 8, 8, dtype: float64) * 0.1),
                 })
        {
            var (reveal, delta) = new DeepLift(model, DeepLiftRule.RevealCancel).AttributeWithDelta(x, 1, x0);
            Assert.True(delta.abs().max().item<double>() < 1e-10, $"|Σ a − Δf| = {delta.abs().max().item<double>():E3}");
            var rescale = new DeepLift(model).Attribute(x, 1, x0);
            Assert.True((reveal - rescale).abs().max().item<double>() > 1e-6, "RevealCancel should differ from Rescale on these networks");
        }
    }

    [Fact]
    public void UndefinedRuleIsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DeepLift(Difference(), (DeepLiftRule)5));
        Assert.Equal("rule", e.ParamName);
    }

    private sealed class Close(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;

        public int GetHashCode(double value) => 0;
    }
}
