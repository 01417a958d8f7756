using System.Diagnostics;

namespace AttrDsl.Training;

/// <summary>
/// A one-line text progress bar on standard error (redrawn in place): steps done, the caller's status (e.g. the
/// losses), speed in steps per second and the time left, for long training loops run from a console. Silent when standard error is redirected, so logs stay clean.
/// </summary>
public sealed class ConsoleProgressBar : IDisposable
{
    private readonly string _label;
    private readonly long _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _enabled = !Console.IsErrorRedirected;
    private long _done;
    private long _lastDrawMs = -1000;

    /// <summary>Starts a bar of <paramref name="total"/> steps.</summary>
    public ConsoleProgressBar(string label, long total) => (_label, _total) = (label, Math.Max(1, total));

    /// <summary>Marks one more step done, with an optional status text.</summary>
    public void Advance(string status = "")
    {
        _done++;
        var now = _clock.ElapsedMilliseconds;
        if (!_enabled || (now - _lastDrawMs < 100 && _done < _total)) return;   // at most 10 redraws a second
        _lastDrawMs = now;
        const int width = 30;
        var filled = (int)(width * _done / _total);
        var eta = _done == 0 ? 0 : now / 1000.0 * (_total - _done) / _done;
        var speed = now == 0 ? 0 : _done * 1000.0 / now;
        Console.Error.Write($"\r{_label} [{new string('#', filled)}{new string('.', width - filled)}] {_done}/{_total} {status} {speed:F1} steps/s eta {eta:F0}s   ");
    }

    /// <summary>Ends the line.</summary>
    public void Dispose()
    {
        if (_enabled) Console.Error.WriteLine();
    }
}
