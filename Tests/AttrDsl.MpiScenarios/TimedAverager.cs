using System.Diagnostics;
using AttrDsl.Training;

namespace AttrDsl.MpiScenarios;

/// <summary>Measures the time spent in the all-reduce and the bytes it moves, around the communicator the trainer uses.</summary>
internal sealed class TimedAverager(IGradientAverager inner) : IGradientAverager
{
    public int Rank => inner.Rank;
    public int Size => inner.Size;
    public TimeSpan Elapsed { get; private set; }
    public long Calls { get; private set; }
    public long LastBytes { get; private set; }

    public void AverageInPlace(Span<float> buffer)
    {
        var clock = Stopwatch.StartNew();
        inner.AverageInPlace(buffer);
        Record(clock.Elapsed, buffer.Length * sizeof(float));
    }

    public void AverageInPlace(Span<double> buffer)
    {
        var clock = Stopwatch.StartNew();
        inner.AverageInPlace(buffer);
        Record(clock.Elapsed, buffer.Length * sizeof(double));
    }

    public void BroadcastInPlace(Span<float> buffer) => inner.BroadcastInPlace(buffer);

    public void BroadcastInPlace(Span<double> buffer) => inner.BroadcastInPlace(buffer);

    private void Record(TimeSpan elapsed, long bytes) => (Elapsed, Calls, LastBytes) = (Elapsed + elapsed, Calls + 1, bytes);
}

/// <summary>Records each step's time and report as Fit reports it (synchronously, on the training thread).</summary>
internal sealed class StepTimes(List<double> times, Stopwatch clock, Action<StepReport> last) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value)
    {
        times.Add(clock.Elapsed.TotalMilliseconds);
        last(value.Last);
        clock.Restart();
    }
}
