using System.Globalization;

namespace AttrDsl.Cli;

/// <summary>A training slowdown: the step rate over the first warm steps and the recent one.</summary>
/// <param name="WarmRate">Steps per second over the warm steps (after the skipped first ones).</param>
/// <param name="RecentRate">Steps per second at the median duration of the recent steps.</param>
public sealed record Slowdown(double WarmRate, double RecentRate);

/// <summary>
/// The signs that libtorch's threads wait for cores other processes hold — on a shared machine, several intra-op threads
/// then run much slower than one. Pure functions of measurements, so they are tested with synthetic timings; the
/// <see cref="StarvationWatch"/> feeds them during training.
/// </summary>
public static class ThreadStarvation
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>First steps left out of the warm rate: they allocate, and a prior step's first one also probes second derivatives.</summary>
    public const int SkippedSteps = 2;

    /// <summary>Steps whose rate is the reference.</summary>
    public const int WarmSteps = 10;

    /// <summary>Recent steps whose median duration is compared with it (a median, so a few slow steps — a collection, a
    /// checkpoint — do not count: the slowdown must be sustained).</summary>
    public const int Window = 20;

    /// <summary>The recent rate must be below this fraction of the warm one.</summary>
    public const double Ratio = 1.0 / 3;

    /// <summary>
    /// A sustained slowdown in <paramref name="stepSeconds"/> (each step's duration, in order): the rate at the median of
    /// the last <paramref name="window"/> durations is below <paramref name="ratio"/> × the rate over the
    /// <paramref name="warm"/> steps after the first <paramref name="skip"/>. Null when there is none, or too few steps to
    /// tell (the recent window never overlaps the warm steps).
    /// </summary>
    public static Slowdown? Slowdown(IReadOnlyList<double> stepSeconds, int skip = SkippedSteps, int warm = WarmSteps, int window = Window, double ratio = Ratio)
    {
        ArgumentNullException.ThrowIfNull(stepSeconds);
        if (skip < 0 || warm < 1 || window < 1 || !(ratio > 0 && ratio < 1))
            throw new ArgumentOutOfRangeException(nameof(ratio), "skip ≥ 0, warm ≥ 1, window ≥ 1 and 0 < ratio < 1");
        if (stepSeconds.Count < skip + warm + window) return null;
        var warmSeconds = 0.0;
        for (var i = skip; i < skip + warm; i++) warmSeconds += stepSeconds[i];
        if (!(warmSeconds > 0)) return null;
        var recent = stepSeconds.Skip(stepSeconds.Count - window).Order().ToArray();
        var median = window % 2 == 1 ? recent[window / 2] : (recent[window / 2 - 1] + recent[window / 2]) / 2;
        if (!(median > 0)) return null;
        var (warmRate, recentRate) = (warm / warmSeconds, 1 / median);
        return recentRate < ratio * warmRate ? new Slowdown(warmRate, recentRate) : null;
    }

    /// <summary>
    /// Whether the process's threads wait for cores: it ran with more than one libtorch thread, the machine's load average
    /// exceeds its cores, and over the interval the process got less than <paramref name="share"/> of a core per thread
    /// (<paramref name="cpuSeconds"/> of CPU time in <paramref name="wallSeconds"/>).
    /// </summary>
    public static bool Oversubscribed(double cpuSeconds, double wallSeconds, int threads, double loadAverage, int cores, double share = 0.5) =>
        threads > 1 && wallSeconds > 0 && loadAverage > cores && cpuSeconds / wallSeconds < share * threads;

    /// <summary>The 1-minute load average of a /proc/loadavg line ("2.15 1.80 1.20 3/512 12345"); null if it is not one.</summary>
    public static double? LoadAverage(string? procLoadavg)
    {
        var first = procLoadavg?.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return first is not null && double.TryParse(first, NumberStyles.Float, Inv, out var load) && double.IsFinite(load) && load >= 0 ? load : null;
    }

    /// <summary>
    /// The one-time hint, with the measured numbers: the slowdown, the CPU share and load, or both.
    /// </summary>
    public static string Hint(int threads, int cores, Slowdown? slowdown, (double CoresUsed, double LoadAverage)? load)
    {
        var evidence = new List<string>();
        if (slowdown is not null)
            evidence.Add($"training runs at {slowdown.RecentRate.ToString("F1", Inv)} steps/s, down from {slowdown.WarmRate.ToString("F1", Inv)} steps/s over its first batches");
        if (load is { } l)
            evidence.Add($"libtorch's {threads} threads got {l.CoresUsed.ToString("F1", Inv)} cores of CPU time while the load average is {l.LoadAverage.ToString("F1", Inv)} on {cores} cores");
        var what = evidence.Count > 0 ? string.Join("; ", evidence) : "training slowed down";
        return $"hint: the cores look busy with other work ({what}). With {threads} threads libtorch waits for cores it cannot get; --threads 1 is likely faster.";
    }
}
