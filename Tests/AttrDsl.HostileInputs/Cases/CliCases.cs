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
    public static object Run(string[] args)
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
        try { exit = Commands.Run(args, console, errorConsole); }
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
    ];

    // Options taking one of a fixed set of values.
    private static readonly (string Command, string Option, string Accepted)[] Choices =
    [
        ("train", "--model", "prior"),
        ("train", "--schedule", "summed"),
        ("explain", "--method", "ig"),
        ("significance", "--correction", "holm"),
    ];

    private static readonly string[] Commands_ = ["train", "explain", "decompose", "significance", "report"];

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
        yield return C("attrdsl decompose --checkpoint", "missing-file", ["decompose", "--checkpoint", "/nonexistent/model.safetensors"], Expect.Error("/nonexistent/model.safetensors"));
        yield return C("attrdsl significance --checkpoint", "missing-file", ["significance", "--checkpoint", "/nonexistent/model.safetensors"], Expect.Error("/nonexistent/model.safetensors"));
        yield return C("attrdsl explain --inputs", "not-indices", ["explain", "--inputs", "a,b"], Expect.Error("--inputs", "a"));
        yield return C("attrdsl explain --inputs", "out-of-range-index", ["explain", "--inputs", "0,5000"], Expect.Error("--inputs", "5000"));
        yield return C("attrdsl decompose --tile", "not-a-divisor", ["decompose", "--tile", "5"], Expect.Error("--tile", "5", "28"));
        yield return C("attrdsl significance --versus", "same-as-digit", ["significance", "--digit", "3", "--versus", "3"], Expect.Error("--versus", "3"));
    }
}
