using AttrDsl.Attribution;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Benchmarks;

/// <summary>
/// Grad-CAM at TorchVision resnet18's "layer4" chosen by its module path (<c>new GradCam(model, "layer4")</c>, forward
/// hooks) against Grad-CAM on the same layer through a split written by hand from the model's children (run with
/// <c>forward</c>, no hooks). By name, Grad-CAM runs one forward: the part before the layer without gradients, the
/// layer's output as the gradient leaf, the rest with gradients — what the hand split runs as bottom, then top.
/// </summary>
internal static class GradCamByNameBenchmarks
{
    private static readonly string[] Stem = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"];
    private static readonly string[] Head = ["avgpool", "flatten", "fc"];

    public static IEnumerable<(string Name, string Value)> Run()
    {
        manual_seed(0);
        using var model = torchvision.models.resnet18();
        model.eval();
        var children = model.named_children().ToDictionary(c => c.name, c => (nn.Module<Tensor, Tensor>)c.module);
        Tensor Chain(Tensor t, string[] names)
        {
            foreach (var name in names) t = children[name].forward(t);
            return t;
        }
        var target = Target.Class(3);
        var byHand = new GradCam(t => Chain(t, Stem), z => Chain(z, Head));

        foreach (var (batch, side) in new[] { (8, 64), (1, 224) })
        {
            manual_seed(1);
            using var x = rand(batch, 3, side, side);
            var name = $"resnet18 layer4, {batch} × 3 × {side} × {side}";
            var byName = new GradCam(model, "layer4");
            using (var scope = NewDisposeScope())
            {
                var a = byName.Attribute(x, target, relu: false);
                var b = byHand.Attribute(x, target, relu: false);
                var err = (a - b).abs().max().item<float>() / Math.Max(b.abs().max().item<float>(), 1e-30f);
                if (err > 1e-5f) throw new InvalidOperationException($"{name}: Grad-CAM by name differs from the hand split by {err}");
            }
            var (hand, named) = Measure.MedianSecondsInterleaved(
                () => { using var s = NewDisposeScope(); byHand.Attribute(x, target); },
                () => { using var s = NewDisposeScope(); byName.Attribute(x, target); });
            yield return ($"{name}: Grad-CAM through the hand split", $"{hand * 1e3:F2} ms");
            yield return ($"{name}: Grad-CAM by name", $"{named * 1e3:F2} ms");
            yield return ($"**ratio by name / hand split, {batch} × {side} × {side}** (goal ≤ 1.05)", $"**{named / hand:F2}**");
        }
    }
}
