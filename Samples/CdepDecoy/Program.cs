using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AttrDsl.Datasets;
using AttrDsl.Datasets.Decoy;
using AttrDsl.Decomposition.Penalties;
using AttrDsl.Performance;
using AttrDsl.Samples.CdepDecoy;
using AttrDsl.Visualization;
using static TorchSharp.torch;

// DecoyMNIST (CDEP, Rieger et al. 2020): a model (by default Ross et al.'s MLP, which takes the shortcut; --model cnn for
// the MNIST CNN, which does not) trained on digits with a label-coded grey corner patch, without a
// penalty and with the explanation penalties that keep it off the patch; test accuracy on digits whose patch is random.
// Prints the table and writes a self-contained HTML report (table, loss curves, input-gradient heat maps) to --report.
Allocator.TuneAllocator();
var methods = new Option<string>("--methods") { Description = "Comma-separated: vanilla, rrr, eg, cdep.", DefaultValueFactory = _ => "vanilla,cdep,rrr,eg" };
var trainCount = new Option<int>("--train-count") { Description = "Training digits (from the training split).", DefaultValueFactory = _ => 8000 };
var testCount = new Option<int>("--test-count") { Description = "Held-out test digits.", DefaultValueFactory = _ => 2000 };
var epochs = new Option<int>("--epochs") { Description = "Passes over the training digits.", DefaultValueFactory = _ => 5 };
var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 64 };
var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
var weightDecay = new Option<double>("--weight-decay") { Description = "Adam's L2 weight decay (CDEP's reference: 1e-4).", DefaultValueFactory = _ => 0 };
var seed = new Option<int>("--seed") { Description = "Seed for the split, the patches, initialisation, shuffling and references.", DefaultValueFactory = _ => 0 };
var rrrLambda = new Option<double>("--rrr-lambda") { Description = "λ of RRR (its penalty sums over the batch).", DefaultValueFactory = _ => 0.1 };
var egLambda = new Option<double>("--eg-lambda") { Description = "λ of the expected-gradients penalty (mean over the batch of Σ |EG| in the patch).", DefaultValueFactory = _ => 1 };
var egReferences = new Option<int>("--eg-references") { Description = "k: references per image for the EG penalty.", DefaultValueFactory = _ => 1 };
var cdepLambda = new Option<double>("--cdep-lambda") { Description = "λ of CDEP.", DefaultValueFactory = _ => 300 };
var cdepMask = new Option<string>("--cdep-mask") { Description = "CDEP's region: patch (each image's own patch) or corners (all four corners, one fixed mask, as CDEP's reference).", DefaultValueFactory = _ => "patch" };
var patch = new Option<int>("--patch-size") { Description = "Side of the decoy patch in pixels.", DefaultValueFactory = _ => DecoyMnist.DefaultPatchSize };
var model = new Option<string>("--model") { Description = "cnn (the MNIST CNN) or mlp (Ross et al.'s two hidden ReLU layers).", DefaultValueFactory = _ => "mlp" };
var hidden = new Option<int>("--hidden") { Description = "Units of each hidden layer of the MLP.", DefaultValueFactory = _ => 200 };
var inputs = new Option<string>("--inputs") { Description = "Pixel range: unit ([0, 1]) or signed ([−1, 1], CDEP's 2x − 1).", DefaultValueFactory = _ => "signed" };
var report = new Option<string>("--report") { Description = "Folder for the self-contained HTML report (report.html: this run's table, loss curves and input-gradient heat maps); created if missing.", DefaultValueFactory = _ => "cdep-decoy-report" };
var threads = new Option<int>("--threads") { Description = "libtorch threads (1 … 1024; default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };

var root = new RootCommand("AttrDsl sample: DecoyMNIST — an MLP (or the MNIST CNN) trained without a penalty and with RRR, the expected-gradients penalty and CDEP, scored on test digits whose decoy patch is random.")
{
    methods, trainCount, testCount, epochs, batch, lr, weightDecay, seed, rrrLambda, egLambda, egReferences, cdepLambda, cdepMask, patch, model, hidden, inputs, threads, report,
};
root.SetAction(parse =>
{
    var s = new Settings(parse.GetValue(methods)!, parse.GetValue(trainCount), parse.GetValue(testCount), parse.GetValue(epochs),
        parse.GetValue(batch), parse.GetValue(lr), parse.GetValue(weightDecay), parse.GetValue(seed), parse.GetValue(rrrLambda), parse.GetValue(egLambda),
        parse.GetValue(egReferences), parse.GetValue(cdepLambda), parse.GetValue(cdepMask)!.ToLowerInvariant(), parse.GetValue(patch), parse.GetValue(model)!.ToLowerInvariant(), parse.GetValue(hidden), parse.GetValue(inputs)!.ToLowerInvariant(), parse.GetValue(threads), parse.GetValue(report)!);
    return Runs.Run(s);
});
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine($"error: {parsed.Errors[0].Message} See --help for the options.");
    return 2;
}
return parsed.Invoke();

