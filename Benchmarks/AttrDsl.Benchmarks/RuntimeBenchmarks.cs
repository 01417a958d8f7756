using AttrDsl.Samples.MnistTrain;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Benchmarks;

/// <summary>The foundation's numbers: call overhead, matmul throughput, one training step of an MLP and of the MNIST CNN.</summary>
internal static class RuntimeBenchmarks
{
    public static IEnumerable<(string Name, string Value)> Run()
    {
        using var a = ones(1);
        using var b = ones(1);
        var add = Measure.MedianSeconds(() => { using var c = a + b; });
        yield return ("1-element add, per call (alloc + op + free)", $"{add * 1e9:F0} ns");

        using var m1 = randn(512, 512);
        using var m2 = randn(512, 512);
        var mm = Measure.MedianSeconds(() => { using var c = m1.mm(m2); });
        yield return ("512x512 float32 matmul", $"{2.0 * 512 * 512 * 512 / mm / 1e9:F1} GFLOP/s ({mm * 1e3:F2} ms)");

        manual_seed(0);
        using (var mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)))
            yield return ("MLP 784-256-128-10 train step, batch 64 (Adam)", $"{TrainStep(mlp, [64, 784]) * 1e3:F2} ms");

        using (var cnn = new MnistNet())
            yield return ("MNIST CNN (MnistNet: conv32-conv64-fc128) train step, batch 64 (Adam)", $"{TrainStep(cnn, [64, 1, 28, 28]) * 1e3:F2} ms");
    }

    private static double TrainStep(nn.Module<Tensor, Tensor> model, long[] inputShape)
    {
        using var x = randn(inputShape);
        using var y = randint(10, [inputShape[0]]);
        using var opt = optim.Adam(model.parameters(), 1e-3);
        return TrainStepSeconds(model, opt, x, y);
    }

    /// <summary>Median seconds of one plain step: zero_grad, cross-entropy forward, backward, optimizer step (each in its own dispose scope).</summary>
    public static double TrainStepSeconds(nn.Module<Tensor, Tensor> model, optim.Optimizer opt, Tensor x, Tensor y)
    {
        model.train();
        return Measure.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(x), y);
            loss.backward();
            opt.step();
        }, minSeconds: 4);
    }
}
