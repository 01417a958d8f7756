using System.Globalization;
using AttrDsl.Training;

namespace AttrDsl.Samples.MnistTrain;

/// <summary>The samples' one-line description of a <see cref="TrainingProgress"/>, for logs and progress bars.</summary>
public static class ProgressText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// "prior epoch 1/3 step 40/125 task 0.4123 λ·Ω 0.0123 12.3 steps/s eta 0:07" (1-based epoch, left out when the
    /// call trains one epoch — a loop of one-epoch calls puts the epoch in <paramref name="label"/>; the losses are the
    /// epoch's means so far; "step 40" alone while the steps per epoch are unknown; no eta until it is known).
    /// </summary>
    /// <param name="label">What is trained (e.g. the model's name), or empty.</param>
    /// <param name="p">The progress to describe.</param>
    public static string Line(string label, TrainingProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var steps = p.StepsPerEpoch is { } n ? $"{p.Step.ToString(Inv)}/{n.ToString(Inv)}" : p.Step.ToString(Inv);
        var eta = p.Remaining is { } r ? $" eta {Duration(r)}" : "";
        var prefix = string.IsNullOrEmpty(label) ? "" : label + " ";
        var epoch = p.Epochs > 1 ? $"epoch {(p.Epoch + 1).ToString(Inv)}/{p.Epochs.ToString(Inv)} " : "";
        return $"{prefix}{epoch}step {steps} {Status(p)}{eta}";
    }

    /// <summary>"task 0.4123 λ·Ω 0.0123 12.3 steps/s": the epoch's mean losses so far and the speed (a progress bar's text,
    /// beside the bar that shows the steps and the time left).</summary>
    public static string Status(TrainingProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return $"task {p.TaskLoss.ToString("F4", Inv)} λ·Ω {p.PriorLoss.ToString("G4", Inv)} {p.StepsPerSecond.ToString("F1", Inv)} steps/s";
    }

    /// <summary>"0:07", "12:30", "1:02:03": minutes and seconds, with hours when there are any.</summary>
    public static string Duration(TimeSpan t)
    {
        var seconds = (long)Math.Round(Math.Max(0, t.TotalSeconds));
        var (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        return h > 0 ? $"{h.ToString(Inv)}:{m.ToString("00", Inv)}:{s.ToString("00", Inv)}" : $"{m.ToString(Inv)}:{s.ToString("00", Inv)}";
    }
}
