using System.Diagnostics;
using System.Globalization;
using AttrDsl.Checkpoints;
using AttrDsl.Datasets;
using AttrDsl.MpiScenarios;
using AttrDsl.Priors;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.ScaleOut.Mpi;
using AttrDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

// Usage: AttrDsl.MpiScenarios.dll <train|fit|generated> <summed|alternating> <output prefix> [steps] [global batch] [Adam learning rate]
//        AttrDsl.MpiScenarios.dll die <exit|kill|throw>
//        AttrDsl.MpiScenarios.dll allreduce   (times the all-reduce of the MNIST CNN's gradient buffer alone)
// Started by mpirun. Every rank trains the MNIST CNN with a TV prior on the same global batches: "train" hands each rank's
// share to AttributionPriorTrainer.StepShard, "fit" gives the global batches to AttributionPriorTrainer.Fit and
// "generated" to the generated Fit of an [Explainable] model (the schedule argument is then ignored). Rank 0 writes
// <prefix>.f32 (all parameters, float32, in named_parameters order) and <prefix>.ckpt (Checkpoint.Save) and prints
// one timing line. "die": rank 1 leaves before the first all-reduce; the other ranks wait in it until mpirun ends them.
torch.set_num_threads(1);
var mode = args.ElementAtOrDefault(0);
using var world = MpiCommunicator.World();
if (mode == "die")
{
    if (world.Rank == 1)
    {
        Console.Error.WriteLine("rank 1: leaving before the first all-reduce");
        switch (args.ElementAtOrDefault(1))
        {
            case "kill": Process.GetCurrentProcess().Kill(); break;
            case "throw": throw new InvalidOperationException("rank 1 failed before the all-reduce");
            default: Environment.Exit(3); break;
        }
    }
    var buffer = new float[1000];
    world.AverageInPlace(buffer);   // waits for rank 1, which never comes
    Console.WriteLine($"rank {world.Rank}: the all-reduce returned although rank 1 left");
    return 0;
}
if (mode == "allreduce")
{
    // The all-reduce alone, without a training step around it: the MNIST CNN's gradient buffer (184,591 float32),
    // averaged 200 times back to back after a barrier, so no rank waits for a slower one's backward pass.
    var buffer = new float[184_591];
    world.Barrier();
    var timer = Stopwatch.StartNew();
    for (var i = 0; i < 200; i++) world.AverageInPlace(buffer);
    var ms = timer.Elapsed.TotalMilliseconds / 200;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rank {world.Rank}/{world.Size} allreduce_ms {ms:F3} bytes {buffer.Length * sizeof(float)} GB_per_s {buffer.Length * sizeof(float) / (ms / 1000) / 1e9:F2}"));
    world.Barrier();
    return 0;
}
if (mode is not ("train" or "fit" or "generated") || args.Length < 3)
{
    Console.Error.WriteLine("usage: <train|fit|generated> <summed|alternating> <output prefix> [steps] [global batch] [Adam learning rate] | die <exit|kill|throw>");
    return 2;
}
var schedule = args[1] == "alternating" ? PriorSchedule.Alternating : PriorSchedule.Summed;
var steps = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 20;
var globalBatch = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 64;
var learningRate = args.Length > 5 ? double.Parse(args[5], CultureInfo.InvariantCulture) : 1e-4;

