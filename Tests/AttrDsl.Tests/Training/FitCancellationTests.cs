using AttrDsl.Tests.Infrastructure;
using AttrDsl.Training;
using static AttrDsl.Tests.Training.FitProgressTests;

namespace AttrDsl.Tests.Training;

/// <summary>
/// Fit's cancellation: a token cancelled before the call trains nothing and reads no batch; one cancelled from a progress
/// report stops Fit after that step, leaving exactly the weights (bitwise) of a trainer that ran that many steps.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class FitCancellationTests
{
    internal static void AssertSameWeights(nn.Module a, nn.Module b)
    {
        var x = a.state_dict();
        var y = b.state_dict();
        Assert.Equal(x.Keys.Order(), y.Keys.Order());
        foreach (var (name, t) in x)
            Assert.True(t.detach().cpu().bytes.SequenceEqual(y[name].detach().cpu().bytes), $"parameter '{name}' differs");
    }

    private static void AssertDifferentWeights(nn.Module a, nn.Module b) =>
        Assert.Contains(a.state_dict(), kv => !kv.Value.detach().cpu().bytes.SequenceEqual(b.state_dict()[kv.Key].detach().cpu().bytes));

    [Fact]
    public void ATokenCancelledBeforeTheCallThrowsAndTrainsNothing()
    {
        using var scope = NewDisposeScope();
        var batches = Batches(3);
        using var model = Model(1);
        using var untouched = Model(1);
        using var optimizer = optim.SGD(model.parameters(), 0.05);
        var trainer = Trainer(model, optimizer, batches[0].Item1);
        var steps = 0;
        trainer.StepCompleted += _ => steps++;
        var read = 0;
        var recorder = new Recorder();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var e = Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(Counted(batches, () => read++), 2, recorder, cancelled.Token));
        Assert.Equal(cancelled.Token, e.CancellationToken);
        Assert.Equal(0, read);
        Assert.Equal(0, steps);
        Assert.Empty(recorder.Reports);
        AssertSameWeights(untouched, model);

        var masked = batches.Select(b => (b.Item1, b.Item2, zeros_like(b.Item1))).ToList();
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(masked, 1, null, cancelled.Token));
        AssertSameWeights(untouched, model);
    }

    [Theory]
    [InlineData(2)]   // within the first epoch
    [InlineData(4)]   // the last step of the first epoch: the epoch completes, the next one never starts
    [InlineData(6)]   // within the second epoch
    public void ATokenCancelledFromAProgressReportStopsAfterThatStepWithItsWeights(int stopAfter)
    {
        using var scope = NewDisposeScope();
        var batches = Batches(4);
        var background = batches[0].Item1;

        // The reference: exactly stopAfter steps, in Fit's order (epoch by epoch, batch by batch).
        using var reference = Model(1);
        using var refOptimizer = optim.Adam(reference.parameters(), 0.01);
        var refTrainer = Trainer(reference, refOptimizer, background);
        manual_seed(21);
        for (var s = 0; s < stopAfter; s++) refTrainer.Step(batches[s % 4].Item1, batches[s % 4].Item2, epoch: s / 4);

        using var model = Model(1);
        using var optimizer = optim.Adam(model.parameters(), 0.01);
        var trainer = Trainer(model, optimizer, background);
        var epochsCompleted = new List<EpochReport>();
        trainer.EpochCompleted += epochsCompleted.Add;
        var stepsRun = 0;
        trainer.StepCompleted += _ => stepsRun++;
        using var source = new CancellationTokenSource();
        var recorder = new Recorder(p =>
        {
            if (p.Epoch * 4 + p.Step == stopAfter) source.Cancel();
        });
        manual_seed(21);
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(batches, 3, recorder, source.Token));

        Assert.Equal(stopAfter, stepsRun);
        Assert.Equal(stopAfter, recorder.Reports.Count);
        Assert.Equal(stopAfter / 4, epochsCompleted.Count);   // an epoch whose last step ran is complete (and reported)
        AssertSameWeights(reference, model);

        // And one step more is a different model: the comparison can tell a step apart.
        refTrainer.Step(batches[stopAfter % 4].Item1, batches[stopAfter % 4].Item2, epoch: stopAfter / 4);
        AssertDifferentWeights(reference, model);
    }

    [Fact]
    public void TheGeneratedFitPassesTheProgressAndTheToken()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var model = new AttrDsl.Tests.Models.MlpModel();
        model.UseBackground(randn(20, 8));
        var batches = Enumerable.Range(0, 3).Select(_ => (randn(4, 8), randint(0, 3, [4]))).ToList();
        using var optimizer = optim.Adam(model.parameters(), 0.01);
        var recorder = new Recorder();
        var epochs = model.Fit(batches, optimizer, 2, recorder);
        Assert.Equal(2, epochs.Count);
        Assert.Equal([1L, 2, 3, 1, 2, 3], recorder.Reports.Select(p => p.Step));
        Assert.True(recorder.Reports.All(p => p.PriorLoss > 0), "the declared L1 prior is trained");

        using var source = new CancellationTokenSource();
        var stopped = new Recorder(p => { if (p.Step == 2) source.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => model.Fit(batches, optimizer, 2, stopped, source.Token));
        Assert.Equal(2, stopped.Reports.Count);
        // The default is silent and runs to the end.
        Assert.Single(model.Fit(batches, optimizer, 1));
    }

    private static IEnumerable<(Tensor, Tensor)> Counted(List<(Tensor, Tensor)> batches, Action onRead)
    {
        foreach (var b in batches)
        {
            onRead();
            yield return b;
        }
    }
}
