using System.CommandLine;
using System.Globalization;
using AttrDsl.Datasets.Synthetic;
using AttrDsl.Performance;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Samples.PriorsSynthetic;
using Spectre.Console;

// Attribution priors on synthetic data with a known ground truth:
//   graph     — experiment 2: the graph prior φᵀLφ on a regression whose true coefficients are smooth over a feature graph;
//   sparsity  — experiment 3: the EG-Gini sparsity prior vs an unregularised MLP and L1 on the first layer, on a
//               classification problem whose signal lives on a few planted features (100 training samples).
// Each writes a Markdown report (with the command that produced it) to --output, and a self-contained HTML report
// (tables and figures of the run) to report.html in the --report folder.
Allocator.TuneAllocator();   // keep large freed blocks in the heap (docs/benchmarks.md); ATTRDSL_MALLOC=default opts out
var cliArgs = args;

Option<int> Seeds(int d) => new("--seeds") { Description = "Number of replicates (seeds); each draws its own data set and initialisation.", DefaultValueFactory = _ => d };
var seedOffset = new Option<int>("--seed-offset") { Description = "First seed (replicates use seeds offset … offset + seeds − 1).", DefaultValueFactory = _ => 0 };
Option<string> Output(string d) => new("--output") { Description = "Markdown report path.", DefaultValueFactory = _ => d };
Option<string> ReportDir(string d) => new("--report") { Description = "Folder for the self-contained HTML report (report.html: the tables and figures of this run); created if missing.", DefaultValueFactory = _ => d };
var threads = new Option<int>("--threads") { Description = "libtorch threads.", DefaultValueFactory = _ => 1 };
Option<int> Epochs(int d) => new("--epochs") { Description = "Full-batch Adam steps per model.", DefaultValueFactory = _ => d };
Option<double> Lr(double d) => new("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => d };
Option<string> Hidden(string d) => new("--hidden") { Description = "Hidden layer widths, comma-separated ('linear': no hidden layer).", DefaultValueFactory = _ => d };
Option<int> K(int d) => new("--k") { Description = "Expected-gradients references per sample in training.", DefaultValueFactory = _ => d };
Option<int> EvalK(int d) => new("--eval-k") { Description = "Expected-gradients references per sample when measuring attributions on test data.", DefaultValueFactory = _ => d };
Option<int> Train(int d) => new("--train") { Description = "Training samples.", DefaultValueFactory = _ => d };
Option<int> Test(int d) => new("--test") { Description = "Test samples.", DefaultValueFactory = _ => d };
Option<int> Features(int d) => new("--features") { Description = "Number of features.", DefaultValueFactory = _ => d };
Option<double> Correlation(double d) => new("--correlation") { Description = "Correlation of features in the same module/block.", DefaultValueFactory = _ => d };

// ---- graph ----
var gSeeds = Seeds(20);
var gOutput = Output("docs/experiments/graph-prior.md");
var gReport = ReportDir("graph-prior-report");
var gLambda = new Option<double>("--lambda") { Description = "Weight λ of the graph prior φᵀLφ.", DefaultValueFactory = _ => 100 };
var gK = K(10);
var gEvalK = EvalK(20);
var gEpochs = Epochs(500);
var gLr = Lr(1e-3);
var gHidden = Hidden("32,16");
var gFeatures = Features(60);
var gModules = new Option<int>("--modules") { Description = "Number of feature modules (cliques of the graph).", DefaultValueFactory = _ => 6 };
var gActive = new Option<int?>("--active-modules") { Description = "Modules with a nonzero coefficient (the rest have coefficient 0).", DefaultValueFactory = _ => 3 };
var gTrain = Train(100);
var gTest = Test(2000);
var gCorrelation = Correlation(0.5);
var gSnr = new Option<double>("--snr") { Description = "Signal-to-noise ratio Var(βᵀx)/σ².", DefaultValueFactory = _ => 1.0 };
var gControl = new Option<bool>("--control") { Description = "Also train a control: the same prior and λ on a shuffled graph (same cliques over randomly relabelled features). On by default; --control false skips it.", DefaultValueFactory = _ => true };
var graph = new Command("graph", "Experiment 2: MLP regressor with and without the graph attribution prior on FeatureGraphData.")
{
    gSeeds, seedOffset, gLambda, gK, gEvalK, gEpochs, gLr, gHidden, gFeatures, gModules, gActive, gTrain, gTest, gCorrelation, gSnr, gControl, gOutput, gReport, threads,
};
graph.SetAction(p => Guard(() => GraphExperiment.Run(new GraphSettings(
    AtLeastTwo(p.GetValue(gSeeds)), p.GetValue(seedOffset), PositiveD(p.GetValue(gLambda), "--lambda"), Positive(p.GetValue(gK), "--k"),
    Positive(p.GetValue(gEvalK), "--eval-k"), Positive(p.GetValue(gEpochs), "--epochs"), PositiveD(p.GetValue(gLr), "--lr"), Ints(p.GetValue(gHidden)!, "--hidden"),
    new FeatureGraphOptions
    {
        Features = p.GetValue(gFeatures), Modules = p.GetValue(gModules), ActiveModules = p.GetValue(gActive), TrainSamples = p.GetValue(gTrain),
        TestSamples = p.GetValue(gTest), Correlation = p.GetValue(gCorrelation), SignalToNoise = p.GetValue(gSnr),
    },
    p.GetValue(gControl), ReportPath(p.GetValue(gOutput)!, "graph-prior.md"), HtmlDir(p.GetValue(gReport)!), Threads(p.GetValue(threads)), cliArgs))));

// ---- sparsity ----
var sSeeds = Seeds(30);
var sOutput = Output("docs/experiments/sparsity-prior.md");
var sReport = ReportDir("sparsity-prior-report");
var sGini = new Option<string>("--gini-lambdas") { Description = "λ grid of the EG-Gini prior, comma-separated (one value: no cross-validation).", DefaultValueFactory = _ => "0.1,0.3,1,3,10" };
var sL1 = new Option<string>("--l1-lambdas") { Description = "λ grid of the L1 penalty on the first layer's weights, comma-separated.", DefaultValueFactory = _ => "0.01,0.03,0.1,0.3,1" };
var sFolds = new Option<int>("--folds") { Description = "Stratified cross-validation folds (within the training samples) used to choose λ.", DefaultValueFactory = _ => 4 };
var sK = K(10);
var sEvalK = EvalK(20);
var sEvalN = new Option<int>("--eval-samples") { Description = "Test samples on which the Gini of mean |EG| is measured.", DefaultValueFactory = _ => 1000 };
var sEpochs = Epochs(300);
var sWarmup = new Option<int>("--warmup") { Description = "Steps on the task loss alone before the Gini prior starts (of --epochs).", DefaultValueFactory = _ => 100 };
var sLr = Lr(3e-3);
var sHidden = Hidden("32,16");
var sFeatures = Features(50);
var sBlock = new Option<int>("--block-size") { Description = "Size of the correlated feature blocks.", DefaultValueFactory = _ => 5 };
var sSignal = new Option<int>("--signal") { Description = "Number of planted signal features.", DefaultValueFactory = _ => 5 };
var sLogitStd = new Option<double>("--logit-std") { Description = "Standard deviation of the true logit.", DefaultValueFactory = _ => 2.0 };
var sTrain = Train(100);
var sTest = Test(5000);
var sCorrelation = Correlation(0.2);
var sparsity = new Command("sparsity", "Experiment 3: MLP classifier unregularised vs EG-Gini prior vs L1 on the first layer, on SparseSignalData.")
{
    sSeeds, seedOffset, sGini, sL1, sFolds, sK, sEvalK, sEvalN, sEpochs, sWarmup, sLr, sHidden, sFeatures, sBlock, sSignal, sLogitStd, sTrain, sTest, sCorrelation, sOutput, sReport, threads,
};
sparsity.SetAction(p => Guard(() => SparsityExperiment.Run(new SparsitySettings(
    AtLeastTwo(p.GetValue(sSeeds)), p.GetValue(seedOffset), Doubles(p.GetValue(sGini)!, "--gini-lambdas"), Doubles(p.GetValue(sL1)!, "--l1-lambdas"),
    Folds(p.GetValue(sFolds)), Positive(p.GetValue(sK), "--k"), Positive(p.GetValue(sEvalK), "--eval-k"), Positive(p.GetValue(sEvalN), "--eval-samples"),
    Positive(p.GetValue(sEpochs), "--epochs"), Warmup(p.GetValue(sWarmup), p.GetValue(sEpochs)), PositiveD(p.GetValue(sLr), "--lr"), Ints(p.GetValue(sHidden)!, "--hidden"),
    new SparseSignalOptions
    {
        Features = p.GetValue(sFeatures), BlockSize = p.GetValue(sBlock), SignalFeatures = p.GetValue(sSignal), LogitStd = p.GetValue(sLogitStd),
        TrainSamples = p.GetValue(sTrain), TestSamples = p.GetValue(sTest), Correlation = p.GetValue(sCorrelation),
    },
    ReportPath(p.GetValue(sOutput)!, "sparsity-prior.md"), HtmlDir(p.GetValue(sReport)!), Threads(p.GetValue(threads)), cliArgs))));

var root = new RootCommand("AttrDsl sample: attribution priors (graph, sparsity) on synthetic data with a known ground truth.") { graph, sparsity };
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)   // one line, not System.CommandLine's error followed by the whole help
    return Fail($"{parsed.Errors[0].Message} See --help for the options.");