namespace AttrDsl.Samples.CdepDecoy
{
    internal sealed record Settings(string Methods, int TrainCount, int TestCount, int Epochs, int BatchSize, double LearningRate, double WeightDecay, int Seed,
        double RrrLambda, double EgLambda, int EgReferences, double CdepLambda, string CdepMask, int PatchSize, string Model, int Hidden, string Inputs, int Threads, string ReportDir);

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
            if (names.FirstOrDefault(m => !Methods.Known.Contains(m)) is { } unknown)
            {
                Console.Error.WriteLine($"error: unknown method '{unknown}'; choose from {string.Join(", ", Methods.Known)}");
                return 2;
            }
            if (names.Contains("cdep") && Methods.ContextualDecomposition is null)
            {
                Console.Error.WriteLine("error: cdep needs contextual decomposition, which is not wired into this build yet: set Methods.ContextualDecomposition " +
                    "to (model, x, m) => ContextualDecomposition.Decompose(model, x, m) in Samples/CdepDecoy/Methods.cs, or leave cdep out of --methods");
                return 2;
            }
            if (AttrDsl.Samples.MnistTrain.CommandLineChecks.ReportFolder(s.ReportDir, "./cdep-decoy-report") is { } reportProblem)   // before the data and the training, so a typo costs nothing
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
            using var trainUnit = DecoyMnist.Create(trainImages, trainLabels, DecoyPart.Train, s.Seed, s.PatchSize);
            using var testUnit = DecoyMnist.Create(testDigits.Images, testDigits.Labels, DecoyPart.Test, s.Seed + 1, s.PatchSize);
            // CDEP's reference feeds 2x − 1: the background is then −1, not 0, which changes what CD's β and γ carry.
            using var train = s.Inputs == "signed" ? trainUnit.Rescaled(2, -1) : trainUnit.Rescaled(1, 0);
            using var test = s.Inputs == "signed" ? testUnit.Rescaled(2, -1) : testUnit.Rescaled(1, 0);
            // The same test digits without any patch: separates "relies on the patch" from "learned the digits less well".
            using var clean = s.Inputs == "signed" ? testDigits.Images * 2 - 1 : testDigits.Images.clone();
            var setup = $"DecoyMNIST: {train.Count} training digits (patch shade = label), {test.Count} test digits (random shade); " +
                $"{s.PatchSize}×{s.PatchSize} patch; model {s.Model}, inputs {s.Inputs}; {s.Epochs} epochs, batch {s.BatchSize}, Adam lr {s.LearningRate.ToString(CultureInfo.InvariantCulture)}, weight decay {s.WeightDecay.ToString(CultureInfo.InvariantCulture)}, seed {s.Seed}; libtorch threads {get_num_threads()}";
            Console.WriteLine(setup);
            Console.WriteLine();
            var rows = new List<string[]>();
            var curves = new List<(string Name, double[] X, double[] Y)>();
            var shown = (int)Math.Min(ShownDigits, test.Count);
            var heatRows = new List<(string Method, Tensor Gradients)>();
            Console.WriteLine("| method | λ | train accuracy | test accuracy (random patch) | test digits without patch | seconds |");
            Console.WriteLine("|---|---|---|---|---|---|");
            foreach (var name in names)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    var (lambda, trainAcc, testAcc, cleanAcc, losses, gradients) = Methods.TrainAndScore(name, s, train, test, clean, shown);
                    string[] row = [name, name == "vanilla" ? "–" : lambda.ToString("G", CultureInfo.InvariantCulture), $"{trainAcc * 100:F2} %", $"{testAcc * 100:F2} %", $"{cleanAcc * 100:F2} %", $"{clock.Elapsed.TotalSeconds:F0}"];
                    Console.WriteLine($"| {string.Join(" | ", row)} |");
                    rows.Add(row);
                    curves.Add((name, Enumerable.Range(1, losses.Length).Select(e => (double)e).ToArray(), losses));
                    heatRows.Add((name, gradients));
                }
                catch (AttrDsl.Training.TrainingDivergedException e)
                {
                    string[] row = [name, "–", "diverged", "diverged", "diverged", $"{clock.Elapsed.TotalSeconds:F0}"];
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

        /// <summary>Writes report.html: the setup line, the results table, the per-epoch loss curves and the input-gradient overlays.</summary>
        private static string WriteReport(Settings s, string setup, List<string[]> rows, List<(string Name, double[] X, double[] Y)> curves,
            DecoySet testUnit, int shown, List<(string Method, Tensor Gradients)> heatRows)
        {
            var inv = CultureInfo.InvariantCulture;
            var report = new HtmlReport("DecoyMNIST: explanation penalties against a decoy patch")
                .Paragraph($"Made by Samples/CdepDecoy on {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", inv)} UTC; every number below was computed in this run.")
                .Code("dotnet run -c Release --project Samples/CdepDecoy -- " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1)))
                .Paragraph(setup)
                .Heading("Results")
                .Table(["method", "λ", "train accuracy", "test accuracy (random patch)", "test digits without patch", "seconds"], rows,
                    "Training digits carry a patch whose shade encodes the label; the test digits' patch has a random shade.");
            if (curves.Any(c => c.X.Length > 0))
                report.Figure("Mean task loss (cross-entropy) per epoch, without the penalty term.",
                    Curves.Png("Training task loss", "epoch", "mean cross-entropy", curves.Where(c => c.X.Length > 0).ToList()));
            if (heatRows.Count > 0)
            {
                report.Heading("Where the models look")
                    .Paragraph($"Gradient of the label's logit with respect to the input for the first {shown} test digits (random patch shade), over the digit: " +
                               "red raises the logit, blue lowers it. A model that took the shortcut lights up its patch.");
                var digits = Enumerable.Range(0, shown).Select(i => ($"test digit {i} (label {testUnit.Labels[i].item<long>()})", HeatMaps.Image(testUnit.Images[i, 0]))).ToList();
                report.FigureRow(digits);
                foreach (var (method, g) in heatRows)
                    report.FigureRow(method, Enumerable.Range(0, shown).Select(i => ($"digit {i}", HeatMaps.Overlay(testUnit.Images[i, 0], g[i, 0]))).ToList());
            }
            var path = Path.GetFullPath(Path.Combine(s.ReportDir, "report.html"));
            report.Save(path);
            return path;
        }

        private static string? Validate(Settings s) =>
            s.TrainCount < 1 ? "--train-count must be at least 1"
            : s.TestCount < 1 ? "--test-count must be at least 1"
            : s.Epochs < 0 ? "--epochs must be ≥ 0"
            : s.BatchSize < 1 ? "--batch-size must be at least 1"
            : !(s.LearningRate > 0 && double.IsFinite(s.LearningRate)) ? "--lr must be positive and finite"
            : !(s.RrrLambda > 0 && double.IsFinite(s.RrrLambda)) || !(s.EgLambda > 0 && double.IsFinite(s.EgLambda)) || !(s.CdepLambda > 0 && double.IsFinite(s.CdepLambda))
                ? "every λ must be positive and finite"
            : s.EgReferences < 1 ? "--eg-references must be at least 1"
            : s.PatchSize is < 1 or > 14 ? "--patch-size must lie in 1 … 14"
            : s.Model is not ("cnn" or "mlp") ? "--model must be cnn or mlp"
            : s.CdepMask is not ("patch" or "corners") ? "--cdep-mask must be patch or corners"
            : s.Hidden < 1 ? "--hidden must be at least 1"
            : s.Inputs is not ("unit" or "signed") ? "--inputs must be unit or signed"
            : s.Threads is < 1 or > 1024 ? "--threads must lie in 1 … 1024"
            : null;
    }
}
