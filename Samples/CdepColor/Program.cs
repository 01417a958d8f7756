using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AttrDsl.Datasets;
using AttrDsl.Datasets.Decoy;
using AttrDsl.Performance;
using AttrDsl.Samples.CdepColor;
using AttrDsl.Visualization;
using static TorchSharp.torch;

// ColorMNIST (CDEP, Rieger et al. 2020): a CNN trained on digits coloured by their label, without a penalty and with
// CDEP, scored on test digits whose colour does not match the label. Prints the table and writes a self-contained
// HTML report (table, loss curves, input-gradient heat maps) to --report.
Allocator.TuneAllocator();
var methods = new Option<string>("--methods") { Description = "Comma-separated: vanilla, cdep.", DefaultValueFactory = _ => "vanilla,cdep" };
var trainCount = new Option<int>("--train-count") { Description = "Training digits.", DefaultValueFactory = _ => 8000 };
var testCount = new Option<int>("--test-count") { Description = "Held-out test digits.", DefaultValueFactory = _ => 2000 };
var epochs = new Option<int>("--epochs") { Description = "Passes over the training digits.", DefaultValueFactory = _ => 2 };
var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 64 };
var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
var weightDecay = new Option<double>("--weight-decay") { Description = "Adam's L2 weight decay (CDEP's reference: 1e-3).", DefaultValueFactory = _ => 0 };
var seed = new Option<int>("--seed") { Description = "Seed for the split, the test colours, initialisation, shuffling and pixel draws.", DefaultValueFactory = _ => 0 };
var cdepLambda = new Option<double>("--cdep-lambda") { Description = "λ of CDEP (the paper: 5000 with 8 pixels).", DefaultValueFactory = _ => 5000 };
var cdepMask = new Option<string>("--cdep-mask") { Description = "CDEP's regions: pixels (random single pixels, all channels, as CDEP's reference) or channels (the three single-channel masks).", DefaultValueFactory = _ => "pixels" };
var pixels = new Option<int>("--pixels") { Description = "Random pixels per step for --cdep-mask pixels.", DefaultValueFactory = _ => 8 };
var testColours = new Option<string>("--test-colours") { Description = "random (independent of the label) or reversed (digit y gets class 9 − y's colour, CDEP's test set).", DefaultValueFactory = _ => "reversed" };
var inputs = new Option<string>("--inputs") { Description = "unit ([0, 1]) or standardised (per channel, training mean and std, as CDEP's reference).", DefaultValueFactory = _ => "standardised" };
var report = new Option<string>("--report") { Description = "Folder for the self-contained HTML report (report.html: this run's table, loss curves and input-gradient heat maps); created if missing.", DefaultValueFactory = _ => "cdep-color-report" };
var threads = new Option<int>("--threads") { Description = "libtorch threads (1 … 1024; default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };

var root = new RootCommand("AttrDsl sample: ColorMNIST — a CNN trained without a penalty and with CDEP, scored on test digits whose colour does not give the label away.")
{
    methods, trainCount, testCount, epochs, batch, lr, weightDecay, seed, cdepLambda, cdepMask, pixels, testColours, inputs, threads, report,
};
root.SetAction(parse => Runs.Run(new Settings(parse.GetValue(methods)!, parse.GetValue(trainCount), parse.GetValue(testCount), parse.GetValue(epochs),
    parse.GetValue(batch), parse.GetValue(lr), parse.GetValue(weightDecay), parse.GetValue(seed), parse.GetValue(cdepLambda),
    parse.GetValue(cdepMask)!.ToLowerInvariant(), parse.GetValue(pixels), parse.GetValue(testColours)!.ToLowerInvariant(),
    parse.GetValue(inputs)!.ToLowerInvariant(), parse.GetValue(threads), parse.GetValue(report)!)));
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine($"error: {parsed.Errors[0].Message} See --help for the options.");
    return 2;
}
return parsed.Invoke();

namespace AttrDsl.Samples.CdepColor
{
    internal sealed record Settings(string Methods, int TrainCount, int TestCount, int Epochs, int BatchSize, double LearningRate, double WeightDecay,
        int Seed, double CdepLambda, string CdepMask, int Pixels, string TestColours, string Inputs, int Threads, string ReportDir);

