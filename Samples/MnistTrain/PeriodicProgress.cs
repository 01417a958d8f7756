using AttrDsl.Training;

namespace AttrDsl.Samples.MnistTrain;

/// <summary>
/// Training progress as plain lines, for logs and redirected output (no cursor movement): the first step, then at most
/// one line per <see cref="Interval"/>, and every epoch's last step — so a log is never silent for long and never floods.
/// </summary>
/// <remarks>
/// Time is read from the reports themselves (<see cref="TrainingProgress.Elapsed"/>), so the decision is a function of
/// what was reported; each <c>Fit</c> call starts its clock at zero, and a report whose time went back starts over.
/// </remarks>
public sealed class PeriodicProgress : IProgress<TrainingProgress>
{
    private readonly Action<string> _write;
    private readonly string _label;
    private TimeSpan? _last;

    /// <summary>Writes lines through <paramref name="write"/> (e.g. <c>Console.Error.WriteLine</c>).</summary>
    /// <param name="write">Receives each line.</param>
    /// <param name="label">What is trained, at the start of each line (e.g. the model's name), or empty.</param>
    /// <param name="interval">The least time between two lines within an epoch; default 5 s.</param>
    public PeriodicProgress(Action<string> write, string label = "", TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(label);
        var every = interval ?? TimeSpan.FromSeconds(5);
        if (every < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), every, "the interval between progress lines must be zero or more");
        (_write, _label, Interval) = (write, label, every);
    }

    /// <summary>The least time between two lines within an epoch.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Writes a line for <paramref name="value"/> when it is due.</summary>
    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var due = _last is not { } last || value.Elapsed < last || value.Elapsed - last >= Interval || value.EndsEpoch;
        if (!due) return;
        _last = value.Elapsed;
        _write(ProgressText.Line(_label, value));
    }
}
