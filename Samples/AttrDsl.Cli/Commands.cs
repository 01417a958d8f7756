using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using AttrDsl.Attribution;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Training;
using AttrDsl.Visualization;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Cli;

/// <summary>
/// The <c>attrdsl</c> command line: no command runs the main sample; <c>train</c>, <c>explain</c>, <c>decompose</c>,
/// <c>significance</c>, <c>report</c>, <c>explain-dataset</c> and <c>gather-dataset</c> do one job each. A user error is one line on standard error ("error: ...",
/// naming the problem and the fix) and exit code 2 (1 for a run that failed), never a stack trace.
/// </summary>
public static partial class Commands
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The default report folder of the main sample.</summary>
    public const string DefaultReportFolder = "attrdsl-report";

    /// <summary>The command's name in help and errors: the tool command, not the assembly's name (AttrDsl.Cli).</summary>
    public const string Name = "attrdsl";

    /// <summary>Parses <paramref name="args"/> and runs the command; returns the exit code.</summary>
    public static int Run(string[] args, IAnsiConsole console, IAnsiConsole errors) =>
        Run(args, console, errors, Environment.GetEnvironmentVariable);

    /// <summary>
    /// As <see cref="Run(string[], IAnsiConsole, IAnsiConsole)"/>, reading environment variables (the shard index that
    /// Slurm or Kubernetes sets for <c>explain-dataset</c>) through <paramref name="environment"/>, so that a caller
    /// decides what the command sees.
    /// </summary>
    public static int Run(string[] args, IAnsiConsole console, IAnsiConsole errors, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        // A plain root command, not RootCommand: RootCommand takes its name from the executable (AttrDsl.Cli), and a
        // command's name cannot be changed afterwards. The help and version options are what RootCommand would add.
        var root = new Command(Name, "AttrDsl: explainable deep learning on TorchSharp. With no command: the main sample (train the MNIST CNN with and without its total-variation attribution prior, score robustness, explain, decompose, write an HTML report).")
        {
            new HelpOption(),
            new VersionOption(),
        };
        var reportOptions = ReportOptions();
        foreach (var o in reportOptions.All) root.Options.Add(o);
        root.SetAction(parse => Guard(errors, () => Report(reportOptions, parse, console, args)));

        var report = new Command("report", "The full main sample into a folder: training curves, robustness table, explanations, CD and ACD, as report.html plus PNGs.");
        var reportOptions2 = ReportOptions();
        foreach (var o in reportOptions2.All) report.Options.Add(o);
        report.SetAction(parse => Guard(errors, () => Report(reportOptions2, parse, console, args)));

        root.Subcommands.Add(TrainCommand(console, errors));
        root.Subcommands.Add(ExplainCommand(console, errors));
        root.Subcommands.Add(DecomposeCommand(console, errors));
        root.Subcommands.Add(SignificanceCommand(console, errors));
        root.Subcommands.Add(report);
        root.Subcommands.Add(ExplainDatasetCommand(console, errors, environment));
        root.Subcommands.Add(GatherDatasetCommand(console, errors));
        root.Subcommands.Add(RankMethodsCommand(console, errors));

        // Whatever escapes the commands' own guard (parsing, help, the invocation itself) is still one line, never a frame dump.
        return Guard(errors, () =>
        {
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0) return Fail(errors, ParseErrors.Describe(parsed), UserError.Usage);
            return parsed.Invoke(new InvocationConfiguration { Output = console.Profile.Out.Writer, Error = errors.Profile.Out.Writer, EnableDefaultExceptionHandler = false });
        });
    }

    // ------------------------------------------------------------------ report (and the root command)

    private sealed record ReportOpts(Option<string> Output, Option<bool> Quick, Option<int?> Epochs, Option<int> Seed, Option<int?> Threads)
    {
        public Option[] All => [Output, Quick, Epochs, Seed, Threads];
    }

    private static ReportOpts ReportOptions() => new(
        new Option<string>("--output", "-o") { Description = "The report folder (created if missing): report.html and png/.", DefaultValueFactory = _ => DefaultReportFolder },
        new Option<bool>("--quick") { Description = "Small sizes for CI (1 epoch on 1,000 digits, 500 noisy digits, 2 explained digits, 4×4 ACD tiles): still trains, explains and writes the report." },
        BoundedOptions.OptionalInt("--epochs", "Epochs for both models (default 3; 1 with --quick).", 1, Limits.MaxEpochs, 3, EpochsWhy),
        SeedOption("Initial weights, batch order and noise."),
        ThreadsOption());

    private static int Report(ReportOpts o, ParseResult parse, IAnsiConsole console, string[] args)
    {
        var output = parse.GetValue(o.Output)!;
        if (string.IsNullOrWhiteSpace(output)) throw new UserError("--output is empty; pass a folder such as attrdsl-report");
        // Said before libtorch and the digits load (seconds on a cold start), so the run is never silent at its start.
        console.MarkupLine(Markup.Escape($"{Name}: loading TorchSharp and the MNIST digits…"));
        SetThreads(parse.GetValue(o.Threads));
        var seed = parse.GetValue(o.Seed);
        var s = parse.GetValue(o.Quick) ? ReportSettings.QuickSizes(output, seed) : new ReportSettings(output, Seed: seed);
        if (parse.GetValue(o.Epochs) is { } epochs) s = s with { Epochs = epochs };   // bounded by its parser
        s = s with { Arguments = args };   // the report's "reproduce" line is the command that was run
        MainSample.Run(s, console);
        return 0;
    }

    // ------------------------------------------------------------------ train

    private static Command TrainCommand(IAnsiConsole console, IAnsiConsole errors)
    {
        var model = BoundedOptions.Enum("--model", "prior: MnistNet with its total-variation prior (generated Fit); plain: the same CNN without a prior.", ModelKind.Prior);
        var lambda = BoundedOptions.Double("--lambda", "λ of the total-variation prior (the declared value trains through the generated Fit).", 0, true, Limits.MaxLambda, false, MnistNet.DeclaredLambda);
        var schedule = BoundedOptions.Enum("--schedule", "summed (one Adam step on task + λ·Ω, declared) or alternating (a task step, then a prior step with its own Adam).", PriorSchedule.Summed);
        var epochs = BoundedOptions.Int("--epochs", "Passes over the training digits.", 1, Limits.MaxEpochs, 3, EpochsWhy);
        var seed = SeedOption("Initial weights and batch order.");
        var lr = BoundedOptions.Double("--lr", "Adam learning rate.", 0, true, Limits.MaxLearningRate, false, 1e-3);
        var trainCount = BoundedOptions.OptionalInt("--train-count", "Train on the first N training digits only (default: all 8,000).", 1, 10_000 - Digits.TestCount, 1000, "the training digits there are");
        var output = new Option<string>("--output", "-o") { Description = "Checkpoint path (safetensors; its folder must exist).", DefaultValueFactory = _ => "model.safetensors" };
        var threads = ThreadsOption();
        var dataParallel = new Option<bool>("--data-parallel")
        {
            Description = "Train over the processes of an MPI job (start it with mpirun -np N or srun): each process trains on its share of every batch of 64 digits and all apply the averaged update; process 0 prints and writes the checkpoint. Needs Open MPI; --model prior only.",
        };
        var command = new Command("train", "Train the MNIST CNN (with or without the prior) and save a checkpoint the other commands load.")
        {
            model, lambda, schedule, epochs, seed, lr, trainCount, output, threads, dataParallel,
        };
        command.SetAction(parse => Guard(errors, () =>
        {
            var path = parse.GetValue(output)!;
            UserError.ThrowIf(CommandLineChecks.WritableFile(path, "--output", "model.safetensors"));
            var kind = parse.GetValue(model);
            if (kind == ModelKind.Plain && (parse.GetResult(lambda) is { Implicit: false } || parse.GetResult(schedule) is { Implicit: false }))
                throw new UserError("--lambda and --schedule set the prior, and --model plain has none; drop them or pass --model prior");
            if (kind == ModelKind.Plain && parse.GetValue(dataParallel))
                throw new UserError("--data-parallel trains the attribution-prior steps over MPI, and --model plain has no prior; pass --model prior, or drop --data-parallel");
            var world = parse.GetValue(dataParallel) ? DataParallel.Join() : null;
            // Only process 0 speaks: N processes printing the same progress would interleave N copies of every line.
            var say = world is { Rank: > 0 } ? DataParallel.Silent : console;
            SetThreads(parse.GetValue(threads));
            using var digits = Digits.Load();
            var train = digits.TrainingSubset(parse.GetValue(trainCount));
            var settings = new TrainSettings(kind, parse.GetValue(lambda), parse.GetValue(schedule), parse.GetValue(epochs), parse.GetValue(seed), LearningRate: parse.GetValue(lr));
            say.MarkupLine(Markup.Escape($"training the {Networks.Title(kind)} model on {train.Count} digits ({(kind == ModelKind.Prior ? $"λ = {settings.Lambda.ToString("G", Inv)}, {settings.Schedule} schedule{(settings.Declared ? ", generated Fit" : "")}" : "cross-entropy alone")})"));
            if (world is not null)
                say.MarkupLine(Markup.Escape($"data-parallel over {world.Size} MPI process{(world.Size == 1 ? "" : "es")}: each trains on about {settings.BatchSize / world.Size} of every {settings.BatchSize} digits"));
            var trained = Trainer.Train(settings, train, digits.Test, say, world);
            if (world is null || world.Rank == 0)
            {
                var metadata = settings.Metadata();
                metadata["accuracy"] = trained.History[^1].Accuracy.ToString("R", Inv);
                if (world is not null) metadata["processes"] = world.Size.ToString(Inv);
                Networks.Save(trained.Model, path, metadata);
                console.MarkupLine($"checkpoint: [bold]{Markup.Escape(Path.GetFullPath(path))}[/] (held-out accuracy {trained.History[^1].Accuracy.ToString("P2", Inv)})");
            }
            DataParallel.Leave(world);
            return 0;
        }));
        return command;
    }

    // ------------------------------------------------------------------ explain

    private static Command ExplainCommand(IAnsiConsole console, IAnsiConsole errors)
    {
        var checkpoint = CheckpointOption();
        var method = BoundedOptions.Enum("--method", "The attribution method.", Method.IG, "-m");
        var inputs = new Option<string>("--inputs", "-i") { Description = "Comma-separated indices of test digits (0–1999).", DefaultValueFactory = _ => "0,1,2,3" };
        var target = TargetOption();
        var output = new Option<string>("--output", "-o") { Description = "Folder for the PNGs (created if missing).", DefaultValueFactory = _ => "attrdsl-explain" };
        var threads = ThreadsOption();
        var command = new Command("explain", "Explain test digits with a method (IG, EG, SmoothGrad, GradCam, Occlusion, ...) of a trained checkpoint; writes overlay PNGs.")
        {
            checkpoint, method, inputs, target, output, threads,
        };
        command.SetAction(parse => Guard(errors, () =>
        {
            var indices = ParseIndices(parse.GetValue(inputs)!);
            var targetText = parse.GetValue(target)!;
            ParseTarget(targetText, 0, 0);   // checks the value before any work
            SetThreads(parse.GetValue(threads));
            var folder = Path.GetFullPath(parse.GetValue(output)!);
            var (net, metadata) = Networks.Load(parse.GetValue(checkpoint)!);
            MainSample.CreateDirectory(folder, "--output");
            using var digits = Digits.Load();
            Networks.UseBackground(net, digits.Train.Images);
            var m = parse.GetValue(method);
            var table = new Table().AddColumns("digit", "label", "predicted", "target", "Σ attribution", "TV", "PNG");
            foreach (var index in indices)
            {
                using var scope = NewDisposeScope();
                var (x, label) = digits.TestDigit(index);
                var predicted = Networks.Predict(net, x)[0];
                var cls = ParseTarget(targetText, label, predicted);
                var attribution = Analysis.Explain(net, x, Target.Class(cls), m);
                var name = $"{m.ToString().ToLowerInvariant()}-digit{index}.png";
                MainSample.Save(folder, Path.GetFileNameWithoutExtension(name), name, HeatMaps.Overlay(x[0, 0], attribution[0, 0]));
                table.AddRow(index.ToString(Inv), label.ToString(Inv), predicted.ToString(Inv), cls.ToString(Inv),
                    attribution.sum().ToDouble().ToString("F3", Inv), Analysis.TotalVariationOf(attribution, x).ToString("F1", Inv), Markup.Escape(name));
            }
            console.MarkupLine(Markup.Escape($"{m} of the {metadata[Networks.KindKey]} model ({parse.GetValue(checkpoint)})"));
            console.Write(table);
            console.MarkupLine($"PNGs: [bold]{Markup.Escape(folder)}[/]");
            return 0;
        }));
        return command;
    }

    // ------------------------------------------------------------------ decompose

    private static Command DecomposeCommand(IAnsiConsole console, IAnsiConsole errors)
    {
        var checkpoint = CheckpointOption();
        var input = BoundedOptions.Int("--input", "Index of the test digit.", 0, Digits.TestCount - 1, 0, "the test digits there are", "-i");
        var target = TargetOption();
        var tile = BoundedOptions.Int("--tile", "ACD tile side in pixels: 1, 2, 4, 7, 14 or 28 (it must divide 28).", 1, 28, 2, "the digit's side");
        var output = new Option<string>("--output", "-o") { Description = "Folder for the PNGs (created if missing).", DefaultValueFactory = _ => "attrdsl-decompose" };
        var threads = ThreadsOption();
        var command = new Command("decompose", "Contextual decomposition (CD) of a test digit by 4×4 patches and its ACD hierarchy (levels); writes PNGs.")
        {
            checkpoint, input, target, tile, output, threads,
        };
        command.SetAction(parse => Guard(errors, () =>
        {
            var index = parse.GetValue(input);
            UserError.ThrowIf(Digits.IndexProblem(index, "--input"));
            var t = parse.GetValue(tile);
            if (t < 1 || 28 % t != 0) throw new UserError($"--tile {t} does not divide the 28-pixel digit; pass 1, 2, 4, 7, 14 or 28");
            var targetText = parse.GetValue(target)!;
            ParseTarget(targetText, 0, 0);
            SetThreads(parse.GetValue(threads));
            var folder = Path.GetFullPath(parse.GetValue(output)!);
            var (net, metadata) = Networks.Load(parse.GetValue(checkpoint)!);
            MainSample.CreateDirectory(folder, "--output");
            using var digits = Digits.Load();
            var (x, label) = digits.TestDigit(index);
            var predicted = Networks.Predict(net, x)[0];
            var cls = ParseTarget(targetText, label, predicted);
            var (map, error, logits, relevant) = Analysis.ContextualDecomposition(net, x, cls);
            MainSample.Save(folder, "digit", "digit", HeatMaps.Image(x[0, 0]));
            MainSample.Save(folder, "cd-patches", "cd", HeatMaps.Png(map));
            console.MarkupLine(Markup.Escape($"test digit {index} (label {label}, predicted {predicted}), {metadata[Networks.KindKey]} model: CD of the class-{cls} logit {logits[cls]:F3}; β (all pixels relevant) {relevant[cls]:F3}; max |β + γ − logits| = {error:E1}"));
            var acd = Analysis.Acd(net, x, cls, t);
            MainSample.Save(folder, "acd-levels", "acd", HeatMaps.LevelMap(acd));
            var table = new Table().AddColumns("level", "kind", "components", "largest (tiles)", "best score");
            foreach (var level in acd.Levels)
                table.AddRow(level.Index.ToString(Inv), level.Kind.ToString(), level.Components.Count.ToString(Inv),
                    level.Components.Count == 0 ? "0" : level.Components.Max(c => c.Tiles.Count).ToString(Inv),
                    level.Components.Count == 0 ? "" : level.Components.Max(c => c.Score).ToString("F3", Inv));
            console.Write(table);
            console.MarkupLine(Markup.Escape($"ACD: {acd.Levels.Count} levels, {acd.ScoredRegions} regions in {acd.ScorerCalls} scorer calls"));
            console.MarkupLine($"PNGs: [bold]{Markup.Escape(folder)}[/] (digit.png, cd-patches.png, acd-levels.png)");
            return 0;
        }));
        return command;
    }

    // ------------------------------------------------------------------ significance

    private static Command SignificanceCommand(IAnsiConsole console, IAnsiConsole errors)
    {
        var checkpoint = CheckpointOption();
        var digit = BoundedOptions.Int("--digit", "The class of interest.", 0, 9, 5, "the digits are 0 to 9");
        var versus = BoundedOptions.Int("--versus", "The baseline class: baselines are k-means centroids of its training digits.", 0, 9, 3, "the digits are 0 to 9");
        var count = BoundedOptions.Int("--count", "Test digits per group (class of interest, null sample); at most the test digits of either class, about 200.", 2, Digits.TestCount, 20, "the test digits there are; each class has about 200");
        var baselines = BoundedOptions.Int("--baselines", "k-means baselines per digit (attributions: their median).", 1, Limits.MaxBaselines, 3, "each baseline is a whole path per digit");
        var points = BoundedOptions.Int("--points", "Points per path; memory grows with it (about 0.45 MB a point).", 2, Limits.MaxPoints, 50, $"one path of {Limits.MaxPoints} points already needs {Limits.Size(Limits.MaxPoints * Limits.BytesPerPathPoint)} of memory");
        var alpha = BoundedOptions.Double("--alpha", "Significance level after correction.", 0, true, 1, true, 0.05);
        var correction = BoundedOptions.Enum("--correction", "Multiple-testing correction over the 784 pixels.", Correction.Holm);
        var output = new Option<string>("--output", "-o") { Description = "PNG of the significant pixels (its folder must exist).", DefaultValueFactory = _ => "significance.png" };
        var report = new Option<string?>("--report") { Description = "Also write a self-contained HTML report (table, maps) into this folder (created if missing)." };
        var threads = ThreadsOption();
        var command = new Command("significance", "EIG: which pixels tell one digit from another — enhanced integrated gradients, Welch t-tests per pixel, corrected p-values, a PNG of the significant pixels.")
        {
            checkpoint, digit, versus, count, baselines, points, alpha, correction, output, report, threads,
        };
        command.SetAction(parse => Guard(errors, () =>
        {
            // Every option is already within its range (its parser); what remains needs the data and the machine.
            var (a, b) = (parse.GetValue(digit), parse.GetValue(versus));
            if (a == b) throw new UserError($"--digit and --versus are both {a}; pass two different digits, e.g. --digit 5 --versus 3");
            var al = parse.GetValue(alpha);
            var path = parse.GetValue(output)!;
            UserError.ThrowIf(CommandLineChecks.WritableFile(path, "--output", "significance.png"));
            var reportFolder = parse.GetValue(report);
            if (reportFolder is not null && ReportFolder.Problem(reportFolder) is { } problem) throw new UserError($"--report {problem}; choose another --report folder");
            SetThreads(parse.GetValue(threads));
            var (net, metadata) = Networks.Load(parse.GetValue(checkpoint)!);
            using var digits = Digits.Load();
            UserError.ThrowIf(Limits.Significance(a, b, parse.GetValue(count), parse.GetValue(baselines), parse.GetValue(points),
                CountOf(digits.Test, a), CountOf(digits.Test, b), CountOf(digits.Train, b), Limits.AvailableMemory));
            var corr = parse.GetValue(correction);
            var (result, mean, n) = Analysis.Significance(net, digits, a, b, parse.GetValue(count), parse.GetValue(baselines), parse.GetValue(points), al, corr);
            var significant = result.Significant.Count(v => v);
            var map = tensor(result.T.Select((t, i) => result.Significant[i] ? (float)t : 0f).ToArray(), [28, 28]);
            var png = HeatMaps.Png(map, ColorMap.Diverging);
            try { File.WriteAllBytes(path, png); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UserError($"could not write '{path}' ({e.Message}); choose another --output", UserError.Failed);
            }
            console.MarkupLine(Markup.Escape($"EIG of logit {a} − logit {b} ({metadata[Networks.KindKey]} model), {n} test {a}s vs {n} test {b}s, {parse.GetValue(baselines)} k-means baselines of the training {b}s, {parse.GetValue(points)} points per path"));
            console.MarkupLine(Markup.Escape($"{significant} of 784 pixels tell a {a} from a {b} (Welch t-test, one-sided, {corr} correction, α = {al.ToString(Inv)})"));
            var table = new Table().AddColumns("pixel (row, col)", "t", "p", "corrected p");
            foreach (var i in Enumerable.Range(0, result.T.Length).OrderBy(i => result.Adjusted[i]).ThenByDescending(i => result.T[i]).Take(10))
                table.AddRow($"({i / 28}, {i % 28})", result.T[i].ToString("F2", Inv), result.PValues[i].ToString("E2", Inv), result.Adjusted[i].ToString("E2", Inv));
            console.Write(table);
            console.MarkupLine($"PNG of the significant pixels (t where significant): [bold]{Markup.Escape(Path.GetFullPath(path))}[/]");
            if (reportFolder is not null)
            {
                // The same numbers as the console, as the other samples report them: table, the significant t map, and
                // the mean attribution over the class-of-interest digits.
                var html = new HtmlReport($"EIG: which pixels tell a {a} from a {b}")
                    .Paragraph($"Enhanced integrated gradients of logit {a} − logit {b} ({metadata[Networks.KindKey]} model), {n} test {a}s vs {n} test {b}s, " +
                               $"{parse.GetValue(baselines)} k-means baselines of the training {b}s, {parse.GetValue(points)} points per path; " +
                               $"Welch t-test per pixel, one-sided, {corr} correction, α = {al.ToString(Inv)}.")
                    .Paragraph($"{significant} of 784 pixels are significant.")
                    .Table(["pixel (row, col)", "t", "p", "corrected p"],
                        Enumerable.Range(0, result.T.Length).OrderBy(i => result.Adjusted[i]).ThenByDescending(i => result.T[i]).Take(20)
                            .Select(i => (IReadOnlyList<string>)[$"({i / 28}, {i % 28})", result.T[i].ToString("F2", Inv), result.PValues[i].ToString("E2", Inv), result.Adjusted[i].ToString("E2", Inv)]),
                        "the 20 pixels with the smallest corrected p-values")
                    .FigureRow([("t where significant (red: evidence for " + a + ")", png), ($"mean attribution over the {a}s", HeatMaps.Png(mean.reshape(28, 28)))]);
                string reportPath;
                try { reportPath = html.SaveFolder(reportFolder); }   // the whole folder or nothing
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new UserError($"could not write the report folder '{reportFolder}' ({Networks.OneLine(e.Message)}); choose another --report folder", UserError.Failed);
                }
                console.MarkupLine($"report: [bold]{Markup.Escape(Path.GetFullPath(reportPath))}[/]");
            }
            return 0;
        }));
        return command;
    }

    // ------------------------------------------------------------------ shared options and checks

    private static Option<string> CheckpointOption() =>
        new("--checkpoint", "-c") { Description = "A checkpoint written by `attrdsl train`.", DefaultValueFactory = _ => "model.safetensors" };

    private static Option<string> TargetOption() =>
        new("--target", "-t") { Description = "The class to explain: label (the digit's label), predicted, or a digit 0–9.", DefaultValueFactory = _ => "label" };

    // Optional, so the help states the default once, in words ("all N cores"), instead of adding "[default: N]".
    private static Option<int?> ThreadsOption() =>
        BoundedOptions.OptionalInt("--threads", $"libtorch threads (default: all {Environment.ProcessorCount} cores; on a machine busy with other work, 1 is often faster).",
            1, CommandLineChecks.MaxThreads, 1, "more only oversubscribes the cores");

    private static Option<int> SeedOption(string description) =>
        BoundedOptions.Int("--seed", description, 0, int.MaxValue, 0);

    private const string EpochsWhy = "an epoch of the prior model takes about a minute";

    private static int CountOf(AttrDsl.Datasets.Mnist data, int digit) => (int)data.Labels.eq(digit).sum().ToInt64();

    private static void SetThreads(int? requested)
    {
        var threads = requested ?? Environment.ProcessorCount;
        UserError.ThrowIf(CommandLineChecks.Threads(threads));   // 0 would terminate the process
        set_num_threads(threads);
    }

    /// <summary>Parses "0,3,17" into test-digit indices.</summary>
    internal static int[] ParseIndices(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new UserError("--inputs is empty; pass test-digit indices such as --inputs 0,1,2");
        var result = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, NumberStyles.Integer, Inv, out var i))
                throw new UserError($"--inputs '{text}': '{p}' is not an index; pass comma-separated numbers from 0 to {Digits.TestCount - 1}, e.g. --inputs 0,1,2");
            UserError.ThrowIf(Digits.IndexProblem(i, "--inputs"));
            result.Add(i);
        }
        return [.. result.Distinct()];
    }

    /// <summary>The class a target option names for a digit with <paramref name="label"/> and <paramref name="predicted"/>.</summary>
    internal static long ParseTarget(string text, long label, long predicted) => text.Trim().ToLowerInvariant() switch
    {
        "label" => label,
        "predicted" => predicted,
        var t when int.TryParse(t, NumberStyles.Integer, Inv, out var c) && c is >= 0 and <= 9 => c,
        _ => throw new UserError($"--target '{text}' is not a class; pass label, predicted or a digit 0 to 9"),
    };

    /// <summary>Runs a command body, turning a <see cref="UserError"/> into its one line and exit code.</summary>
    private static int Guard(IAnsiConsole errors, Func<int> body)
    {
        try { return body(); }
        catch (UserError e) { return Fail(errors, e.Message, e.ExitCode); }
        catch (Exception e) when (Environment.GetEnvironmentVariable("ATTRDSL_DEBUG") != "1")
        {
            return Fail(errors, UnexpectedErrors.Describe(e), UnexpectedErrors.ExitCode);
        }
    }

    private static int Fail(IAnsiConsole errors, string message, int code)
    {
        errors.MarkupLine($"[red]error:[/] {Markup.Escape(Networks.OneLine(message))}");
        return code;
    }
}
