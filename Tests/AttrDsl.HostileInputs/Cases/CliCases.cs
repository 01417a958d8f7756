using AttrDsl.Cli;
using Spectre.Console;

namespace AttrDsl.HostileInputs;

/// <summary>
/// The command-line tool, called in-process with the arguments a careless user types. A run that ends with a non-zero
/// exit code is turned into a <see cref="CliFailure"/> whose message is everything the tool printed, so the policy
/// checks read what the user reads: the option and value named, the range or the accepted values, no .NET type names,
/// no C++ frames. Every case is refused before any work (no data is loaded, nothing is trained), so the area stays fast.
/// </summary>
public static class CliCases
{
    public const string Area = "cli";

    /// <summary>What the tool printed for a run that failed; the exit code is kept for the detail line.</summary>
    public sealed class CliFailure(int exit, string output) : Exception(output.Trim())
    {
        public int ExitCode { get; } = exit;
    }

    // Entry points are the command line as typed, with '_' for the spaces (case ids are space-separated in the runner's output).
    private static Case C(string entry, string name, string[] args, Expectation e) => new(Area, entry.Replace(' ', '_'), name, () => Run(args), e);

    /// <summary>Runs the tool; returns its output when it succeeds, throws <see cref="CliFailure"/> when it does not.</summary>
    public static object Run(string[] args) => Run(args, _ => null);

