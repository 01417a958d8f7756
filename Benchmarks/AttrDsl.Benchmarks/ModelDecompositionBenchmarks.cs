using AttrDsl.Decomposition;
using AttrDsl.Tests.Models.Corpus;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Benchmarks;

/// <summary>
/// One contextual-decomposition pass over one forward pass (no gradient) on models the user did not write: TorchVision's
/// resnet18, decomposed through the runtime's built-in rules, and a text classifier on TorchSharp's own (libtorch)
/// transformer encoder, decomposed over token masks through its generated <c>ContextualDecomposition</c>.
/// </summary>
internal static class ModelDecompositionBenchmarks
{
    public static IEnumerable<(string Name, string Value)> Run()
    {
        // resnet18 with random weights (nothing is downloaded), eval mode, float32, one image; the mask selects pixels.
        foreach (var side in new[] { 224, 64 })
        {
            manual_seed(0);
            using var resnet = torchvision.models.resnet18();
            resnet.eval();
            using var x = rand(1, 3, side, side);
            using var mask = (rand(1, 1, side, side) > 0.5).to(float32);
            foreach (var row in Ratio($"resnet18, 1 × 3 × {side} × {side}", $"resnet18, {side} × {side}",
                         () => resnet.call(x), () => ContextualDecomposition.Decompose(resnet, x, mask), rows: 1))
                yield return row;
        }

        // The transformer text classifier: 2 encoder layers, d 64, 4 heads, vocabulary 1000, one sentence of 32 tokens.
        const int tokens = 32, masks = 16;
        manual_seed(0);
        using var text = new NativeTransformerText(vocab: 1000, dim: 64, heads: 4, layers: 2, maxLength: tokens, classes: 2);
        text.eval();
        using var sentence = randint(1000, [1, tokens]);
        using var oneMask = (rand(1, tokens) > 0.5).to(float32);
        foreach (var row in Ratio($"transformer text (2 layers, d 64, 4 heads, vocab 1000), 1 × {tokens} tokens, 1 mask", "transformer, 1 mask",
                     () => text.call(sentence), () => text.ContextualDecomposition(sentence, oneMask), rows: 1))
            yield return row;
        // 16 token masks of the one sentence decomposed in one call ([1, T] tokens, [16, T] masks) against one batched
        // forward of the sentence 16 times: the same number of rows.
        using var sentences = sentence.expand(masks, tokens).contiguous();
        using var manyMasks = (rand(masks, tokens) > 0.5).to(float32);
        foreach (var row in Ratio($"same model, 1 × {tokens} tokens, {masks} masks vs one forward of {masks} × {tokens} tokens", $"transformer, {masks} masks",
                     () => text.call(sentences), () => text.ContextualDecomposition(sentence, manyMasks), rows: masks))
            yield return row;
    }

    // Times forward and decomposition under no_grad, in alternating batches, after checking that β + γ equals the forward's logits (row by row).
    private static IEnumerable<(string Name, string Value)> Ratio(string name, string shortName, Func<Tensor> forward, Func<Decomposition.Decomposition> decompose, int rows)
    {
        using var guard = no_grad();
        using (var scope = NewDisposeScope())
        {
            var d = decompose();
            var y = forward();
            var err = (d.Total() - y.expand(rows, -1)).abs().max().item<float>() / Math.Max(y.abs().max().item<float>(), 1e-6f);
            if (err > 1e-4f) throw new InvalidOperationException($"the decomposition of the {shortName} is incomplete: max |β + γ − logits| / max |logits| = {err}");
        }
        var (fwd, cd) = Measure.MedianSecondsInterleaved(
            () => { using var scope = NewDisposeScope(); forward(); },
            () => { using var scope = NewDisposeScope(); decompose(); });
        yield return ($"{name}: forward (no grad)", $"{fwd * 1e3:F2} ms");
        yield return ($"{name}: contextual decomposition (β, γ)", $"{cd * 1e3:F2} ms");
        yield return ($"**ratio CD / forward, {shortName}** (goal ≤ 2.5)", $"**{cd / fwd:F2}**");
    }
}
