using System.Diagnostics;

namespace AttrDsl.Benchmarks;

/// <summary>
/// A small timing harness: warm up, then time batches of calls until enough wall time has passed,
/// and report the median per-call time over the batches (robust to the odd GC or scheduler hiccup).
/// </summary>
internal static class Measure
{
    public static double MedianSeconds(Action action, int warmup = 3, double minSeconds = 2.0, int minBatches = 7)
    {
        for (var i = 0; i < warmup; i++) action();
        // Calibrate a batch size that takes ~minSeconds/minBatches.
        var sw = Stopwatch.StartNew();
        action();
        var one = Math.Max(sw.Elapsed.TotalSeconds, 1e-7);
        var perBatch = Math.Max(1, (int)(minSeconds / minBatches / one));
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (samples.Count < minBatches || total.Elapsed.TotalSeconds < minSeconds)
            samples.Add(PerCall(action, perBatch, sw));
        return Median(samples);
    }

    /// <summary>
    /// Times two actions against each other: both are warmed up (at least <paramref name="warmup"/> calls and
    /// <paramref name="warmupSeconds"/> each), then batches of <paramref name="a"/> and <paramref name="b"/> alternate until
    /// enough wall time has passed, and the median per-call time of each is returned. Alternating exposes both sides to
    /// the same machine state, so their ratio holds where the machine's speed drifts during a run (a shared machine, the
    /// first seconds of a process).
    /// </summary>
    public static (double A, double B) MedianSecondsInterleaved(Action a, Action b, int warmup = 3, double warmupSeconds = 1.0,
        double minSeconds = 8.0, int minBatches = 9)
    {
        var sw = Stopwatch.StartNew();
        int PerBatch(Action action)
        {
            var calls = 0;
            sw.Restart();
            while (calls < warmup || sw.Elapsed.TotalSeconds < warmupSeconds)
            {
                action();
                calls++;
            }
            var one = Math.Max(sw.Elapsed.TotalSeconds / calls, 1e-7);
            return Math.Max(1, (int)(minSeconds / 2 / minBatches / one));
        }
        var perA = PerBatch(a);
        var perB = PerBatch(b);
        var samplesA = new List<double>();
        var samplesB = new List<double>();
        var total = Stopwatch.StartNew();
        while (samplesA.Count < minBatches || total.Elapsed.TotalSeconds < minSeconds)
        {
            samplesA.Add(PerCall(a, perA, sw));
            samplesB.Add(PerCall(b, perB, sw));
        }
        return (Median(samplesA), Median(samplesB));
    }

    // One batch of calls, timed: seconds per call.
    private static double PerCall(Action action, int calls, Stopwatch sw)
    {
        sw.Restart();
        for (var i = 0; i < calls; i++) action();
        return sw.Elapsed.TotalSeconds / calls;
    }

    private static double Median(List<double> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
