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
        (string Name, Func<nn.Module<Tensor, Tensor>> Model, long[] Input, string Note)[] cases =
        [
            // The MNIST CNN through the runtime's walk (its decomposition is written by hand, as IDecomposable).
            ("MNIST CNN, batch 64", () => new MnistNet(), [64, 1, 28, 28], "ACD's three forwards per layer > 3"),
            // The generated decomposition of models written as users write them: forward with loops, attention, helpers.
            ("transformer (4 layers, d 128, attention in forward), batch 16 × 64 tokens",
                () => new TransformerClassifier(inputs: 32, dim: 128, heads: 4, depth: 4, classes: 10), [16, 64, 32], ""),
            ("ResNet (4 blocks in a ModuleList loop, 32 channels), batch 16 × 3 × 32 × 32",
                () => new ResNetForeach(channels: 32, depth: 4, classes: 10), [16, 3, 32, 32], ""),
            // The same architectures at widths where matrix products and convolutions, not element-wise passes, dominate.
            ("transformer (4 layers, d 512), batch 8 × 128 tokens", () => new TransformerClassifier(inputs: 64, dim: 512, heads: 8, depth: 4, classes: 10), [8, 128, 64], ""),
            ("ResNet (4 blocks, 128 channels), batch 8 × 3 × 32 × 32", () => new ResNetForeach(channels: 128, depth: 4, classes: 10), [8, 3, 32, 32], ""),
        ];
        foreach (var (name, make, input, note) in cases)
        {
            manual_seed(0);
            using var model = make();
            foreach (var row in Pass(name, model, rand(input), note))
                yield return row;
        }
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
