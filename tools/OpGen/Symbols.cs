using System.Diagnostics;

namespace AttrDsl.OpGen;

/// <summary>Reads the exported <c>at::_ops</c> entry points of libtorch_cpu.so with binutils (nm, c++filt).</summary>
public static class Symbols
{
    public static IReadOnlyDictionary<string, string> Read(string libtorchCpu)
    {
        if (!File.Exists(libtorchCpu))
            throw new FileNotFoundException($"libtorch_cpu.so not found at {libtorchCpu}; run 'dotnet restore' first so the libtorch-cpu-linux-x64 package is in the NuGet cache.");
        var mangled = Run("nm", $"-D --defined-only \"{libtorchCpu}\"")
            .Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 3 && p[1] == "T" && p[2].StartsWith("_ZN2at4_ops") && p[2].Contains("4call"))
            .Select(p => p[2])
            .ToList();
        var demangled = Run("c++filt", "", string.Join('\n', mangled)).Split('\n');
        var map = new Dictionary<string, string>();
        for (var i = 0; i < mangled.Count; i++) map[demangled[i].Trim()] = mangled[i];
        return map;
    }

    /// <summary>The libtorch_cpu.so inside the NuGet cache.</summary>
    public static string DefaultLibrary(string version = "2.10.0")
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(root, "libtorch-cpu-linux-x64", version, "runtimes", "linux-x64", "native", "libtorch_cpu.so");
    }

    private static string Run(string file, string args, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardInput = stdin != null, UseShellExecute = false };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        if (stdin != null)
        {
            var writer = Task.Run(() => { p.StandardInput.Write(stdin); p.StandardInput.Close(); });
            var output = p.StandardOutput.ReadToEnd();
            writer.Wait();
            p.WaitForExit();
            return output;
        }
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return o;
    }
}
