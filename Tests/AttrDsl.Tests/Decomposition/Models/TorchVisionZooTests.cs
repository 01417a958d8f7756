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

/// <summary>
/// Constructor options that change a TorchVision forward: GoogLeNet's and Inception v3's input transform, ResNet's
/// dilation instead of stride, other class counts and widths. The rules read what the forward reads, so each is exact.
/// </summary>
public class TorchVisionVariantTests
{
    public static IEnumerable<object[]> Variants =>
    [
        ["googlenet, transform_input", 64],
        ["inception_v3, transform_input", TorchVisionZoo.InceptionSide],
        ["resnet50, dilation in the last two stages", 64],
        ["resnet18, 7 classes, zero-initialised residuals", 64],
        ["mobilenet_v2, width 0.5", 64],
    ];

    private static nn.Module<Tensor, Tensor> Build(string variant) => variant switch
    {
        "googlenet, transform_input" => torchvision.models.googlenet(transform_input: true),
        "inception_v3, transform_input" => torchvision.models.inception_v3(transform_input: true),
        "resnet50, dilation in the last two stages" => torchvision.models.resnet50(replace_stride_with_dilation: (false, true, true)),
        "resnet18, 7 classes, zero-initialised residuals" => torchvision.models.resnet18(num_classes: 7, zero_init_residual: true),
        "mobilenet_v2, width 0.5" => torchvision.models.mobilenet_v2(width_mult: 0.5),
        _ => throw new ArgumentException(variant),
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void VariantsDecomposeExactly(string variant, int side)
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        using var model = Build(variant);
        model.eval();
        model.to(float64);
        var x = randn(1, 3, side, side, dtype: float64);
        using var noGrad = no_grad();
        var logits = model.forward(x);
        var d = ContextualDecomposition.Decompose(model, x, (rand(1, 1, side, side) > 0.5).to(float64));
        var error = (d.Total() - logits).abs().max().item<double>() / logits.abs().max().item<double>();
        Assert.True(error < 1e-9, $"{variant}: β + γ differs from the logits by {error:E2} (relative)");
    }
}
