using AttrDsl.Decomposition;
using AttrDsl.Samples.MnistTrain;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Benchmarks;

/// <summary>One contextual-decomposition pass over one forward pass of the MNIST CNN (batch 64, no gradient).</summary>
internal static class DecompositionBenchmarks
{
    public static IEnumerable<(string Name, string Value)> Run()
    {
        manual_seed(0);
        using var net = new MnistNet();
        net.eval();
        using var x = rand(64, 1, 28, 28);
        using var mask = (rand(64, 1, 28, 28) > 0.5).to(ScalarType.Float32);
        using var guard = no_grad();

        // Check once that MnistNet's decomposition matches its forward (β + γ = logits) before timing it.
        using (var scope = NewDisposeScope())
        {
            var d = ContextualDecomposition.Decompose(net, x, mask);
            var err = (d.Total() - net.call(x)).abs().max().item<float>();
            if (err > 1e-3f) throw new InvalidOperationException($"CD of the MNIST CNN is incomplete: |β + γ − logits| = {err}");
        }

        var forward = Measure.MedianSeconds(() => { using var scope = NewDisposeScope(); net.call(x); }, minSeconds: 4);
        var cd = Measure.MedianSeconds(() => { using var scope = NewDisposeScope(); ContextualDecomposition.Decompose(net, x, mask); }, minSeconds: 4);
        yield return ("MNIST CNN forward, batch 64 (no grad)", $"{forward * 1e3:F2} ms");
        yield return ("contextual decomposition (β, γ), same model and batch", $"{cd * 1e3:F2} ms");
        yield return ("**ratio CD pass / forward pass** (goal ≤ 2.5; ACD's three forwards per layer > 3)", $"**{cd / forward:F2}**");
    }
}
