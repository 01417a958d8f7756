using System.Diagnostics;
using System.Globalization;

namespace AttrDsl.Benchmarks;

/// <summary>Runs this benchmark program again with hidden arguments and reads back the one number it prints.</summary>
internal static class ChildProcess
{
    /// <summary>Arguments every child gets after its own (the parent's thread count).</summary>
    public static string[] ExtraArguments { get; set; } = [];

    public static double Run(params string[] args)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            psi.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);   // launched as `dotnet AttrDsl.Benchmarks.dll`
        foreach (var a in args.Concat(ExtraArguments)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"benchmark child {string.Join(' ', args)} failed with exit code {p.ExitCode}: {output}");
        return double.Parse(output.Split('\n')[^1], CultureInfo.InvariantCulture);
    }
}
