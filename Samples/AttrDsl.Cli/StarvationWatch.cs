using System.Diagnostics;
using static TorchSharp.torch;

namespace AttrDsl.Cli;

/// <summary>
/// Watches one model's training for thread starvation (<see cref="ThreadStarvation"/>) and says so once per process:
/// each step's duration feeds the slowdown test, and every few seconds the process's CPU time and the machine's load
/// average feed the oversubscription test (two intervals in a row). Reads /proc/loadavg where there is one (Linux).
/// </summary>
public sealed class StarvationWatch
{
    private static int s_hinted;   // the hint is printed once per process, whichever model shows it

    private readonly Action<string> _say;
    private readonly int _threads = get_num_threads();
    private readonly int _cores = Environment.ProcessorCount;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<double> _steps = [];
    private TimeSpan? _lastStep;
    private (TimeSpan Wall, TimeSpan Cpu) _sample;
    private int _busyIntervals;
    private (double CoresUsed, double LoadAverage)? _load;

    /// <summary>The interval of the CPU-time and load samples.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(5);

    /// <summary>Watches from now; <paramref name="say"/> prints the hint.</summary>
    public StarvationWatch(Action<string> say)
    {
        _say = say;
        _sample = (_clock.Elapsed, Environment.CpuUsage.TotalTime);
    }

    /// <summary>Records a completed step; <paramref name="firstOfEpoch"/> steps are not timed (their time includes the
    /// evaluation between epochs).</summary>
    public void Step(bool firstOfEpoch)
    {
        var now = _clock.Elapsed;
        if (!firstOfEpoch && _lastStep is { } last) _steps.Add((now - last).TotalSeconds);
        _lastStep = now;
        if (Volatile.Read(ref s_hinted) != 0) return;

        if (now - _sample.Wall >= SampleInterval)
        {
            var cpu = Environment.CpuUsage.TotalTime;
            var (wall, used) = ((now - _sample.Wall).TotalSeconds, (cpu - _sample.Cpu).TotalSeconds);
            _sample = (now, cpu);
            var load = ReadLoadAverage();
            if (load is { } l && ThreadStarvation.Oversubscribed(used, wall, _threads, l, _cores))
            {
                _busyIntervals++;
                _load = (used / wall, l);
            }
            else _busyIntervals = 0;
        }

        var slowdown = _threads > 1 ? ThreadStarvation.Slowdown(_steps) : null;
        if ((slowdown is not null || _busyIntervals >= 2) && Interlocked.Exchange(ref s_hinted, 1) == 0)
            _say(ThreadStarvation.Hint(_threads, _cores, slowdown, _busyIntervals >= 2 ? _load : null));
    }

    private static double? ReadLoadAverage()
    {
        try { return File.Exists("/proc/loadavg") ? ThreadStarvation.LoadAverage(File.ReadAllText("/proc/loadavg")) : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
