using AttrDsl.Priors;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Training;

namespace AttrDsl.Tests.Training;

/// <summary>
/// Fit's progress reports: one per step, synchronously, with the epoch's running means equal to the mean of the steps'
/// own reports, the batches per epoch (known up front for a collection, after the first epoch for any other sequence),
/// a rate and a time left that the reports' own numbers imply — and nothing at all when no progress is asked for.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class FitProgressTests
{
    /// <summary>A synchronous IProgress: the reports, in order, as they came (Progress&lt;T&gt; would post them elsewhere).</summary>
    internal sealed class Recorder(Action<TrainingProgress>? onReport = null) : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = [];

        public void Report(TrainingProgress value)
        {
            Reports.Add(value);
            onReport?.Invoke(value);
        }
    }

    internal static nn.Module<Tensor, Tensor> Model(int seed)
    {
        manual_seed(seed);
        return nn.Sequential(nn.Linear(4, 8, dtype: ScalarType.Float64), nn.Tanh(), nn.Linear(8, 3, dtype: ScalarType.Float64));
    }

    internal static List<(Tensor, Tensor)> Batches(int count, int rows = 6)
    {
        manual_seed(11);
        return [.. Enumerable.Range(0, count).Select(_ => (randn([rows, 4], ScalarType.Float64), randint(0, 3, [rows]))).ToList()];
    }

    internal static AttributionPriorTrainer Trainer(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor background) =>
        new(model, static (o, y) => nn.functional.cross_entropy(o, y), optimizer,
            new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = background, References = 2 });

    [Fact]
    public void EveryStepIsReportedWithTheEpochsRunningMeansAndItsPlace()
    {
        using var scope = NewDisposeScope();
        var batches = Batches(4);
        using var model = Model(1);
        using var optimizer = optim.SGD(model.parameters(), 0.05);
        var trainer = Trainer(model, optimizer, batches[0].Item1);
        var steps = new List<StepReport>();
        trainer.StepCompleted += steps.Add;
        var recorder = new Recorder(p => Assert.Same(steps[^1], p.Last));   // told right after its step, before the next one
        var epochs = trainer.Fit(batches, 3, recorder);

        var reports = recorder.Reports;
        Assert.Equal(12, reports.Count);
        for (var i = 0; i < reports.Count; i++)
        {
            var p = reports[i];
            Assert.Equal((i / 4, 3, i % 4 + 1, (long?)4), (p.Epoch, p.Epochs, p.Step, p.StepsPerEpoch));
            Assert.Equal(i % 4 == 3, p.EndsEpoch);
            var epochSoFar = steps.Skip(i / 4 * 4).Take(i % 4 + 1).ToList();
            Assert.Equal(epochSoFar.Average(s => s.TaskLoss), p.TaskLoss, 12);
            Assert.Equal(epochSoFar.Average(s => s.PriorLoss), p.PriorLoss, 12);
            Assert.Equal((i + 1.0) / 12, p.Fraction!.Value, 12);
            // The rate and the time left are what the report's own numbers give: i + 1 steps in Elapsed, 11 − i to go.
            Assert.Equal((i + 1) / p.Elapsed.TotalSeconds, p.StepsPerSecond, 6);
            Assert.Equal((11 - i) / p.StepsPerSecond, p.Remaining!.Value.TotalSeconds, 3);
            if (i > 0) Assert.True(p.Elapsed >= reports[i - 1].Elapsed);
        }
        Assert.Equal(TimeSpan.Zero, reports[^1].Remaining);
        // The last report of each epoch holds the epoch's means, as EpochReport does.
        for (var e = 0; e < 3; e++)
        {
            Assert.Equal(epochs[e].TaskLoss, reports[e * 4 + 3].TaskLoss, 12);
            Assert.Equal(epochs[e].PriorLoss, reports[e * 4 + 3].PriorLoss, 12);
        }
    }

    [Fact]
    public void AOneShotSequencesLengthIsKnownFromTheSecondEpochOn()
    {
        using var scope = NewDisposeScope();
        var batches = Batches(3);
        using var model = Model(1);
        using var optimizer = optim.SGD(model.parameters(), 0.05);
        var trainer = Trainer(model, optimizer, batches[0].Item1);
        var recorder = new Recorder();
        trainer.Fit(Lazily(batches), 2, recorder);

        Assert.Equal(6, recorder.Reports.Count);
        Assert.All(recorder.Reports.Take(3), p => Assert.Null(p.StepsPerEpoch));
        Assert.All(recorder.Reports.Take(3), p => Assert.Null(p.Remaining));
        Assert.All(recorder.Reports.Take(3), p => Assert.Null(p.Fraction));
        Assert.All(recorder.Reports.Take(3), p => Assert.False(p.EndsEpoch));
        Assert.All(recorder.Reports.Skip(3), p => Assert.Equal(3, p.StepsPerEpoch));
        Assert.True(recorder.Reports[^1].EndsEpoch);
        Assert.Equal((3 - 1) / recorder.Reports[3].StepsPerSecond, recorder.Reports[3].Remaining!.Value.TotalSeconds, 3);
    }

    [Fact]
    public void TheMaskedFitReportsItsStepsToo()
    {
        using var scope = NewDisposeScope();
        var batches = Batches(2).Select(b => (b.Item1, b.Item2, zeros_like(b.Item1))).ToList();
        using var model = Model(1);
        using var optimizer = optim.SGD(model.parameters(), 0.05);
        var trainer = new AttributionPriorTrainer(model, static (o, y) => nn.functional.cross_entropy(o, y), optimizer,
            new PriorTrainingOptions { Penalties = [new PenaltyTerm(new AttrDsl.Decomposition.Penalties.RrrPenalty(), 1)] });
        var recorder = new Recorder();
        trainer.Fit(batches, 2, recorder);
        Assert.Equal([1L, 2, 1, 2], recorder.Reports.Select(p => p.Step));
        Assert.Equal([0, 0, 1, 1], recorder.Reports.Select(p => p.Epoch));
    }

    [Fact]
    public void WithoutProgressNothingIsReportedAndTheResultIsTheSame()
    {
        using var scope = NewDisposeScope();
        var batches = Batches(3);
        using var a = Model(1);
        using var b = Model(1);
        using var optA = optim.SGD(a.parameters(), 0.05);
        using var optB = optim.SGD(b.parameters(), 0.05);
        manual_seed(7);
        Trainer(a, optA, batches[0].Item1).Fit(batches, 2);
        manual_seed(7);
        Trainer(b, optB, batches[0].Item1).Fit(batches, 2, new Recorder());
        FitCancellationTests.AssertSameWeights(a, b);
    }

    private static IEnumerable<(Tensor, Tensor)> Lazily(List<(Tensor, Tensor)> batches)
    {
        foreach (var b in batches) yield return b;
    }
}
