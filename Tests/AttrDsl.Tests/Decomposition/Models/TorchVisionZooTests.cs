using AttrDsl.Decomposition;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Decomposition.Models;

/// <summary>
/// Contextual decomposition of every TorchVision model with no code of the user's: the built-in rules describe each
/// forward, so β + γ must equal the model's own logits (1e-9 relative in float64, 1e-5 in float32), a full mask must
/// leave nothing irrelevant, and ACD must run on a small image.
/// </summary>
public class TorchVisionZooTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryConstructorIsListed()
    {
        var missing = TorchVisionZoo.PackageConstructors().Except(TorchVisionZoo.Constructors.Keys).ToList();
        Assert.True(missing.Count == 0, $"torchvision.models has constructors the zoo does not test: {string.Join(", ", missing)}");
        Assert.Equal(24, TorchVisionZoo.Constructors.Count);
    }

    [Theory]
    [MemberData(nameof(TorchVisionZoo.Names), MemberType = typeof(TorchVisionZoo))]
    public void DecompositionIsExactInFloat64(string name)
    {
        using var scope = NewDisposeScope();
        using var model = TorchVisionZoo.Build(name, ScalarType.Float64);
        var side = TorchVisionZoo.Side(name);
        manual_seed(11);
        var x = randn(2, 3, side, side, dtype: float64);
        var mask = (rand(2, 1, side, side) > 0.5).to(float64);
        using var noGrad = no_grad();
        var logits = model.forward(x);
        var d = ContextualDecomposition.Decompose(model, x, mask);
        var scale = logits.abs().max().item<double>();
        var error = (d.Total() - logits).abs().max().item<double>() / scale;
        output.WriteLine($"{name}: max |β + γ − logits| / max |logits| = {error:E2}");
        Assert.True(error < 1e-9, $"{name}: β + γ differs from the logits by {error:E2} (relative)");
        Assert.True(d.Relevant.abs().max().item<double>() > 1e-6 * scale && d.Irrelevant.abs().max().item<double>() > 1e-6 * scale,
            $"{name}: a half mask must leave both parts non-zero");

        var full = ContextualDecomposition.Decompose(model, x, ones(1, 1, side, side, dtype: float64));
        var leftover = full.Irrelevant.abs().max().item<double>() / scale;
        output.WriteLine($"{name}: full mask, max |γ| / max |logits| = {leftover:E2}");
        Assert.True(leftover < 1e-9, $"{name}: a full mask leaves γ = {leftover:E2} (relative)");
    }

    [Theory]
    [MemberData(nameof(TorchVisionZoo.Names), MemberType = typeof(TorchVisionZoo))]
    public void DecompositionIsExactInFloat32AndAcdRuns(string name)
    {
        using var scope = NewDisposeScope();
        using var model = TorchVisionZoo.Build(name, ScalarType.Float32);
        var side = TorchVisionZoo.Side(name);
        manual_seed(12);
        var x = randn(1, 3, side, side);
        using var noGrad = no_grad();
        var logits = model.forward(x);
        var d = ContextualDecomposition.Decompose(model, x, (rand(1, 1, side, side) > 0.5).to(float32));
        var error = (d.Total() - logits).abs().max().item<float>() / logits.abs().max().item<float>();
        Assert.True(error < 1e-5, $"{name}: β + γ differs from the logits by {error:E2} (relative)");

        // ACD on the image, 16 × 16 tiles (its region scores are CD's β of the predicted class).
        var target = logits.argmax(1).item<long>();
        var scorer = AttrDsl.Decomposition.Acd.Scorers.ContextualDecomposition(model, x[0], target);
        var tile = side / 4;
        var result = AttrDsl.Decomposition.Acd.Agglomeration.Image(scorer, x[0].shape, tile, new AttrDsl.Decomposition.Acd.AcdOptions { Iterations = 1 });
        Assert.Equal(16, result.TileScores.Count);
        Assert.All(result.TileScores, s => Assert.True(double.IsFinite(s)));
        Assert.NotEmpty(result.Levels);
    }
}
