using AttrDsl.Checkpoints;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Training;

namespace AttrDsl.Tests.ScaleOut.Mpi;

/// <summary>
/// Data-parallel training with a total-variation prior: the MNIST CNN trained for 20 steps on fixed global batches of 64
/// by 2 (or 3: an unequal split, 22 + 21 + 21) ranks must end with the weights of one process training on the whole
/// batches — the independent truth that the loss weighting, the gradient averaging (second-order terms included) and
/// the keyed reference draws together reproduce the global batch's step (all runs agree to about 1e-7). The scenario
/// trains with Adam at lr 1e-4 and eps 1e-6: summing in another order changes gradients in the last bits, and with eps
/// 1e-8 a component that is zero up to rounding takes a full ±lr step of the rounding's sign, while larger steps let a
/// last-bit difference flip a ReLU or max-pool decision — either drives runs apart by far more than 1e-5 without any
/// difference between the trainings.
/// </summary>
public sealed class MpiTrainingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(240);

    [Theory]
    [InlineData("summed", 2)]
    [InlineData("alternating", 2)]
    [InlineData("summed", 3)]
    [InlineData("alternating", 3)]
    public void RanksEndWithTheWeightsOfOneProcess(string schedule, int ranks)
    {
        var dir = Directory.CreateTempSubdirectory("attrdsl-mpi-").FullName;
        try
        {
            var (exit1, output1, _) = MpiRun.Run(1, Timeout, "train", schedule, Path.Combine(dir, "one"));
            Assert.True(exit1 == 0, $"one process failed (exit {exit1}):\n{output1}");
            var (exitN, outputN, _) = MpiRun.Run(ranks, Timeout, "train", schedule, Path.Combine(dir, "many"));
            Assert.True(exitN == 0, $"{ranks} ranks failed (exit {exitN}):\n{outputN}");

            var one = MpiRun.Weights(Path.Combine(dir, "one"));
            var many = MpiRun.Weights(Path.Combine(dir, "many"));
            Assert.Equal(one.Length, many.Length);
            var worst = one.Zip(many, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-5, $"{ranks} ranks ended {worst:G3} away from one process (tolerance 1e-5)");

            // Every rank reports the global batch's losses and its own sample count.
            for (var r = 0; r < ranks; r++) Assert.Contains($"rank {r}/{ranks} samples {64 / ranks + (r < 64 % ranks ? 1 : 0)} ", outputN);

            // Training moved the weights (a run that trained nothing would match trivially), and rank 0's checkpoint holds them.
            using var fresh = FreshModel();
            var initial = fresh.parameters().SelectMany(p => p.detach().reshape(-1).data<float>().ToArray()).ToArray();
            Assert.True(initial.Zip(one, (a, b) => Math.Abs(a - b)).Max() > 5e-4, "the weights did not change in 20 steps");
            Checkpoint.Load(fresh, Path.Combine(dir, "many.ckpt"));
            var loaded = fresh.parameters().SelectMany(p => p.detach().reshape(-1).data<float>().ToArray()).ToArray();
            Assert.Equal(many, loaded);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// The entry points that take the global batches on every rank — <see cref="AttributionPriorTrainer.Fit(IEnumerable{ValueTuple{Tensor, Tensor}}, int, IProgress{TrainingProgress}?, System.Threading.CancellationToken)"/>
    /// and an [Explainable] model's generated Fit after <c>UseGradientAverager</c> — end with one process's weights
    /// too. Each rank initialises its model from its own seed, so they can only agree if every rank starts from rank 0's
    /// weights (the trainer's broadcast).
    /// </summary>
    [Theory]
    [InlineData("fit", "summed", 2)]
    [InlineData("fit", "alternating", 3)]
    [InlineData("generated", "summed", 2)]
    public void GlobalBatchEntryPointsEndWithTheWeightsOfOneProcess(string mode, string schedule, int ranks)
    {
        var dir = Directory.CreateTempSubdirectory("attrdsl-mpi-").FullName;
        try
        {
            var (exit1, output1, _) = MpiRun.Run(1, Timeout, mode, schedule, Path.Combine(dir, "one"));
            Assert.True(exit1 == 0, $"one process failed (exit {exit1}):\n{output1}");
            var (exitN, outputN, _) = MpiRun.Run(ranks, Timeout, mode, schedule, Path.Combine(dir, "many"));
            Assert.True(exitN == 0, $"{ranks} ranks failed (exit {exitN}):\n{outputN}");
            var one = MpiRun.Weights(Path.Combine(dir, "one"));
            var many = MpiRun.Weights(Path.Combine(dir, "many"));
            var worst = one.Zip(many, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-5, $"{mode}: {ranks} ranks ended {worst:G3} away from one process (tolerance 1e-5)");
            for (var r = 0; r < ranks; r++) Assert.Contains($"rank {r}/{ranks} samples {64 / ranks + (r < 64 % ranks ? 1 : 0)} ", outputN);
            // 20 steps, each one all-reduce (two with the alternating schedule: the task and the prior phase).
            Assert.Contains($"allreduces {(schedule == "alternating" && mode != "generated" ? 40 : 20)} ", outputN);
            using var fresh = FreshModel();
            var initial = fresh.parameters().SelectMany(p => p.detach().reshape(-1).data<float>().ToArray()).ToArray();
            Assert.True(initial.Zip(one, (a, b) => Math.Abs(a - b)).Max() > 5e-4, "the weights did not change in 20 steps");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// <c>mpirun -np 2 attrdsl train --data-parallel</c>: the command as users run it (the generated Fit of the CLI's
    /// [Explainable] CNN, 8 steps of 64 digits at lr 1e-4) writes one checkpoint, from process 0, equal to one process's,
    /// and prints its lines once.
    /// </summary>
    [Fact]
    public void TheTrainCommandTrainsDataParallelAndProcessZeroWritesTheCheckpoint()
    {
        var dir = Directory.CreateTempSubdirectory("attrdsl-mpi-cli-").FullName;
        try
        {
            var cli = typeof(AttrDsl.Cli.Commands).Assembly.Location;
            string[] Args(string name) => ["train", "--data-parallel", "--epochs", "1", "--train-count", "512", "--lr", "1e-4", "--threads", "1", "--output", Path.Combine(dir, name)];
            var (exit1, output1, _) = MpiRun.RunProgram(cli, 1, Timeout, Args("one.safetensors"));
            Assert.True(exit1 == 0, $"one process failed (exit {exit1}):\n{output1}");
            var (exit2, output2, _) = MpiRun.RunProgram(cli, 2, Timeout, Args("two.safetensors"));
            Assert.True(exit2 == 0, $"two processes failed (exit {exit2}):\n{output2}");
            Assert.Contains("data-parallel over 2 MPI processes", output2);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(output2, "checkpoint: "));

            var (one, _) = AttrDsl.Cli.Networks.Load(Path.Combine(dir, "one.safetensors"));
            var (two, metadata) = AttrDsl.Cli.Networks.Load(Path.Combine(dir, "two.safetensors"));
            Assert.Equal("2", metadata["processes"]);
            var a = one.parameters().SelectMany(p => p.detach().reshape(-1).data<float>().ToArray()).ToArray();
            var b = two.parameters().SelectMany(p => p.detach().reshape(-1).data<float>().ToArray()).ToArray();
            var worst = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
            Assert.True(worst <= 1e-5, $"2 processes ended {worst:G3} away from one process (tolerance 1e-5)");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData(64, 2)]
    [InlineData(64, 3)]
    [InlineData(5, 8)]
    public void SplitCoversTheGlobalBatchOnceInOrder(long global, int size)
    {
        long next = 0;
        for (var rank = 0; rank < size; rank++)
        {
            var (shard, count) = BatchShard.Split(global, rank, size);
            Assert.InRange(count, global / size, global / size + 1);
            if (count == 0) { Assert.Null(shard); continue; }
            Assert.Equal(next, shard!.Offset);
            Assert.Equal(global, shard.GlobalCount);
            next += count;
        }
        Assert.Equal(global, next);
    }

    private static MnistNet FreshModel()
    {
        torch.manual_seed(1);
        return new MnistNet();
    }
}