return parsed.Invoke();

static int Guard(Func<int> run)
{
    try { return run(); }
    catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
    {
        return Fail(e.Message);
    }
}

// One line on standard error, never wrapped, markup escaped (messages carry user input); exit code 2.
static int Fail(string message)
{
    var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
    errors.Profile.Width = 100_000;
    errors.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
    return 2;
}

static int AtLeastTwo(int v) => v >= 2 ? v : throw new ArgumentException($"--seeds must be ≥ 2 (the paired tests need two replicates), got {v}");
static int Threads(int v) => CommandLineChecks.Threads(v) is { } problem ? throw new ArgumentException(problem) : v;
// Checked before the replicates run, so a bad path does not cost the whole experiment.
static string ReportPath(string path, string example) => CommandLineChecks.WritableFile(path, "--output", example) is { } problem ? throw new ArgumentException(problem) : path;
static string HtmlDir(string dir) => AttrDsl.Samples.MnistTrain.CommandLineChecks.ReportFolder(dir, "./report") is { } problem ? throw new ArgumentException(problem) : dir;
static int Positive(int v, string name) => v >= 1 ? v : throw new ArgumentException($"{name} must be ≥ 1, got {v}");
static double PositiveD(double v, string name) => v > 0 && double.IsFinite(v) ? v : throw new ArgumentException($"{name} must be positive and finite, got {v}");
static int Warmup(int w, int epochs) => w >= 0 && w < epochs ? w : throw new ArgumentException($"--warmup must lie in [0, --epochs), got {w}");
static int Folds(int v) => v >= 2 ? v : throw new ArgumentException($"--folds must be ≥ 2, got {v}");
static int[] Ints(string s, string name)
{
    if (s.Trim() == "linear") return [];
    var parts = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var v = parts.Select(x => int.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= 1 ? i : throw new FormatException($"{name}: '{x}' is not a positive integer")).ToArray();
    return v.Length > 0 ? v : throw new FormatException($"{name}: give at least one width");
}
static double[] Doubles(string s, string name)
{
    var parts = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var v = parts.Select(x => double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 && double.IsFinite(d) ? d : throw new FormatException($"{name}: '{x}' is not a positive number")).ToArray();
    return v.Length > 0 ? v : throw new FormatException($"{name}: give at least one value");
}