    internal static class Runs
    {
        public static int Run(Settings s)
        {
            if (Validate(s) is { } error)
            {
                Console.Error.WriteLine($"error: {error}");
                return 2;
            }
            var names = s.Methods.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => m.ToLowerInvariant()).ToList();
            if (names.FirstOrDefault(m => m is not ("vanilla" or "cdep")) is { } unknown)
            {
                Console.Error.WriteLine($"error: unknown method '{unknown}'; choose from vanilla, cdep");
                return 2;
            }
            if (AttrDsl.Samples.MnistTrain.CommandLineChecks.ReportFolder(s.ReportDir, "./cdep-color-report") is { } reportProblem)   // before the data and the training, so a typo costs nothing
            {
                Console.Error.WriteLine($"error: {reportProblem}");
                return 2;
            }
            set_num_threads(s.Threads);
            Mnist all;
            try { all = Mnist.Load(); }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
            using var _ = all;
            if (s.TrainCount + s.TestCount > all.Count)
            {
                Console.Error.WriteLine($"error: --train-count {s.TrainCount} + --test-count {s.TestCount} exceed the {all.Count} digits");
                return 2;
            }
            var (trainDigits, testDigits) = all.Split(s.TestCount, s.Seed);
            using var __ = trainDigits;
            using var ___ = testDigits;
            using var trainImages = trainDigits.Images.narrow(0, 0, s.TrainCount);
            using var trainLabels = trainDigits.Labels.narrow(0, 0, s.TrainCount);
            using var trainUnit = ColorMnist.Create(trainImages, trainLabels, DecoyPart.Train, s.Seed);
            using var testUnit = ColorMnist.Create(testDigits.Images, testDigits.Labels, DecoyPart.Test, s.Seed + 1, reversedTest: s.TestColours == "reversed");
            // CDEP's reference standardises each channel with the training statistics; the background is then no longer 0.
            var (mean, std) = s.Inputs == "standardised" ? trainUnit.ChannelStatistics() : ([0f, 0f, 0f], [1f, 1f, 1f]);
            using var train = trainUnit.Standardised(mean, std);
            using var test = testUnit.Standardised(mean, std);
            var setup = $"ColorMNIST: {train.Count} training digits (colour = label), {test.Count} test digits ({s.TestColours} colours); inputs {s.Inputs}; " +
                $"{s.Epochs} epochs, batch {s.BatchSize}, Adam lr {F(s.LearningRate)}, weight decay {F(s.WeightDecay)}, seed {s.Seed}; libtorch threads {get_num_threads()}";
            Console.WriteLine(setup);
            Console.WriteLine();
            var rows = new List<string[]>();
            var curves = new List<(string Name, double[] X, double[] Y)>();
            var shown = (int)Math.Min(ShownDigits, test.Count);
            var heatRows = new List<(string Method, Tensor Gradients)>();
            Console.WriteLine("| method | λ | regions | train accuracy | test accuracy | seconds |");
            Console.WriteLine("|---|---|---|---|---|---|");
            foreach (var name in names)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    var (trainAcc, testAcc, losses, gradients) = Training.TrainAndScore(name, s, train, test, shown);
                    var regions = name == "vanilla" ? "–" : s.CdepMask == "pixels" ? $"{s.Pixels} random pixels / step" : "3 channels";
                    string[] row = [name, name == "vanilla" ? "–" : F(s.CdepLambda), regions, $"{trainAcc * 100:F2} %", $"{testAcc * 100:F2} %", $"{clock.Elapsed.TotalSeconds:F0}"];
                    Console.WriteLine($"| {string.Join(" | ", row)} |");
                    rows.Add(row);
                    curves.Add((name, Enumerable.Range(1, losses.Length).Select(e => (double)e).ToArray(), losses));
                    heatRows.Add((name, gradients));
                }
                catch (AttrDsl.Training.TrainingDivergedException e)
                {
                    string[] row = [name, "–", "–", "diverged", "diverged", $"{clock.Elapsed.TotalSeconds:F0}"];
                    Console.WriteLine($"| {string.Join(" | ", row)} |");
                    rows.Add(row);
                    Console.Error.WriteLine($"{name}: {e.Message}");
                }
            }
            try
            {
                var path = WriteReport(s, setup, rows, curves, testUnit, shown, heatRows);
                Console.WriteLine($"report: {path}");
            }
            finally
            {
                foreach (var (_, g) in heatRows) g.Dispose();
            }
            return 0;
        }

        /// <summary>Test digits whose input gradients the report shows for every method.</summary>
        private const int ShownDigits = 3;

        /// <summary>Writes report.html: the setup line, the results table, the per-epoch loss curves and the input-gradient maps.</summary>
        private static string WriteReport(Settings s, string setup, List<string[]> rows, List<(string Name, double[] X, double[] Y)> curves,
            DecoySet testUnit, int shown, List<(string Method, Tensor Gradients)> heatRows)
        {
            var inv = CultureInfo.InvariantCulture;
            var report = new HtmlReport("ColorMNIST: CDEP against a colour shortcut")
                .Paragraph($"Made by Samples/CdepColor on {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", inv)} UTC; every number below was computed in this run.")
                .Code("dotnet run -c Release --project Samples/CdepColor -- " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1)))
                .Paragraph(setup)
                .Heading("Results")
                .Table(["method", "λ", "regions", "train accuracy", "test accuracy", "seconds"], rows,
                    "Training digits are coloured by their label; the test digits' colour does not give the label away.");
            if (curves.Any(c => c.X.Length > 0))
                report.Figure("Mean task loss (cross-entropy) per epoch, without the penalty term.",
                    Curves.Png("Training task loss", "epoch", "mean cross-entropy", curves.Where(c => c.X.Length > 0).ToList()));
            if (heatRows.Count > 0)
            {
                report.Heading("Where the models look")
                    .Paragraph($"Gradient of the label's logit with respect to the input, summed over the three colour channels, for the first {shown} test digits, " +
                               "over the digit's brightness (mean of the channels): red raises the logit, blue lowers it.");
                var grey = Enumerable.Range(0, shown).Select(i => testUnit.Images[i].mean([0L])).ToList();
                try
                {
                    report.FigureRow(Enumerable.Range(0, shown).Select(i => ($"test digit {i} (label {testUnit.Labels[i].item<long>()}), brightness", HeatMaps.Image(grey[i]))).ToList());
                    foreach (var (method, g) in heatRows)
                        report.FigureRow(method, Enumerable.Range(0, shown).Select(i => ($"digit {i}", HeatMaps.Overlay(grey[i], g[i]))).ToList());
                }
                finally
                {
                    foreach (var t in grey) t.Dispose();
                }
            }
            var path = Path.GetFullPath(Path.Combine(s.ReportDir, "report.html"));
            report.Save(path);
            return path;
        }

        private static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);

        private static string? Validate(Settings s) =>
            s.TrainCount < 1 ? "--train-count must be at least 1"
            : s.TestCount < 1 ? "--test-count must be at least 1"
            : s.Epochs < 0 ? "--epochs must be ≥ 0"
            : s.BatchSize < 1 ? "--batch-size must be at least 1"
            : !(s.LearningRate > 0 && double.IsFinite(s.LearningRate)) ? "--lr must be positive and finite"
            : !(s.WeightDecay >= 0 && double.IsFinite(s.WeightDecay)) ? "--weight-decay must be ≥ 0 and finite"
            : !(s.CdepLambda > 0 && double.IsFinite(s.CdepLambda)) ? "--cdep-lambda must be positive and finite"
            : s.CdepMask is not ("pixels" or "channels") ? "--cdep-mask must be pixels or channels"
            : s.Pixels < 1 ? "--pixels must be at least 1"
            : s.TestColours is not ("random" or "reversed") ? "--test-colours must be random or reversed"
            : s.Inputs is not ("unit" or "standardised") ? "--inputs must be unit or standardised"
            : s.Threads is < 1 or > 1024 ? "--threads must lie in 1 … 1024"
            : null;
    }
}
