using System.Diagnostics;
using static AttrDsl.Tests.Modules.ModuleKit;

namespace AttrDsl.Tests.Modules
{
    /// <summary>
    /// Runs a scenario in a separate .NET process so that a native crash (SIGSEGV in libtorch) fails
    /// one test instead of aborting the whole test run. The child is this test assembly started with
    /// <c>dotnet exec</c> and a startup hook (<see cref="global::StartupHook"/>) that runs the scenario
    /// named in an environment variable and exits with 0 (passed), 1 (assertion/exception) or the
    /// signal's status (e.g. 139 for SIGSEGV).
    /// </summary>
    internal static class ChildProcess
    {
        public const string Variable = "ATTRDSL_MODULES_TEST_SCENARIO";

        /// <summary>Scenarios runnable in a child, by name.</summary>
        private static readonly Dictionary<string, Action> Scenarios = new()
        {
            ["softplus-grad"] = () => SoftplusGradients(nn.Softplus()),
            ["softplus-beta2-grad"] = () => SoftplusGradients(nn.Softplus(beta: 2, threshold: 5)),
            ["self-test-pass"] = () => { },
            ["self-test-fail"] = () => Assert.Fail("deliberate"),
        };

        private static void SoftplusGradients(Softplus layer)
        {
            var v = AwayFromZero(new Random(35), 40).Select(x => 3 * x).ToList();
            v.AddRange([21.5, 22.0, 4.0, 5.0]);
            using var x = Leaf(v.ToArray(), [4, 11]);
            CheckLayer(layer, x);
        }

        /// <summary>Entry point inside the child (called by the startup hook).</summary>
        public static void RunScenarioAndExit(string name)
        {
            var code = 0;
            try
            {
                if (!Scenarios.TryGetValue(name, out var scenario)) throw new ArgumentException($"unknown scenario '{name}'");
                scenario();
                Console.Out.WriteLine($"scenario {name}: passed");
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

        /// <summary>Runs <paramref name="name"/> in a child process; returns its exit code and output.</summary>
        public static (int exitCode, string output) Run(string name, int timeoutMs = 120_000)
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
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeoutMs))
            {
                p.Kill(entireProcessTree: true);
                return (-1, $"timed out after {timeoutMs} ms");
            }
            p.WaitForExit();
            return (p.ExitCode, (stdout.Result + stderr.Result).Trim());
        }

        /// <summary>Asserts that scenario <paramref name="name"/> passes in a child process, naming a crash as such.</summary>
        public static void AssertPasses(string name)
        {
            var (code, output) = Run(name);
            var what = code switch
            {
                0 => "passed",
                1 => "failed",
                134 => "aborted (SIGABRT)",
                139 => "crashed with SIGSEGV — a native fault the exception barrier cannot catch",
                -1 => "timed out",
                _ => $"exited with status {code}",
            };
            Assert.True(code == 0, $"scenario '{name}' {what}:\n{output}");
        }
    }
}

/// <summary>
/// .NET startup hook (DOTNET_STARTUP_HOOKS): inert unless the scenario variable is set, which only
/// <see cref="AttrDsl.Tests.Modules.ChildProcess.Run"/> does for the child processes it starts.
/// </summary>
internal class StartupHook
{
    public static void Initialize()
    {
        var name = Environment.GetEnvironmentVariable(AttrDsl.Tests.Modules.ChildProcess.Variable);
        if (!string.IsNullOrEmpty(name)) AttrDsl.Tests.Modules.ChildProcess.RunScenarioAndExit(name);
    }
}
