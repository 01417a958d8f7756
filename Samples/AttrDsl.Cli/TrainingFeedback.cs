using AttrDsl.Samples.MnistTrain;
using AttrDsl.Training;
using Spectre.Console;

namespace AttrDsl.Cli;

/// <summary>
/// How the CLI shows training: on an interactive console a live progress bar (Spectre.Console) that disappears when the
/// epoch ends; otherwise — output redirected to a file or a pipe — a plain line on the first step, every
/// <see cref="LogInterval"/> and at the epoch's end (<see cref="PeriodicProgress"/>), so a log is never silent for long.
/// Either way a <see cref="StarvationWatch"/> sees every step.
/// </summary>
public static class TrainingFeedback
{
    /// <summary>The least time between two progress lines in redirected output.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="train"/> (one epoch), giving it the progress to report to; <paramref name="label"/> names what
    /// is trained (e.g. "prior epoch 1/3").
    /// </summary>
    public static T Run<T>(IAnsiConsole console, string label, StarvationWatch watch, Func<IProgress<TrainingProgress>, T> train)
    {
        if (!console.Profile.Capabilities.Interactive)
            return train(new Watched(new PeriodicProgress(console.WriteLine, label, LogInterval), watch));
        return console.Progress()
            .AutoClear(true)
            // A narrow bar, so the label and the losses fit an 80-column terminal on one line.
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 16 }, new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(label), maxValue: 1);
                return train(new Watched(new Bar(task, label), watch));
            });
    }

    /// <summary>A Spectre.Console task showing what is trained, the epoch's losses and the speed, and the fraction of the epoch done.</summary>
    private sealed class Bar(ProgressTask task, string label) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.StepsPerEpoch is { } n) task.MaxValue = n;
            else task.IsIndeterminate = true;
            task.Value = value.Step;
            task.Description = Markup.Escape($"{label} {ProgressText.Status(value)}");
        }
    }

    /// <summary>Passes every report on, and tells the starvation watch about the step.</summary>
    private sealed class Watched(IProgress<TrainingProgress> inner, StarvationWatch watch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            inner.Report(value);
            watch.Step(firstOfEpoch: value.Step == 1);
        }
    }
}
