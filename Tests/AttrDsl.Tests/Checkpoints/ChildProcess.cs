using System.Collections.Concurrent;
using System.Diagnostics;

namespace AttrDsl.Tests.Checkpoints;

/// <summary>
/// Runs a scenario of this test assembly in a separate .NET process that a test can kill (SIGKILL) at a moment of its
/// choosing. The child is this assembly started with <c>dotnet exec</c> and a startup hook (<see cref="global::StartupHook"/>)
/// that runs the scenario named in an environment variable and exits; the test host itself never sets that variable.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    public const string Variable = "ATTRDSL_TESTS_CHILD_SCENARIO";

    /// <summary>Scenarios runnable in a child, by name; each reads its arguments from the environment.</summary>
    private static readonly Dictionary<string, Action> Scenarios = new()
    {
        ["checkpoint-save-forever"] = CheckpointChildScenarios.SaveForever,
        ["runtime-leaves-allocator-alone"] = AllocatorChildScenarios.RuntimeLeavesTheAllocatorAlone,
        ["create-graph-trainer"] = Training.CreateGraphWarningScenarios.TrainWithPriors,
        ["create-graph-control-leaf"] = Training.CreateGraphWarningScenarios.TorchBackwardOnALeaf,
        ["explain-shard-slowly"] = ScaleOut.ShardChildScenarios.ExplainShardSlowly,
    };

    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];
    private readonly ConcurrentQueue<string> _errors = new();

    private ChildProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is null) _lines.CompleteAdding(); else _lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _errors.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Starts scenario <paramref name="name"/> in a child, with extra environment variables.</summary>
    public static ChildProcess Start(string name, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = typeof(ChildProcess).Assembly.Location;
        var dir = Path.GetDirectoryName(dll)!;
        var stem = Path.GetFileNameWithoutExtension(dll);
        var host = Environment.ProcessPath;
        if (host is null || !Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var psi = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        foreach (var a in new[] { "exec", "--runtimeconfig", Path.Combine(dir, stem + ".runtimeconfig.json"), "--depsfile", Path.Combine(dir, stem + ".deps.json"), dll })
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_STARTUP_HOOKS"] = dll;
        psi.Environment[Variable] = name;
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        return new ChildProcess(Process.Start(psi)!);
    }

    /// <summary>Waits for an output line starting with <paramref name="prefix"/>; fails with the child's output otherwise.</summary>
    public string WaitForLine(string prefix, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !_lines.TryTake(out var line, left))
                throw new TimeoutException($"the child printed no line starting with '{prefix}' within {timeout.TotalSeconds:F0} s " +
                                           $"(exited: {_process.HasExited}); stderr:\n{string.Join("\n", _errors)}");
            if (line.StartsWith(prefix, StringComparison.Ordinal)) return line;
        }
    }

    /// <summary>Kills the child with SIGKILL (no handler, no finally block, no flush runs in it) and reaps it.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Waits for the child to exit by itself; returns its exit code and everything it printed.</summary>
    public (int ExitCode, string Output) WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) throw new TimeoutException($"the child did not exit within {timeout.TotalSeconds:F0} s");
        _process.WaitForExit();   // drains the output
        return (_process.ExitCode, string.Join("\n", _lines.GetConsumingEnumerable().Concat(_errors)));
    }

    /// <summary>Kills the child if it still runs.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) Kill();
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        _lines.Dispose();
    }

    /// <summary>Entry point inside the child (called by the startup hook): runs the scenario and exits.</summary>
    public static void RunScenarioAndExit(string name)
    {
        var code = 0;
        try
        {
            if (!Scenarios.TryGetValue(name, out var scenario)) throw new ArgumentException($"unknown scenario '{name}'");
            scenario();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"scenario {name}: {e.GetType().Name}: {e.Message}");
            code = 1;
        }
        Console.Out.Flush();
        Console.Error.Flush();
        Environment.Exit(code);
    }
}
