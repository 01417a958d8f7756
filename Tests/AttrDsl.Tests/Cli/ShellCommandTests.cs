using System.Diagnostics;
using System.Text;
using AttrDsl.Cli;

namespace AttrDsl.Tests.Cli;

/// <summary>
/// The report's reproduce lines quote arguments for a POSIX shell: checked against /bin/sh itself, which must hand back
/// exactly the original arguments.
/// </summary>
public sealed class ShellCommandTests
{
    public static TheoryData<string> Awkward => ["plain", "--output", "/tmp/a-b_c.d/x=1,2@3%4+5:6", "with space", "it's", "", "$HOME", "`id`",
        "a\"b", "*", "x;rm -rf y", "~", "ü-ñ", "line\nbreak", "back\\slash", "'", "''", "-", "a'b'c"];

    [Theory]
    [MemberData(nameof(Awkward))]
    public void TheShellReadsTheQuotedArgumentBackUnchanged(string argument)
    {
        var quoted = ShellCommand.Quote(argument);
        Assert.Equal([argument, "end"], Shell($"printf '%s\\0' {quoted} end"));
    }

    [Fact]
    public void PlainArgumentsStayUnquoted()
    {
        Assert.Equal("--threads", ShellCommand.Quote("--threads"));
        Assert.Equal("/tmp/q", ShellCommand.Quote("/tmp/q"));
        Assert.Equal("'a b'", ShellCommand.Quote("a b"));
        Assert.Equal("'it'\\''s'", ShellCommand.Quote("it's"));
        Assert.Equal("''", ShellCommand.Quote(""));
    }

    [Fact]
    public void TheCommandLinesHoldEveryArgument()
    {
        string[] args = ["--threads", "1", "--epochs", "2", "--seed", "3", "--output", "my report"];
        Assert.Equal("attrdsl --threads 1 --epochs 2 --seed 3 --output 'my report'", ShellCommand.Tool(args));
        Assert.Equal("dotnet run -c Release --project Samples/AttrDsl.Cli -- --threads 1 --epochs 2 --seed 3 --output 'my report'", ShellCommand.FromRepository(args));
        Assert.Equal("attrdsl", ShellCommand.Tool([]));
        Assert.Equal("dotnet run -c Release --project Samples/AttrDsl.Cli", ShellCommand.FromRepository([]));
        Assert.Equal(args.Append("end"), Shell($"printf '%s\\0' {string.Join(' ', args.Select(ShellCommand.Quote))} end"));
    }

    [Fact]
    public void AReportWithoutArgumentsReproducesItsSizes()
    {
        Assert.Equal(["--quick"], ReportSettings.QuickSizes("r", 0).CommandLine);
        Assert.Empty(new ReportSettings("r").CommandLine);
        Assert.Equal(["report", "--seed", "4"], (new ReportSettings("r") with { Arguments = ["report", "--seed", "4"] }).CommandLine);
    }

    // The NUL-separated words /bin/sh prints for a script.
    private static string[] Shell(string script)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8 };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output.Split('\0')[..^1];
    }
}
