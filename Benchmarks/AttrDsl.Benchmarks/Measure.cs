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
        {
            sw.Restart();
            for (var i = 0; i < perBatch; i++) action();
            samples.Add(sw.Elapsed.TotalSeconds / perBatch);
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
