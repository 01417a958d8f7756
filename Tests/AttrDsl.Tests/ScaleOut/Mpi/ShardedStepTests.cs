using AttrDsl.Priors;
using AttrDsl.Training;

namespace AttrDsl.Tests.ScaleOut.Mpi;

/// <summary>
/// The sharded step in one process (no MPI): its expected-gradient draws are keyed by the global sample index, so a
/// global batch split into shards draws, sample for sample, what the whole batch draws; and its gradients are those of
/// the loss weighted by B·size/N, averaged by the <see cref="IGradientAverager"/> in one buffer.
/// </summary>
[Collection(AttrDsl.Tests.Infrastructure.GlobalRngCollection.Name)]
public sealed class ShardedStepTests
{
    [Fact]
    public void ShardsOfABatchDrawTheReferencesOfTheWholeBatch()
    {
        using var x = Inputs();
        using var y = tensor(new long[] { 0, 2, 1, 1 });
        // Ω of L1 (the mean |attribution|) is a mean over samples of equal size: the whole batch's Ω is the mean of its
        // single-sample shards' Ω exactly when every sample draws the same references and α in both.
        var whole = Trainer(null).StepShard(x, y, new BatchShard(0, 4)).PriorLoss;
        var shards = Enumerable.Range(0, 4).Select(i => Trainer(null).StepShard(x.narrow(0, i, 1), y.narrow(0, i, 1), new BatchShard(i, 4)).PriorLoss).ToList();
        Assert.Equal(whole, shards.Average(), 6);
        // Keyed by the index, not the rows: the same rows placed elsewhere in the global batch draw other references.
        var moved = Trainer(null).StepShard(x.narrow(0, 0, 1), y.narrow(0, 0, 1), new BatchShard(1, 4)).PriorLoss;
        Assert.NotEqual(shards[0], moved, 6);
    }

    [Fact]
    public void TheAveragerGetsAllGradientsAndTheLossesInOneBufferWeightedByTheShare()
    {
        using var x = Inputs();
        using var y = tensor(new long[] { 0, 2, 1, 1 });
        var recorder = new Recorder(size: 2);
        var trainer = Trainer(recorder, lr: 0);
        // This process holds 1 of 4 samples of a job of 2: its losses are weighted by 1·2/4 = 0.5.
        var report = trainer.StepShard(x.narrow(0, 1, 1), y.narrow(0, 1, 1), new BatchShard(1, 4));
        var reference = Trainer(null, lr: 0).StepShard(x.narrow(0, 1, 1), y.narrow(0, 1, 1), new BatchShard(1, 4));

        var buffer = Assert.Single(recorder.Buffers);
        var parameters = 4 * 3 + 3;
        // Weights and biases, task and prior, one Ω part, then the checks: the global batch size and the step number.
        Assert.Equal(parameters + 2 + 1 + 2, buffer.Length);
        Assert.Equal(4f, buffer[^2]);
        Assert.Equal(0f, buffer[^1]);
        Assert.Equal(0.5 * reference.TaskLoss, buffer[parameters], 5);
        Assert.Equal(0.5 * reference.PriorLoss, buffer[parameters + 1], 5);
        // The averager returned the buffer unchanged, so the report gives the weighted values back.
        Assert.Equal(0.5 * reference.TaskLoss, report.TaskLoss, 5);
    }

    private static Tensor Inputs()
    {
        manual_seed(3);
        return randn(4, 4);
    }

    private static AttributionPriorTrainer Trainer(IGradientAverager? averager, double lr = 0.1)
    {
        manual_seed(5);
        var model = nn.Sequential(nn.Linear(4, 3));
        var options = new PriorTrainingOptions
        {
            Priors = [new PriorTerm(new L1Attribution(), 1)],
            Background = randn(16, 4),
            References = 3,
            GradientAverager = averager,
            ReferenceSeed = 11,
            ComputeStatistics = false,
        };
        return new AttributionPriorTrainer(model, (o, t) => nn.functional.cross_entropy(o, t), optim.SGD(model.parameters(), lr), options);
    }

    /// <summary>Records what the trainer hands to the all-reduce and returns it unchanged.</summary>
    private sealed class Recorder(int size) : IGradientAverager
    {
        public List<float[]> Buffers { get; } = [];
        public int Rank => 0;
        public int Size => size;
        public void AverageInPlace(Span<float> buffer) => Buffers.Add(buffer.ToArray());
        public void AverageInPlace(Span<double> buffer) => throw new InvalidOperationException("a float32 model's gradients travel as float32");
        public void BroadcastInPlace(Span<float> buffer) { }
        public void BroadcastInPlace(Span<double> buffer) => throw new InvalidOperationException("a float32 model's weights travel as float32");
    }
}
