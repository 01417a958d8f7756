using AttrDsl.Samples.MnistTrain;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Training;

namespace AttrDsl.Tests.Samples;

/// <summary>
/// The samples' progress display: the line's wording and numbers, the plain-line reporter's timing (first step, every
/// interval, every epoch's end, a new Fit call) and the plain training loop's reports.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class ProgressDisplayTests
{
    private static TrainingProgress P(double seconds, long step, long? perEpoch = 125, int epoch = 0, int epochs = 1, double remaining = 7.4) =>
        new(epoch, epochs, step, perEpoch, 0.41234, 0.0125, 12.34, TimeSpan.FromSeconds(seconds), perEpoch is null ? null : TimeSpan.FromSeconds(remaining),
            new StepReport(epoch, step - 1, 0.4, 0.01, new Dictionary<string, double>(), null));

    [Fact]
    public void TheLineSaysWhereTrainingStandsAndHowFastItGoes()
    {
        Assert.Equal("prior epoch 2/3 step 40/125 task 0.4123 λ·Ω 0.0125 12.3 steps/s eta 0:07", ProgressText.Line("prior epoch 2/3", P(3, 40)));
        Assert.Equal("epoch 2/3 step 40/125 task 0.4123 λ·Ω 0.0125 12.3 steps/s eta 0:07", ProgressText.Line("", P(3, 40, epoch: 1, epochs: 3)));
        Assert.Equal("x step 40 task 0.4123 λ·Ω 0.0125 12.3 steps/s", ProgressText.Line("x", P(3, 40, perEpoch: null)));
        Assert.Equal("task 0.4123 λ·Ω 0.0125 12.3 steps/s", ProgressText.Status(P(3, 40)));
    }

    [Theory]
    [InlineData(0, "0:00")]
    [InlineData(-3, "0:00")]
    [InlineData(59.6, "1:00")]
    [InlineData(754, "12:34")]
    [InlineData(3725, "1:02:05")]
    public void DurationsAreMinutesAndSeconds(double seconds, string expected) =>
        Assert.Equal(expected, ProgressText.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void PlainLinesComeOnTheFirstStepEveryIntervalAndAtTheEpochsEnd()
    {
        var lines = new List<string>();
        var progress = new PeriodicProgress(lines.Add, "m", TimeSpan.FromSeconds(5));
        var reports = new[]
        {
            P(0.1, 1),                     // the first: written
            P(1.0, 2), P(5.0, 30),         // within 5 s of it: not
            P(5.2, 31),                    // 5.1 s after it: written
            P(9.0, 60),                    // 3.8 s after that: not
            P(10.3, 90),                   // written
            P(11.0, 125),                  // the epoch's last step: written
            P(0.05, 1, epoch: 0),          // a new Fit call (its clock starts over): written
            P(2.0, 2),                     // not
        };
        var written = new List<long>();
        foreach (var r in reports)
        {
            var before = lines.Count;
            progress.Report(r);
            if (lines.Count > before) written.Add(r.Step);
        }
        Assert.Equal([1L, 31, 90, 125, 1], written);
        Assert.Equal(ProgressText.Line("m", reports[3]), lines[1]);
    }

    [Fact]
    public void AZeroIntervalWritesEveryStepAndANegativeOneIsRefused()
    {
        var lines = new List<string>();
        var progress = new PeriodicProgress(lines.Add, interval: TimeSpan.Zero);
        for (var i = 1; i <= 4; i++) progress.Report(P(1, i));
        Assert.Equal(4, lines.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeriodicProgress(lines.Add, interval: TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentNullException>(() => new PeriodicProgress(null!));
        Assert.Throws<ArgumentNullException>(() => progress.Report(null!));
    }

    [Fact]
    public void ThePlainLoopReportsEveryStepLikeFit()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = nn.Sequential(nn.Linear(4, 3));
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        var batches = Enumerable.Range(0, 3).Select(_ => (randn(5, 4), randint(0, 3, [5]))).ToList();
        var reports = new List<TrainingProgress>();
        var means = new List<double>();
        var mean = MnistTraining.TrainEpoch(model, optimizer, batches, means.Add, progress: new Recorder(reports.Add));

        Assert.Equal([1L, 2, 3], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal((0, 1, (long?)3, 0.0), (r.Epoch, r.Epochs, r.StepsPerEpoch, r.PriorLoss)));
        Assert.Equal(means, reports.Select(r => r.TaskLoss));
        Assert.Equal(mean, reports[^1].TaskLoss);
        // Each step's own loss: the running means are their means.
        for (var i = 0; i < 3; i++) Assert.Equal(reports.Take(i + 1).Average(r => r.Last.TaskLoss), reports[i].TaskLoss, 6);
        Assert.True(reports[^1].EndsEpoch);
        Assert.Equal(TimeSpan.Zero, reports[^1].Remaining);
    }

    private sealed class Recorder(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }
}