    /// <summary>As <see cref="Run(string[])"/>, with the environment the tool sees (the scheduler's shard index).</summary>
    public static object Run(string[] args, Func<string, string?> environment)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        var errorConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(errors), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = errorConsole.Profile.Width = 100_000;
        var (stdout, stderr) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(errors);
        int exit;
        try { exit = Commands.Run(args, console, errorConsole, environment); }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
        var text = output + "\n" + errors;
        if (exit != 0) throw new CliFailure(exit, text);
        return text;
    }

    // Every numeric option: command, option, a value below its range, a value above it, and the words the refusal must hold.
    private static readonly (string Command, string Option, string Below, string Above)[] Numbers =
    [
        ("train", "--epochs", "0", "1000000"),
        ("train", "--lambda", "0", "1e9"),
        ("train", "--lr", "0", "50"),
        ("train", "--train-count", "0", "100000"),
        ("train", "--seed", "-1", "99999999999"),
        ("train", "--threads", "0", "100000"),
        ("report", "--epochs", "0", "1000000"),
        ("report", "--threads", "0", "100000"),
        ("explain", "--threads", "0", "100000"),
        ("decompose", "--input", "-1", "100000"),
        ("decompose", "--tile", "0", "29"),
        ("decompose", "--threads", "0", "100000"),
        ("significance", "--digit", "-1", "10"),
        ("significance", "--versus", "-1", "10"),
        ("significance", "--count", "1", "100000"),
        ("significance", "--baselines", "0", "100000"),
        ("significance", "--points", "1", "2000000000"),
        ("significance", "--alpha", "0", "1"),
        ("significance", "--threads", "0", "100000"),
        ("explain-dataset", "--shard", "-1", "100000"),
        ("explain-dataset", "--shards", "0", "100000"),
        ("explain-dataset", "--count", "0", "100000"),
        ("explain-dataset", "--steps", "0", "100000"),
        ("explain-dataset", "--threads", "0", "100000"),
        ("rank-methods", "--count", "0", "100000"),
        ("rank-methods", "--threads", "0", "100000"),
    ];

    // Options taking one of a fixed set of values.
    private static readonly (string Command, string Option, string Accepted)[] Choices =
    [
        ("train", "--model", "prior"),
        ("train", "--schedule", "summed"),
        ("explain", "--method", "ig"),
        ("significance", "--correction", "holm"),
        ("explain-dataset", "--target", "label"),
    ];

    private static readonly string[] Commands_ = ["train", "explain", "decompose", "significance", "report", "explain-dataset", "rank-methods"];

    // A path no case ever creates: a refused run must not write there.
    private static readonly string NeverWritten = Path.Combine(Path.GetTempPath(), "attrdsl-hostile-never-written");

    // explain-dataset with everything but the shard index valid (2 shards; a checkpoint that is never reached).
    private static string[] ExplainDataset(params string[] extra) =>
        ["explain-dataset", "--checkpoint", "/nonexistent/model.safetensors", "--shards", "2", "--output", NeverWritten, .. extra];

    private static Case WithEnvironment(string entry, string name, string variable, string value, string[] args, Expectation e) =>
        new(Area, entry.Replace(' ', '_'), name, () => Run(args, v => v == variable ? value : null), e);

    public static IEnumerable<Case> All()
    {
        foreach (var (command, option, below, above) in Numbers)
        {
            var entry = $"attrdsl {command} {option}";
            yield return C(entry, "below-range", [command, option, below], Expect.Error(option, below, "range|least|must"));
            yield return C(entry, "above-range", [command, option, above], Expect.Error(option, above, "range|most|must"));
            yield return C(entry, "not-a-number", [command, option, "lots"], Expect.Error(option, "lots", "number"));
            yield return C(entry, "NaN", [command, option, "NaN"], Expect.Error(option, "NaN"));
            yield return C(entry, "infinity", [command, option, "Infinity"], Expect.Error(option, "Infinity"));
            yield return C(entry, "missing-value", [command, option], Expect.Error(option));
            yield return C(entry, "empty-value", [command, option, ""], Expect.Error(option));
        }
        foreach (var (command, option, accepted) in Choices)
        {
            var entry = $"attrdsl {command} {option}";
            yield return C(entry, "unknown-value", [command, option, "bogus"], Expect.Error(option, "bogus", accepted));
            yield return C(entry, "number-value", [command, option, "7"], Expect.Error(option, accepted));
            yield return C(entry, "missing-value", [command, option], Expect.Error(option));
        }
        foreach (var command in Commands_)
        {
            var entry = $"attrdsl {command}";
            yield return C(entry, "unknown-option", [command, "--bogus-option", "1"], Expect.Error("--bogus-option"));
            yield return C(entry, "help", [command, "--help"], Expect.Result("help with the options", r => r is string s && s.Contains("--", StringComparison.Ordinal) ? null : "no help text"));
            yield return C(entry, "near-miss-option", [command, "--thraeds", "2"], Expect.Error("--thraeds", "--threads"));
        }
        yield return C("attrdsl", "misspelt-command", ["trian"], Expect.Error("trian", "train"));
        yield return C("attrdsl", "misspelt-command-2", ["signficance"], Expect.Error("signficance", "significance"));
        yield return C("attrdsl", "unknown-command", ["frobnicate", "--now"], Expect.Error("frobnicate"));
        yield return C("attrdsl", "help", ["--help"], Expect.Result("help listing the commands", r => r is string s && s.Contains("significance", StringComparison.Ordinal) ? null : "no command list"));
        yield return C("attrdsl explain --method", "misspelt-option", ["explain", "--methd", "ig"], Expect.Error("--methd", "--method"));
        yield return C("attrdsl explain --checkpoint", "missing-file", ["explain", "--checkpoint", "/nonexistent/model.safetensors"], Expect.Error("/nonexistent/model.safetensors"));
        yield return C("attrdsl rank-methods --checkpoint", "missing-file", ["rank-methods", "--checkpoint", "/nonexistent/model.safetensors", "--output", NeverWritten], Expect.Error("/nonexistent/model.safetensors"));
        yield return C("attrdsl rank-methods --output", "empty", ["rank-methods", "--checkpoint", "/nonexistent/model.safetensors", "--output", ""], Expect.Error("--output"));
        yield return C("attrdsl rank-methods --output", "a-file", ["rank-methods", "--checkpoint", "/nonexistent/model.safetensors", "--output", typeof(CliCases).Assembly.Location], Expect.Error("--output"));
        yield return C("attrdsl decompose --checkpoint", "missing-file", ["decompose", "--checkpoint", "/nonexistent/model.safetensors"], Expect.Error("/nonexistent/model.safetensors"));
        yield return C("attrdsl significance --checkpoint", "missing-file", ["significance", "--checkpoint", "/nonexistent/model.safetensors"], Expect.Error("/nonexistent/model.safetensors"));
        yield return C("attrdsl explain --inputs", "not-indices", ["explain", "--inputs", "a,b"], Expect.Error("--inputs", "a"));
        yield return C("attrdsl explain --inputs", "out-of-range-index", ["explain", "--inputs", "0,5000"], Expect.Error("--inputs", "5000"));
        yield return C("attrdsl decompose --tile", "not-a-divisor", ["decompose", "--tile", "5"], Expect.Error("--tile", "5", "28"));
        // explain-dataset: the shard index, the run's shape, the methods, the files.
        yield return C("attrdsl explain-dataset --shard", "not-below-shards", ExplainDataset("--shard", "2"), Expect.Error("--shard 2", "--shards 2", "0 to 1"));
        yield return C("attrdsl explain-dataset --shard", "no-index-anywhere", ExplainDataset(), Expect.Error("--shard", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"));
        yield return WithEnvironment("attrdsl explain-dataset --shard", "slurm-index-not-a-number", "SLURM_ARRAY_TASK_ID", "abc", ExplainDataset(), Expect.Error("SLURM_ARRAY_TASK_ID", "abc", "--shard"));
        yield return WithEnvironment("attrdsl explain-dataset --shard", "slurm-index-negative", "SLURM_ARRAY_TASK_ID", "-1", ExplainDataset(), Expect.Error("SLURM_ARRAY_TASK_ID", "-1"));
        yield return WithEnvironment("attrdsl explain-dataset --shard", "slurm-index-not-below-shards", "SLURM_ARRAY_TASK_ID", "2", ExplainDataset(), Expect.Error("SLURM_ARRAY_TASK_ID 2", "--shards 2"));
        yield return WithEnvironment("attrdsl explain-dataset --shard", "kubernetes-index-not-below-shards", "JOB_COMPLETION_INDEX", "9", ExplainDataset(), Expect.Error("JOB_COMPLETION_INDEX 9", "--shards 2"));
        yield return C("attrdsl explain-dataset --shards", "missing-option", ["explain-dataset", "--shard", "0", "--output", NeverWritten], Expect.Error("--shards"));
        yield return C("attrdsl explain-dataset --shards", "more-than-digits", ["explain-dataset", "--shard", "0", "--shards", "10", "--count", "5", "--output", NeverWritten], Expect.Error("--shards 10", "5 digits"));
        yield return C("attrdsl explain-dataset --output", "missing-option", ["explain-dataset", "--shard", "0", "--shards", "2"], Expect.Error("--output"));
        yield return C("attrdsl explain-dataset --output", "a-file", ["explain-dataset", "--shard", "0", "--shards", "2", "--output", typeof(CliCases).Assembly.Location], Expect.Error("--output", "is a file"));
        yield return C("attrdsl explain-dataset --checkpoint", "missing-file", ExplainDataset("--shard", "0"), Expect.Error("/nonexistent/model.safetensors"));
        yield return C("attrdsl explain-dataset --methods", "unknown-method", ExplainDataset("--shard", "0", "--methods", "ig,bogus"), Expect.Error("--methods", "bogus", "saliency"));
        yield return C("attrdsl explain-dataset --methods", "misspelt-method", ExplainDataset("--shard", "0", "--methods", "salency"), Expect.Error("--methods", "salency", "saliency"));
        yield return C("attrdsl explain-dataset --methods", "empty-list", ExplainDataset("--shard", "0", "--methods", " , "), Expect.Error("--methods", "empty"));
        yield return C("attrdsl explain-dataset --methods", "named-twice", ExplainDataset("--shard", "0", "--methods", "ig,IG"), Expect.Error("--methods", "twice"));
        yield return C("attrdsl explain-dataset --methods", "missing-value", ["explain-dataset", "--methods"], Expect.Error("--methods"));
        // gather-dataset: nothing to gather.
        yield return C("attrdsl gather-dataset", "unknown-option", ["gather-dataset", "--bogus-option", "1"], Expect.Error("--bogus-option"));
        yield return C("attrdsl gather-dataset", "help", ["gather-dataset", "--help"], Expect.Result("help with the options", r => r is string s && s.Contains("--input", StringComparison.Ordinal) ? null : "no help text"));
        yield return C("attrdsl gather-dataset", "near-miss-option", ["gather-dataset", "--inptu", "shards"], Expect.Error("--inptu", "--input"));
        yield return C("attrdsl gather-dataset --input", "missing-option", ["gather-dataset"], Expect.Error("--input"));
        yield return C("attrdsl gather-dataset --input", "missing-value", ["gather-dataset", "--input"], Expect.Error("--input"));
        yield return C("attrdsl gather-dataset --input", "missing-folder", ["gather-dataset", "--input", "/nonexistent/shards"], Expect.Error("--input", "/nonexistent/shards", "does not exist"));
        yield return C("attrdsl gather-dataset --input", "a-file", ["gather-dataset", "--input", typeof(CliCases).Assembly.Location], Expect.Error("--input", "is a file"));
        yield return new(Area, "attrdsl_gather-dataset_--input", "no-shards-in-folder", () =>
        {
            var empty = Directory.CreateTempSubdirectory("attrdsl-hostile-gather-");
            try { return Run(["gather-dataset", "--input", empty.FullName]); }
            finally { empty.Delete(recursive: true); }
        }, Expect.Error("--input", "no shard files", "attrdsl explain-dataset"));
        yield return C("attrdsl significance --versus", "same-as-digit", ["significance", "--digit", "3", "--versus", "3"], Expect.Error("--versus", "3"));
    }
}
