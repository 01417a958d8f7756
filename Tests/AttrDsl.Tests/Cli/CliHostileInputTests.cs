using AttrDsl.Cli;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Visualization;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Cli;

/// <summary>
/// The attrdsl command line against hostile input, run as the user runs it: every numeric option refused below and above
/// its range before any work (one line naming the option, the value and the range; nothing written), parse errors in the
/// user's terms with "did you mean", the ranges in --help, and report folders that appear whole or not at all.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class CliHostileInputTests(CliFixture fixture, ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-cli-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ChildRun Run(params string[] args)
    {
        var run = CliFixture.Run(_dir, args);
        log.WriteLine($"$ attrdsl {string.Join(' ', args)} → exit {run.ExitCode}\nstdout: {run.Output}\nstderr: {run.Error}");
        return run;
    }

    // One "error: " line naming every fragment, exit code 2, no stack trace, no .NET or C++ internals.
    private static string AssertUsageError(ChildRun run, params string[] named)
    {
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got {lines.Length}:\n{run.Error}");
        Assert.StartsWith("error: ", lines[0]);
        foreach (var n in named) Assert.Contains(n, lines[0]);
        var all = run.Error + run.Output;
        foreach (var leak in new[] { "   at ", "Exception", "System.", "AttrDsl.Cli.", "frame #" }) Assert.DoesNotContain(leak, all);
        Assert.Equal(UserError.Usage, run.ExitCode);
        return lines[0];
    }

    // ------------------------------------------------------------------ bounds, below and above

    public static TheoryData<string, string, string, string> Bounds()
    {
        var data = new TheoryData<string, string, string, string>();
        void Both(string command, string option, string below, string above, string range)
        {
            data.Add(command, option, below, range);
            data.Add(command, option, above, range);
        }
        Both("train", "--epochs", "0", "101", "from 1 to 100");
        Both("train", "--seed", "-1", "2147483648", "from 0 to 2147483647");
        Both("train", "--lambda", "0", "100.5", "above 0, up to 100");
        Both("train", "--lr", "-0.1", "2", "above 0, up to 1");
        Both("train", "--train-count", "0", "8001", "from 1 to 8000");
        Both("train", "--threads", "0", "1025", "from 1 to 1024");
        Both("report", "--epochs", "0", "101", "from 1 to 100");
        Both("report", "--seed", "-5", "99999999999", "from 0 to 2147483647");
        Both("report", "--threads", "-1", "5000", "from 1 to 1024");
        Both("explain", "--threads", "0", "2000", "from 1 to 1024");
        Both("decompose", "--input", "-1", "2000", "from 0 to 1999");
        Both("decompose", "--tile", "0", "29", "from 1 to 28");
        Both("decompose", "--threads", "0", "1025", "from 1 to 1024");
        Both("significance", "--digit", "-1", "10", "from 0 to 9");
        Both("significance", "--versus", "-1", "10", "from 0 to 9");
        Both("significance", "--count", "1", "100000", "from 2 to 2000");
        Both("significance", "--baselines", "0", "100000", "from 1 to 100");
        Both("significance", "--points", "1", "2000000000", "from 2 to 10000");
        Both("significance", "--alpha", "0", "1", "between 0 and 1, exclusive");
        Both("significance", "--threads", "0", "1025", "from 1 to 1024");
        Both("explain-dataset", "--shard", "-1", "2000", "from 0 to 1999");
        Both("explain-dataset", "--shards", "0", "2001", "from 1 to 2000");
        Both("explain-dataset", "--count", "0", "2001", "from 1 to 2000");
        Both("explain-dataset", "--steps", "0", "1025", "from 1 to 1024");
        Both("explain-dataset", "--threads", "0", "1025", "from 1 to 1024");
        Both("rank-methods", "--count", "0", "201", "from 1 to 200");
        Both("rank-methods", "--threads", "0", "1025", "from 1 to 1024");
        return data;
    }

    [Theory]
    [MemberData(nameof(Bounds))]
    public void EveryNumericOptionIsBoundedBeforeAnyWork(string command, string option, string value, string range)
    {
        var output = Path.Combine(_dir, command == "train" ? "m.safetensors" : command == "significance" ? "sig.png" : "out");
        string[] args = command is "train" or "report" ? [command, "--output", output] : [command, "--checkpoint", fixture.PriorCheckpoint, "--output", output];
        var line = AssertUsageError(Run([.. args, option, value]), $"{option} {value}", range, "pass ");
        Assert.Contains("out of range", line);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));   // refused before anything was trained or written
    }

    [Fact]
    public void TheMessageNamesTheOptionAsTyped() =>
        AssertUsageError(Run("decompose", "--checkpoint", fixture.PriorCheckpoint, "-i", "5000"), "-i 5000", "from 0 to 1999");

    [Fact]
    public void SignificanceRefusesMoreDigitsThanTheDataHoldsAndSaysHowMany()
    {
        var png = Path.Combine(_dir, "sig.png");
        var line = AssertUsageError(Run("significance", "--checkpoint", fixture.PriorCheckpoint, "--count", "1500", "--output", png),
            "--count 1500", "test 5s", "test 3s", "at most");
        Assert.Matches(@"pass --count \d+ or fewer", line);
        Assert.False(File.Exists(png));
    }

    [Fact]
    public void SignificanceRefusesARunThatWouldTakeTooLong()
    {
        var png = Path.Combine(_dir, "sig.png");
        AssertUsageError(Run("significance", "--checkpoint", fixture.PriorCheckpoint, "--count", "100", "--baselines", "100", "--points", "5000", "--output", png),
            "--count 100", "--baselines 100", "--points 5000", "10,000,000");
        Assert.False(File.Exists(png));
    }

    // ------------------------------------------------------------------ parse errors in the user's terms

    [Theory]
    [InlineData(new[] { "explain", "--method", "magic" }, "--method 'magic'", "ig, eg, smoothgrad, gradcam, occlusion, saliency, inputxgradient, gradientshap")]
    [InlineData(new[] { "train", "--model", "huge" }, "--model 'huge'", "prior, plain")]
    [InlineData(new[] { "train", "--schedule", "sometimes" }, "--schedule 'sometimes'", "summed")]
    [InlineData(new[] { "significance", "--correction", "sometimes" }, "--correction 'sometimes'", "none, bonferroni, holm, benjaminihochberg")]
    [InlineData(new[] { "train", "--lambda", "abc" }, "--lambda 'abc'", "not a number")]
    [InlineData(new[] { "significance", "--alpha", "lots" }, "--alpha 'lots'", "not a number")]
    [InlineData(new[] { "train", "--epochs", "many" }, "--epochs 'many'", "not a whole number")]
    [InlineData(new[] { "significance", "--points", "2.5" }, "--points '2.5'", "not a whole number")]
    public void ParseErrorsSpeakTheUsersTerms(string[] args, string named, string accepted) =>
        AssertUsageError(Run([.. args, "--output", Path.Combine(_dir, "x")]), named, accepted);

    [Fact]
    public void AMisspeltOptionGetsTheNearestOne() =>
        AssertUsageError(Run("explain", "--methd", "ig"), "'--methd'", "did you mean --method?");

    [Fact]
    public void AMisspeltCommandGetsTheNearestOne() =>
        AssertUsageError(Run("trian", "--epochs", "1"), "'trian'", "did you mean 'train'?");

    [Theory]
    [InlineData("significance", "(2–10000)")]
    [InlineData("significance", "(1–100)")]
    [InlineData("train", "(1–8000)")]
    [InlineData("decompose", "(1–28)")]
    [InlineData("report", "(1–1024)")]
    [InlineData("explain-dataset", "(1–2000)")]
    public void HelpShowsTheRanges(string command, string range)
    {
        var run = Run(command, "--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains(range, run.Output);
    }

    // ------------------------------------------------------------------ report folders: whole or not at all

    [Fact]
    public void AReportReplacesTheWholeOldReport()
    {
        var folder = Path.Combine(_dir, "sig-report");
        Directory.CreateDirectory(Path.Combine(folder, "png"));
        File.WriteAllText(Path.Combine(folder, "report.html"), "<html>old</html>");
        File.WriteAllBytes(Path.Combine(folder, "png", "stale.png"), [1, 2, 3]);
        var run = Run("significance", "--checkpoint", fixture.PriorCheckpoint, "--count", "3", "--baselines", "1", "--points", "4",
            "--threads", "1", "--output", Path.Combine(_dir, "sig.png"), "--report", folder);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("which pixels tell a 5 from a 3", File.ReadAllText(Path.Combine(folder, "report.html")));
        Assert.False(Directory.Exists(Path.Combine(folder, "png")), "the old report's files went with it");
        Assert.Empty(Directory.GetFileSystemEntries(_dir, ReportFolder.TemporaryPrefix + "*"));
    }

    [Fact]
    public void AReportFolderHoldingOtherFilesIsRefusedBeforeAnyWork()
    {
        var folder = Path.Combine(_dir, "mine");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "keep me");
        var run = Run("report", "--quick", "--threads", "1", "--output", folder);
        AssertUsageError(run, "--output", "notes.txt", "not part of a report");
        Assert.DoesNotContain("training", run.Output);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(folder, "notes.txt")));
    }
}
