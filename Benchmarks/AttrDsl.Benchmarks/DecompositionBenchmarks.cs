using AttrDsl.Decomposition;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Tests.Models.Corpus;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Benchmarks;

/// <summary>One contextual-decomposition pass over one forward pass (no gradient): the MNIST CNN, and the generated decomposition of two corpus models.</summary>
internal static class DecompositionBenchmarks
{
    public static IEnumerable<(string Name, string Value)> Run()
    {
        // The MNIST CNN through the runtime's walk (its decomposition is written by hand, as IDecomposable).
        manual_seed(0);
        using var net = new MnistNet();
        foreach (var row in Pass("MNIST CNN, batch 64", net, rand(64, 1, 28, 28), "ACD's three forwards per layer > 3"))
            yield return row;

        // The generated decomposition of models written as users write them: forward with loops, attention, helpers.
        manual_seed(0);
        using var transformer = new TransformerClassifier(inputs: 32, dim: 128, heads: 4, depth: 4, classes: 10);
        foreach (var row in Pass("transformer (4 layers, d 128, attention in forward), batch 16 × 64 tokens", transformer, rand(16, 64, 32)))
            yield return row;
        manual_seed(0);
        using var resnet = new ResNetForeach(channels: 32, depth: 4, classes: 10);
        foreach (var row in Pass("ResNet (4 blocks in a ModuleList loop, 32 channels), batch 16 × 3 × 32 × 32", resnet, rand(16, 3, 32, 32)))
            yield return row;
        // The same architectures at widths where matrix products and convolutions, not element-wise passes, dominate.
        manual_seed(0);
        using var wide = new TransformerClassifier(inputs: 64, dim: 512, heads: 8, depth: 4, classes: 10);
        foreach (var row in Pass("transformer (4 layers, d 512), batch 8 × 128 tokens", wide, rand(8, 128, 64)))
            yield return row;
        manual_seed(0);
        using var wideResnet = new ResNetForeach(channels: 128, depth: 4, classes: 10);
        foreach (var row in Pass("ResNet (4 blocks, 128 channels), batch 8 × 3 × 32 × 32", wideResnet, rand(8, 3, 32, 32)))
            yield return row;
    }

    // ContextualDecomposition over forward for one model and batch (a random 0/1 mask), after checking β + γ = logits.
    private static IEnumerable<(string Name, string Value)> Pass(string name, nn.Module<Tensor, Tensor> model, Tensor x, string note = "")
    {
        model.eval();
        using var input = x;
        using var mask = (rand(input.shape) > 0.5).to(input.dtype);
        using var guard = no_grad();
        using (var scope = NewDisposeScope())
        {
            var d = ContextualDecomposition.Decompose(model, input, mask);
            var err = (d.Total() - model.call(input)).abs().max().item<float>();
            if (err > 1e-3f) throw new InvalidOperationException($"generated CD of the {name} is incomplete: |β + γ − logits| = {err}");
        }
        var forward = Measure.MedianSeconds(() => { using var scope = NewDisposeScope(); model.call(input); }, minSeconds: 4);
        var cd = Measure.MedianSeconds(() => { using var scope = NewDisposeScope(); ContextualDecomposition.Decompose(model, input, mask); }, minSeconds: 4);
        yield return ($"{name}: forward (no grad)", $"{forward * 1e3:F2} ms");
        yield return ($"{name}: contextual decomposition (β, γ)", $"{cd * 1e3:F2} ms");
        yield return ($"**ratio CD / forward, {name.Split(new[] { " (", "," }, StringSplitOptions.None)[0]}** (goal ≤ 2.5{(note.Length > 0 ? "; " + note : "")})", $"**{cd / forward:F2}**");
    }
}
