using System.Diagnostics;

namespace AttrDsl.Tests.Robustness;

/// <summary>
/// Each misuse that kills a process inside TorchSharp's unguarded <c>autograd.grad</c> (TORCHSHARP.md §2) runs in a
/// child process through AttrDsl's public API; the child must end normally with a .NET exception naming the problem.
/// A control scenario calls TorchSharp's own <c>autograd.grad</c> and must die, so these tests can tell a crash.
/// </summary>
public class CrashTests
{
    [Theory]
    [InlineData("no-gradient-path", "does not require grad")]
    [InlineData("unused-input", "does not depend on its input")]
    [InlineData("inplace-saved-tensor", "in place")]
    [InlineData("freed-graph", "graph was freed")]
    public void MisuseEndsInADotNetExceptionNamingTheProblem(string scenario, string expected)
    {
        var (exit, output) = Run(scenario);
        Assert.True(exit == 0, $"the child died (exit {exit}) instead of throwing:\n{output}");
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("EXCEPTION ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no .NET exception was raised:\n{output}");
        Assert.Contains(expected, line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void SecondOrderGradientCompletesAndMatchesFiniteDifferences()
    {
        var (exit, output) = Run("second-order");
        Assert.True(exit == 0, $"the child died (exit {exit}):\n{output}");
        Assert.Contains("OK second-order gradient", output);
    }

    [Fact]
    public void ControlTorchSharpsOwnGradKillsTheProcess()
    {
        var (exit, output) = Run("control-torchsharp-grad-unused");
        Assert.NotEqual(0, exit);
        Assert.Contains("terminate called", output);
    }

    private static (int Exit, string Output) Run(string scenario)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "AttrDsl.CrashScenarios.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; build Tests/AttrDsl.CrashScenarios");
        var start = new ProcessStartInfo(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(scenario);
        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(120_000))
        {
            child.Kill(entireProcessTree: true);
            Assert.Fail($"scenario {scenario} ran past 120 s");
        }
        return (child.ExitCode, stdout.Result + stderr.Result);
    }
}