using var mnist = Mnist.Load();
// Each rank initialises its model from its own seed: the trainer starts every rank from rank 0's weights (seed 1, as
// one process), so the runs can only agree if that broadcast happens.
torch.manual_seed(1 + 1000L * world.Rank);
nn.Module<Tensor, Tensor> model = mode == "generated" ? new AttrDsl.Tests.Models.MnistNet() : new MnistNet();
var background = mnist.Images.narrow(0, 0, 200);
var timed = new TimedAverager(world);
// Adam with eps = 1e-6: with the default 1e-8 a gradient component that is zero up to rounding (1e-9) takes a ±lr step
// whose sign is the rounding's, so runs that sum in another order (N ranks, one process) drift apart by several lr.
var optimizer = optim.Adam(model.parameters(), learningRate, eps: 1e-6);
// The global batches, the same on every rank: step t trains on the 64 digits after 200 + 64·t (wrapping).
var batches = Enumerable.Range(0, steps).Select(t =>
{
    var start = (200 + (long)t * globalBatch) % (mnist.Count - globalBatch);
    return (Inputs: mnist.Images.narrow(0, start, globalBatch), Labels: mnist.Labels.narrow(0, start, globalBatch));
}).ToList();
var (shard, count) = BatchShard.Split(globalBatch, world.Rank, world.Size);
if (shard is null) throw new InvalidOperationException($"rank {world.Rank} has no samples: use at most {globalBatch} ranks");

var stepTimes = new List<double>();
StepReport? last = null;
var clock = Stopwatch.StartNew();
if (mode == "generated")
{
    // The generated Fit of an [Explainable] model (its declared TV prior, λ = 1e-3, summed schedule): every rank passes
    // the global batches and trains on its share.
    var generated = (AttrDsl.Tests.Models.MnistNet)model;
    generated.UseBackground(background);
    generated.UseGradientAverager(timed, referenceSeed: 7);
    var reports = generated.Fit(batches, optimizer, epochs: 1, new StepTimes(stepTimes, clock, r => last = r));
}
else
{
    var options = new PriorTrainingOptions
    {
        Priors = [new PriorTerm(new TotalVariation(), 0.01)],
        Background = background,
        References = 1,
        Schedule = schedule,
        ComputeStatistics = false,
        GradientAverager = timed,
        ReferenceSeed = 7,
    };
    var trainer = new AttributionPriorTrainer(model, (o, y) => nn.functional.cross_entropy(o, y), optimizer, options);
    if (mode == "fit")
        trainer.Fit(batches, epochs: 1, new StepTimes(stepTimes, clock, r => last = r));
    else
        foreach (var (inputs, labels) in batches)
        {
            // StepShard: each rank hands over only its own share of the global batch.
            using var scope = NewDisposeScope();
            clock.Restart();
            last = trainer.StepShard(inputs.narrow(0, shard.Offset, count), labels.narrow(0, shard.Offset, count), shard);
            stepTimes.Add(clock.Elapsed.TotalMilliseconds);
        }
}
// Rank 0 writes; the barrier keeps the job alive until it has (a finished rank must not finalise under a writer).
if (world.Rank == 0)
{
    using var noGrad = no_grad();
    var flat = cat(model.parameters().Select(p => p.detach().reshape(-1)).ToArray(), 0).to(ScalarType.Float32).data<float>().ToArray();
    var bytes = new byte[flat.Length * sizeof(float)];
    Buffer.BlockCopy(flat, 0, bytes, 0, bytes.Length);
    File.WriteAllBytes(args[2] + ".f32", bytes);
    Checkpoint.Save(model, args[2] + ".ckpt");
}
// Step time: the mean after the first step (which also probes second derivatives and warms libtorch up).
var steady = stepTimes.Skip(1).DefaultIfEmpty(stepTimes[0]).Average();
var reduceMs = timed.Elapsed.TotalMilliseconds / Math.Max(1, timed.Calls);
var line = string.Create(CultureInfo.InvariantCulture,
    $"rank {world.Rank}/{world.Size} samples {count} step_ms {steady:F2} allreduce_ms_per_call {reduceMs:F3} allreduces {timed.Calls} bytes_per_allreduce {timed.LastBytes} " +
    $"allreduce_share {timed.Elapsed.TotalMilliseconds / stepTimes.Sum():F4} task {last!.TaskLoss:R} prior {last.PriorLoss:R}");
Console.WriteLine(line);
world.Barrier();
return 0;
