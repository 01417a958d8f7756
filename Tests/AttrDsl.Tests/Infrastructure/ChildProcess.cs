using System.Diagnostics;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Infrastructure;

/// <summary>What a child process did: its exit code, standard output and standard error.</summary>
public sealed record ChildRun(int ExitCode, string Output, string Error);

/// <summary>
/// Runs a built program (a .dll beside the tests, e.g. a sample referenced by the test project) in a child process
/// with the same dotnet host, as a user runs it: a value that would terminate libtorch must not take the test host
/// with it, and exit codes and standard error are observed as the user sees them.
/// </summary>
public static class ChildProcess
{
    /// <summary>Runs <paramref name="dll"/> with <paramref name="args"/> in <paramref name="workingDirectory"/>; kills it after <paramref name="timeout"/>.</summary>
    public static ChildRun Run(string dll, string workingDirectory, TimeSpan timeout, ITestOutputHelper? log, params string[] args) =>
        Run(dll, workingDirectory, timeout, log, new Dictionary<string, string?>(), args);

    /// <summary>
    /// As <see cref="Run(string, string, TimeSpan, ITestOutputHelper?, string[])"/>, with <paramref name="environment"/>
    /// set in the child's environment (a null value removes the variable, so the test host's own value cannot leak in).
    /// </summary>
    public static ChildRun Run(string dll, string workingDirectory, TimeSpan timeout, ITestOutputHelper? log,
        IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h
            : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var psi = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var (variable, value) in environment)
        {
            if (value is null) psi.Environment.Remove(variable);
            else psi.Environment[variable] = value;
        }
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        var name = Path.GetFileNameWithoutExtension(dll);
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{name} {string.Join(' ', args)} did not finish in {timeout.TotalMinutes:F0} minutes");
        }
        var result = new ChildRun(p.ExitCode, stdout.Result, stderr.Result);
        log?.WriteLine($"$ {name} {string.Join(' ', args)}  → exit {result.ExitCode}\nstdout: {result.Output}\nstderr: {result.Error}");
        return result;
    }
}
