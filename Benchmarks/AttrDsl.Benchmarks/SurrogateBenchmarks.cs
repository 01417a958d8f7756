using AttrDsl.Attribution;
using AttrDsl.Datasets;
using AttrDsl.Samples.MnistTrain;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Benchmarks;

/// <summary>
/// KernelSHAP of one MNIST digit on the MNIST CNN (untrained, seeded weights; the digit's label as target) with a feature
/// mask of 4×4 patches (49 groups) and 200 sampled coalitions: every coalition in one forward pass
/// (<c>perturbationsPerEval</c> = 202: the 200 and the input and the baseline) against one forward of one row per
/// coalition. Both use the same seed, so they evaluate the same coalitions and must give the same attributions.
/// </summary>
internal static class SurrogateBenchmarks
{
    private const int Samples = 200;

    public static IEnumerable<(string Name, string Value)> Run()
    {
        manual_seed(0);
        using var model = new MnistNet();
        model.eval();
        Func<Tensor, Tensor> forward = model.forward;
        var (digit, label, source) = Digit();
        using var x = digit.unsqueeze(0);                                                // [1, 1, 28, 28]
        using var rows = arange(28).div(4, rounding_mode: RoundingMode.floor);
        using var mask = (rows.unsqueeze(1) * 7 + rows.unsqueeze(0)).reshape(1, 1, 28, 28); // 7 × 7 patches of 4 × 4
        var shap = new KernelShap(forward);
        using (var scope = NewDisposeScope())
        {
            var batched = shap.Attribute(x, label, mask, nSamples: Samples, perturbationsPerEval: Samples + 2, seed: 1);
            var single = shap.Attribute(x, label, mask, nSamples: Samples, perturbationsPerEval: 1, seed: 1);
            var err = (batched - single).abs().max().item<float>() / Math.Max(single.abs().max().item<float>(), 1e-30f);
            if (err > 1e-4f) throw new InvalidOperationException($"KernelSHAP batched differs from one row per forward by {err}");
        }
        var (one, all) = Measure.MedianSecondsInterleaved(
            () => { using var s = NewDisposeScope(); shap.Attribute(x, label, mask, nSamples: Samples, perturbationsPerEval: 1, seed: 1); },
            () => { using var s = NewDisposeScope(); shap.Attribute(x, label, mask, nSamples: Samples, perturbationsPerEval: Samples + 2, seed: 1); });
        // Rows like KernelSHAP's through the bare model: what batching alone can give on this machine. They are the digit
        // with a random half of its patches set to the baseline (0), as the sampled coalitions are: the model's cost
        // depends a little on the values (identical copies of the digit run faster than these).
        using var keep = (rand(Samples + 2, 49) > 0.5).to(ScalarType.Float32);
        using var copies = (x * keep.index_select(1, mask.reshape(-1)).reshape(Samples + 2, 1, 28, 28)).contiguous();
        var (bareOne, bareAll) = Measure.MedianSecondsInterleaved(
            () => { using var s = NewDisposeScope(); using var g = no_grad(); for (var i = 0; i < Samples + 2; i++) forward(copies[i..(i + 1)]); },
            () => { using var s = NewDisposeScope(); using var g = no_grad(); forward(copies); });
        digit.Dispose();
        var name = $"KernelSHAP, {source}, 49 patches of 4 × 4, {Samples} coalitions";
        yield return ($"{name}: {Samples + 2} forwards of one row (perturbationsPerEval = 1)", $"{one * 1e3:F1} ms");
        yield return ($"{name}: one forward of {Samples + 2} rows (perturbationsPerEval = {Samples + 2})", $"{all * 1e3:F1} ms");
        yield return ("**ratio one row per forward / batched** (goal ≥ 5)", $"**{one / all:F1}**");
        yield return ($"bare model, {Samples + 2} rows: one row per forward vs one batch", $"{bareOne * 1e3:F1} ms vs {bareAll * 1e3:F1} ms, ratio {bareOne / bareAll:F1} (the most batching can give)");
        foreach (var row in Tabular()) yield return row;
    }

    /// <summary>
    /// The tabular case KernelSHAP is most used for: one row of 20 features (each its own group) of a seeded MLP
    /// (20 → 64 → 64 → 2), 200 coalitions, batched against one row per forward. A forward of one row here costs its calls,
    /// not its arithmetic, which is what batching removes.
    /// </summary>
    private static IEnumerable<(string Name, string Value)> Tabular()
    {
        manual_seed(1);
        using var mlp = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2));
        mlp.eval();
        using var row = randn(1, 20);
        var shap = new KernelShap(mlp.forward);
        using (var scope = NewDisposeScope())
        {
            var batched = shap.Attribute(row, 1, nSamples: Samples, perturbationsPerEval: Samples + 2, seed: 1);
            var single = shap.Attribute(row, 1, nSamples: Samples, perturbationsPerEval: 1, seed: 1);
            var err = (batched - single).abs().max().item<float>() / Math.Max(single.abs().max().item<float>(), 1e-30f);
            if (err > 1e-4f) throw new InvalidOperationException($"KernelSHAP batched differs from one row per forward by {err} (tabular)");
        }
        var (one, all) = Measure.MedianSecondsInterleaved(
            () => { using var s = NewDisposeScope(); shap.Attribute(row, 1, nSamples: Samples, perturbationsPerEval: 1, seed: 1); },
            () => { using var s = NewDisposeScope(); shap.Attribute(row, 1, nSamples: Samples, perturbationsPerEval: Samples + 2, seed: 1); });
        var name = $"KernelSHAP, tabular MLP 20 → 64 → 64 → 2, 20 features, {Samples} coalitions";
        yield return ($"{name}: {Samples + 2} forwards of one row", $"{one * 1e3:F1} ms");
        yield return ($"{name}: one forward of {Samples + 2} rows", $"{all * 1e3:F1} ms");
        yield return ("**ratio one row per forward / batched, tabular** (goal ≥ 5)", $"**{one / all:F1}**");
    }

    private static (Tensor X, long Label, string Source) Digit()
    {
        using var scope = NewDisposeScope();
        try
        {
            using var mnist = Mnist.Load();
            var i = 0L;
            var x = mnist.Images[i].clone();   // [1, 28, 28]
            return (x.MoveToOuterDisposeScope().DetachFromDisposeScope(), mnist.Labels[i].item<long>(), $"MNIST digit #{i}");
        }
        catch (FileNotFoundException)
        {
            // Without the npm digits a seeded random image stands in: the cost does not depend on the picture.
            return (rand(1, 28, 28).MoveToOuterDisposeScope().DetachFromDisposeScope(), 0, $"seeded random image ({Mnist.InstallHint} for a real digit)");
        }
    }
}
