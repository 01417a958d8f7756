namespace AttrDsl.Benchmarks;

/// <summary>Resident-set readings from /proc (Linux): current RSS and the peak since the last reset.</summary>
internal static class Memory
{
    public static long ResidentBytes() => long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1]) * Environment.SystemPageSize;

    /// <summary>Resets the kernel's peak-RSS counter (VmHWM) to the current RSS: `echo 5 > /proc/self/clear_refs`.</summary>
    public static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    public static long PeakBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:"))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        throw new InvalidOperationException("VmHWM not found in /proc/self/status");
    }

    /// <summary>How far above the starting RSS the process's resident memory peaked while running <paramref name="action"/>.</summary>
    public static double PeakIncreaseMb(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = ResidentBytes();
        ResetPeak();
        action();
        return (PeakBytes() - before) / 1e6;
    }
}
