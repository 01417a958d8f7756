using AttrDsl.Attribution;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Decomposition.Models;

/// <summary>
/// Layer attribution by module path on every TorchVision model: Grad-CAM, layer conductance and layer integrated
/// gradients at the last feature stage, chosen by its name, equal the same methods on a split written by hand from
/// TorchVision's forward (children run with <c>forward</c>, so no hook is involved) within 1e-6.
/// </summary>
public class TorchVisionLayerTests(ITestOutputHelper output)
{
    private sealed record HandSplit(string Layer, Func<nn.Module, Tensor, Tensor> Bottom, Func<nn.Module, Tensor, Tensor> Top);

    private static Tensor Run(nn.Module model, string child, Tensor x) =>
        ((nn.Module<Tensor, Tensor>)model.named_children().Single(c => c.name == child).module).forward(x);

    private static Tensor Chain(nn.Module model, Tensor x, params string[] children)
    {
        foreach (var c in children) x = Run(model, c, x);
        return x;
    }

    private static readonly string[] ResNetStem = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"];
    private static readonly string[] GoogLeNetStem = ["conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a", "inception3b", "maxpool3",
        "inception4a", "inception4b", "inception4c", "inception4d", "inception4e", "maxpool4", "inception5a", "inception5b"];
    private static readonly string[] InceptionStem = ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1", "Conv2d_4a_3x3",
        "maxpool2", "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"];

    // The last feature stage of each family and the two halves of its forward around it, as TorchVision writes them.
    private static HandSplit Split(string name) => name switch
    {
        _ when name.StartsWith("resnet") || name.StartsWith("resnext") || name.StartsWith("wide_resnet") =>
            new("layer4", (m, x) => Chain(m, x, ResNetStem), (m, z) => Chain(m, z, "avgpool", "flatten", "fc")),
        _ when name.StartsWith("vgg") || name == "alexnet" =>
            new("features", (m, x) => Run(m, "features", x), (m, z) => Run(m, "classifier", Run(m, "avgpool", z).flatten(1))),
        "mobilenet_v2" =>
            new("features", (m, x) => Run(m, "features", x), (m, z) => Run(m, "classifier", nn.functional.adaptive_avg_pool2d(z, [1, 1]).flatten(1))),
        _ when name.StartsWith("mobilenet_v3") =>
            new("features", (m, x) => Run(m, "features", x), (m, z) => Run(m, "classifier", Run(m, "avgpool", z).flatten(1))),
        "googlenet" =>
            new("inception5b", (m, x) => Chain(m, x, GoogLeNetStem), (m, z) => Chain(m, Run(m, "avgpool", z).flatten(1), "dropout", "fc")),
        "inception_v3" =>
            new("Mixed_7c", (m, x) => Chain(m, x, InceptionStem), (m, z) => Run(m, "fc", Chain(m, z, "avgpool", "dropout").flatten(1))),
        _ => throw new ArgumentException($"no hand-written split for {name}"),
    };

    [Theory]
    [MemberData(nameof(TorchVisionZoo.Names), MemberType = typeof(TorchVisionZoo))]
    public void LayerMethodsByNameEqualAHandWrittenSplit(string name)
    {
        using var scope = NewDisposeScope();
        using var model = TorchVisionZoo.Build(name, ScalarType.Float64);
        var side = TorchVisionZoo.SmallSide(name);
        manual_seed(13);
        var x = randn(2, 3, side, side, dtype: float64);
        var hand = Split(name);
        Func<Tensor, Tensor> bottom = t => hand.Bottom(model, t), top = z => hand.Top(model, z);
        var target = Target.Class(3);
        void Same(string method, Tensor byName, Tensor byHand)
        {
            var scale = Math.Max(byHand.abs().max().item<double>(), 1e-30);
            var error = (byName - byHand).abs().max().item<double>() / scale;
            output.WriteLine($"{name} {hand.Layer} {method}: max difference / max value = {error:E2}");
            Assert.True(byHand.abs().max().item<double>() > 0, $"{method} is all zero: the comparison could not fail");
            Assert.True(error < 1e-6, $"{name}: {method} at {hand.Layer} by name differs from the hand-written split by {error:E2}");
        }
        Same("GradCam", new GradCam(model, hand.Layer).Attribute(x, target, relu: false), new GradCam(bottom, top).Attribute(x, target, relu: false));
        Same("LayerConductance", new LayerConductance(model, hand.Layer).Attribute(x, target, nSteps: 4),
            new LayerConductance(bottom, top).Attribute(x, target, nSteps: 4));
        Same("LayerIntegratedGradients", new LayerIntegratedGradients(model, hand.Layer).Attribute(x, target, nSteps: 4),
            new LayerIntegratedGradients(bottom, top).Attribute(x, target, nSteps: 4));
    }
}
