using AttrDsl.Attribution;
using AttrDsl.Samples.MnistTrain;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Benchmarks;

/// <summary>
/// Integrated gradients (n = 50, Gauss–Legendre, a batch of 16 → 800 interpolation rows) on the MNIST CNN against one
/// forward + backward (gradient to the input) of exactly those 800 rows: the ratio says how much IG costs beyond the
/// gradient evaluation it cannot avoid. Plus peak memory with and without internal batching.
/// </summary>
internal static class AttributionBenchmarks
{
    private const int Steps = 50;
    private const int Batch = 16;

    public static IEnumerable<(string Name, string Value)> Run()
    {
        manual_seed(0);
        using var model = new MnistNet();
        model.eval();
        Func<Tensor, Tensor> forward = model.forward;
        using var x = rand(Batch, 1, 28, 28);
        using var y = randint(10, [Batch]);
        var target = Target.PerSample(y);
        var ig = new IntegratedGradients(forward);

        // The rows IG evaluates: x' + α_s (x − x') for the Gauss–Legendre nodes, zero baseline, sample-major as IG builds them.
        using var rows = InterpolationRows(x);
        var rowTarget = target.Repeat(Steps);
        var fwdBwd = Measure.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            Gradients.Of(forward, rows, rowTarget);
        }, minSeconds: 4);
        yield return ($"one forward + backward (input gradient) of the {Batch * Steps} interpolation rows", $"{fwdBwd * 1e3:F0} ms");
        foreach (var chunk in new int?[] { null, 64 })
        {
            var igTime = Measure.MedianSeconds(() =>
            {
                using var scope = NewDisposeScope();
                ig.Attribute(x, target, nSteps: Steps, method: IntegrationMethod.GaussLegendre, internalBatchSize: chunk);
            }, warmup: 2, minSeconds: 4, minBatches: 5);
            var how = chunk is null ? $"all {Batch * Steps} rows in one batch" : $"internal_batch_size = {chunk}";
            yield return ($"IG n={Steps} (Gauss–Legendre), batch {Batch}, {how}", $"{igTime * 1e3:F0} ms");
            yield return (chunk is null
                ? $"**ratio IG / one fwd+bwd of the same {Batch * Steps} rows**, {how} (goal ≤ 1.10)"
                : $"ratio IG / one fwd+bwd of the same {Batch * Steps} rows, {how}", chunk is null ? $"**{igTime / fwdBwd:F2}**" : $"{igTime / fwdBwd:F2}");
        }

        // Peak memory is measured in fresh child processes: in this one the allocator already holds what earlier runs used.
        yield return ($"IG peak RSS increase, all {Batch * Steps} rows in one batch", $"{ChildProcess.Run("--peak-ig", "0"):F0} MB");
        yield return ("IG peak RSS increase, internal_batch_size = 64", $"{ChildProcess.Run("--peak-ig", "64"):F0} MB");
    }

    /// <summary>Runs IG once in this (fresh) process and returns the peak RSS increase in MB; 0 = no internal batching.</summary>
    public static double PeakIg(int internalBatchSize)
    {
        manual_seed(0);
        using var model = new MnistNet();
        model.eval();
        Func<Tensor, Tensor> forward = model.forward;
        using var x = rand(Batch, 1, 28, 28);
        using var y = randint(10, [Batch]);
        var ig = new IntegratedGradients(forward);
        using (var warm = NewDisposeScope()) Gradients.Of(forward, x, Target.PerSample(y));   // load libraries, JIT
        return Memory.PeakIncreaseMb(() =>
        {
            using var s = NewDisposeScope();
            ig.Attribute(x, Target.PerSample(y), nSteps: Steps, internalBatchSize: internalBatchSize > 0 ? internalBatchSize : null);
        });
    }

    /// <summary>[B·n, ...]: for every sample its n Gauss–Legendre points α_s·x on the path from the zero baseline.</summary>
    private static Tensor InterpolationRows(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (alphas, _) = IntegrationRule.Get(IntegrationMethod.GaussLegendre, Steps);
        var a = tensor(alphas, [1, Steps, 1, 1, 1], x.dtype);
        var shape = x.shape;
        shape[0] *= Steps;
        return (a * x.unsqueeze(1)).reshape(shape).MoveToOuterDisposeScope();
    }
}
