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

    private static double Time(Func<Tensor> call)
    {
        using var scope = NewDisposeScope();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        call();
        return watch.Elapsed.TotalSeconds;
    }

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
        yield return ("ratio of the two medians above", $"{dl / fwdBwd:F2}");
        // The two medians are taken one after the other, so a change of load between them moves their ratio; the ratio of
        // back-to-back pairs (one call of each, alternating which goes first) shares the load within each pair.
        var ratios = new List<double>();
        for (var i = 0; i < 40; i++)
        {
            var first = i % 2 == 0;
            double t1 = Time(first ? () => Gradients.Of(model.forward, x, target) : () => deepLift.Attribute(x, target));
            double t2 = Time(first ? () => deepLift.Attribute(x, target) : () => Gradients.Of(model.forward, x, target));
            ratios.Add(first ? t2 / t1 : t1 / t2);
        }
        ratios.Sort();
        yield return ("**ratio DeepLift / one fwd+bwd, median of 40 back-to-back pairs** (goal ≤ 1.5)", $"**{ratios[ratios.Count / 2]:F2}** (quartiles {ratios[ratios.Count / 4]:F2}–{ratios[3 * ratios.Count / 4]:F2})");
    }
}
