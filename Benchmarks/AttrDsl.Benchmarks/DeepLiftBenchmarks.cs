using AttrDsl.Attribution;
using AttrDsl.Samples.MnistTrain;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Benchmarks;

/// <summary>
/// DeepLift on the MNIST CNN (a batch of 64, zero reference) against one forward + backward (gradient to the input) of
/// the same batch: what following the forward through the decomposition rules, the reference's forward and the
/// multipliers cost beyond the gradient itself.
/// </summary>
internal static class DeepLiftBenchmarks
{
    private const int Batch = 64;

    public static IEnumerable<(string Name, string Value)> Run()
    {
        manual_seed(0);
        using var model = new MnistNet();
        model.eval();
        using var x = rand(Batch, 1, 28, 28);
        using var y = randint(10, [Batch]);
        var target = Target.PerSample(y);
        var fwdBwd = Measure.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            Gradients.Of(model.forward, x, target);
        }, warmup: 3, minSeconds: 4, minBatches: 5);
        yield return ($"one forward + backward (input gradient), MNIST CNN, batch {Batch}", $"{fwdBwd * 1e3:F1} ms");
        var deepLift = new DeepLift(model);
        var dl = Measure.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            deepLift.Attribute(x, target);
        }, warmup: 3, minSeconds: 4, minBatches: 5);
        yield return ($"DeepLift (Rescale, zero reference), batch {Batch}", $"{dl * 1e3:F1} ms");
        yield return ("**ratio DeepLift / one fwd+bwd of the same batch** (goal ≤ 1.5)", $"**{dl / fwdBwd:F2}**");
    }
}
