using AttrDsl.Attribution;
using AttrDsl.Torch;
using static AttrDsl.Torch.torch;

namespace AttrDsl.Benchmarks;

/// <summary>
/// Integrated gradients (n = 50, Gauss–Legendre) on a CNN batch against 50 × (forward + backward of the same
/// batch): the ratio says how much IG costs beyond the gradient evaluations it cannot avoid. Plus peak memory
/// with and without internal batching.
/// </summary>
internal static class AttributionBenchmarks
{
    private const int Steps = 50;

    public static IEnumerable<(string Name, string Value)> Run()
    {
        manual_seed(0);
        using var model = Cnn();
        model.eval();
        using var x = rand(16, 1, 28, 28);
        using var y = randint(10, [16]);
        var target = Target.PerSample(y);
        var ig = new IntegratedGradients(model.forward);

        var fwdBwd = Measure.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            Gradients.Of(model.forward, x, target);
        }, minSeconds: 3);
        yield return ("50 × (forward + backward), same batch of 16", $"{Steps * fwdBwd * 1e3:F0} ms");
        foreach (var chunk in new int?[] { null, 16, 64 })
        {
            var igTime = Measure.MedianSeconds(() =>
            {
                using var scope = NewDisposeScope();
                ig.Attribute(x, target, nSteps: Steps, method: IntegrationMethod.GaussLegendre, internalBatchSize: chunk);
            }, warmup: 2, minSeconds: 4, minBatches: 5);
            var how = chunk is null ? "all 800 points in one batch" : $"internal_batch_size = {chunk}";
            yield return ($"IG n=50 (Gauss–Legendre), batch 16, {how}", $"{igTime * 1e3:F0} ms");
            yield return ($"**ratio IG / 50·(fwd+bwd)**, {how} (goal ≤ 1.15)", $"**{igTime / (Steps * fwdBwd):F2}**");
        }

        // Peak memory is measured in fresh child processes: in this one the allocator already holds what earlier runs used.
        yield return ("IG peak RSS increase, all 800 points in one batch", $"{ChildProcess.Run("--peak-ig", "0"):F0} MB");
        yield return ("IG peak RSS increase, internal_batch_size = 64", $"{ChildProcess.Run("--peak-ig", "64"):F0} MB");
    }

    /// <summary>Runs IG once in this (fresh) process and returns the peak RSS increase in MB; 0 = no internal batching.</summary>
    public static double PeakIg(int internalBatchSize)
    {
        manual_seed(0);
        using var model = Cnn();
        model.eval();
        using var x = rand(16, 1, 28, 28);
        using var y = randint(10, [16]);
        var ig = new IntegratedGradients(model.forward);
        using (var warm = NewDisposeScope()) Gradients.Of(model.forward, x, Target.PerSample(y));   // load libraries, JIT
        return Memory.PeakIncreaseMb(() =>
        {
            using var s = NewDisposeScope();
            ig.Attribute(x, Target.PerSample(y), nSteps: Steps, internalBatchSize: internalBatchSize > 0 ? internalBatchSize : null);
        });
    }

    internal static nn.Module<Tensor, Tensor> Cnn() => nn.Sequential(
        nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1024, 128), nn.ReLU(), nn.Linear(128, 10));
}
