using System.Diagnostics;

namespace AttrDsl.Tests.ScaleOut.Mpi;

/// <summary>
/// Starts Tests/AttrDsl.MpiScenarios under <c>mpirun -np N</c> (as root too, more ranks than cores allowed) and returns its
/// exit code and output. Without mpirun the calling test fails, saying what to install: CI installs Open MPI, so a
/// missing one is a broken environment, not a reason to skip.
/// </summary>
internal static class MpiRun
{
    internal const string InstallHint = "mpirun is not on PATH: install Open MPI (Debian/Ubuntu: apt-get install -y openmpi-bin libopenmpi-dev) to run the data-parallel tests";

    internal static (int Exit, string Output, TimeSpan Elapsed) Run(int ranks, TimeSpan timeout, params string[] args) =>
        RunProgram(Path.Combine(AppContext.BaseDirectory, "AttrDsl.MpiScenarios.dll"), ranks, timeout, args);

    /// <summary>Starts the .NET program <paramref name="dll"/> under <c>mpirun -np <paramref name="ranks"/></c>.</summary>
    internal static (int Exit, string Output, TimeSpan Elapsed) RunProgram(string dll, int ranks, TimeSpan timeout, params string[] args)
    {
        var mpirun = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);
        Assert.True(mpirun is not null, InstallHint);
        Assert.True(File.Exists(dll), $"{dll} is missing; build the solution");
        var dotnet = Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet";
        var start = new ProcessStartInfo(mpirun!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), dotnet, dll, .. args])
            start.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var job = Process.Start(start)!;
        var stdout = job.StandardOutput.ReadToEndAsync();
        var stderr = job.StandardError.ReadToEndAsync();
        if (!job.WaitForExit(timeout))
        {
            job.Kill(entireProcessTree: true);
            Assert.Fail($"mpirun -np {ranks} {string.Join(' ', args)} ran past {timeout.TotalSeconds} s (a rank hangs):\n{stdout.Result}{stderr.Result}");
        }
        return (job.ExitCode, stdout.Result + stderr.Result, clock.Elapsed);
    }

    /// <summary>The float32 weights a training run's rank 0 wrote to <paramref name="prefix"/>.f32.</summary>
    internal static float[] Weights(string prefix)
    {
        var bytes = File.ReadAllBytes(prefix + ".f32");
        var weights = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, weights, 0, bytes.Length);
        return weights;
    }
}
