using System.Diagnostics;
using AttrDsl.Attribution;
using AttrDsl.Datasets;
using AttrDsl.Decomposition.Acd;
using AttrDsl.Samples.MnistTrain;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Benchmarks;

/// <summary>
/// ACD's agglomeration of one 28×28 digit at pixel tiles on the MNIST CNN (untrained, seeded weights; build-up scorer
/// for the digit's label): every region of a step scored in one batched call vs the reference's one region per
/// forward. Both runs must build the same regions (reported); the ratio is from one run of each.
/// </summary>
internal static class AcdBenchmarks
{
    public static IEnumerable<(string Name, string Value)> Run()
    {
        manual_seed(0);
        using var model = new MnistNet();
        model.eval();
        var (x, label, source) = Digit();
        using var _ = x;
        var scorer = Scorers.BuildUp(model, x, label);
        var options = new AcdOptions { Percentile = 99, Iterations = 5 };

        // Warm-up: one small agglomeration of each kind (first calls pay libtorch's kernel selection).
        Agglomeration.Image(scorer, x.shape, 7, options);
        Agglomeration.Image(scorer, x.shape, 7, options with { RegionsPerCall = 1 });

        var (batched, tBatched) = Timed(() => Agglomeration.Image(scorer, x.shape, 1, options));
        var (single, tSingle) = Timed(() => Agglomeration.Image(scorer, x.shape, 1, options with { RegionsPerCall = 1 }));
        // Same regions at every level; scores may differ in the last bits (batch size changes libtorch's conv kernels).
        var same = Regions(batched) == Regions(single);
        var drift = batched.Levels.Zip(single.Levels).SelectMany(p => p.First.Components.Zip(p.Second.Components, (a, b) => Math.Abs(a.Score - b.Score))).DefaultIfEmpty(0).Max();
        // The floor batching can reach: the same number of rows through the bare model, as one batch vs one row per forward.
        var rows = (int)batched.ScoredRegions;
        double modelBatched, modelSingle;
        using (no_grad())
        using (var all = x.unsqueeze(0).expand(rows, -1, -1, -1).contiguous())
        {
            modelBatched = Timed(() => { using var scope = NewDisposeScope(); model.call(all); return 0; }).Seconds;
            modelSingle = Timed(() => { for (var i = 0; i < rows; i++) { using var scope = NewDisposeScope(); model.call(all.narrow(0, i, 1)); } return 0; }).Seconds;
        }
        var growth = batched.Levels.Count(l => l.Kind == AcdLevelKind.Growth);
        var merges = batched.Levels.Count(l => l.Kind == AcdLevelKind.Merge);
        return
        [
            ("ACD input", $"{source}, label {label}; MNIST CNN untrained (manual_seed 0); build-up scorer; pixel tiles; percentile 99, {options.Iterations} growth iterations"),
            ("ACD hierarchy", $"{batched.Levels.Count} levels (seed, {growth} growth, {merges} merges); {batched.ScoredRegions} regions scored; same regions in both runs: {(same ? "yes" : "NO")} (largest score difference {drift:G2})"),
            ("ACD batched (all regions of a step per call)", $"{tBatched * 1e3:F0} ms, {batched.ScorerCalls} scorer calls"),
            ("ACD one region per forward (reference loop)", $"{tSingle * 1e3:F0} ms, {single.ScorerCalls} scorer calls"),
            ("**ratio one-per-pass / batched** (goal ≥ 10)", $"**{tSingle / tBatched:F1}**"),
            ($"bare model, {rows} rows: one batch vs one row per forward", $"{modelBatched * 1e3:F0} ms vs {modelSingle * 1e3:F0} ms, ratio {modelSingle / modelBatched:F1} (the most batching can give)"),
        ];
    }

    private static (Tensor X, long Label, string Source) Digit()
    {
        using var scope = NewDisposeScope();
        try
        {
            using var mnist = Mnist.Load();
            using var pick = randint(mnist.Count, [1]);
            var i = pick.item<long>();
            var x = mnist.Images[i].clone();   // [1, 28, 28]
            return (x.MoveToOuterDisposeScope().DetachFromDisposeScope(), mnist.Labels[i].item<long>(), $"MNIST digit #{i}");
        }
        catch (FileNotFoundException)
        {
            // Without the npm digits a seeded random image stands in: the cost of ACD does not depend on the picture.
            return (rand(1, 28, 28).MoveToOuterDisposeScope().DetachFromDisposeScope(), 0, $"seeded random image ({Mnist.InstallHint} for a real digit)");
        }
    }

    private static (T Result, double Seconds) Timed<T>(Func<T> run)
    {
        var sw = Stopwatch.StartNew();
        var result = run();
        return (result, sw.Elapsed.TotalSeconds);
    }

    private static string Regions(AcdResult r) => string.Join("\n", r.Levels.Select(l =>
        string.Join(" | ", l.Components.Select(c => string.Join(",", c.Tiles)))));
}
