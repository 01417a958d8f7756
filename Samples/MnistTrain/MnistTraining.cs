using AttrDsl.Data;
using AttrDsl.Torch;
using static AttrDsl.Torch.torch;

namespace AttrDsl.Samples.MnistTrain;

/// <summary>The plain training loop and evaluation the sample (and its tests) use.</summary>
public static class MnistTraining
{
    /// <summary>
    /// One epoch of Adam over <paramref name="loader"/>; returns the mean training loss.
    /// Every step runs in its own dispose scope, so memory stays flat however long it trains.
    /// </summary>
    public static double TrainEpoch(nn.Module<Tensor, Tensor> model, Optimizer optimizer, DataLoader loader, Action<double>? onStep = null, int? maxSteps = null)
    {
        model.train();
        double lossSum = 0;
        var steps = 0;
        foreach (var batch in loader)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = functional.cross_entropy(model.forward(batch[0]), batch[1]);
            loss.backward();
            optimizer.step();
            lossSum += loss.item<float>();
            steps++;
            onStep?.Invoke(lossSum / steps);
            if (steps == maxSteps) break;
        }
        return lossSum / Math.Max(steps, 1);
    }

    /// <summary>Fraction of <paramref name="data"/> classified correctly (evaluation mode, no gradients).</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, Mnist data) => Accuracy(model, data.Images, data.Labels);

    /// <summary>Fraction of <paramref name="images"/> classified as <paramref name="labels"/> (evaluation mode, no gradients, 500 at a time).</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, Tensor images, Tensor labels)
    {
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var predictions = cat(images.split(500).Select(x => model.forward(x).argmax(1)).ToList());
        return (double)predictions.eq(labels).sum().item<long>() / labels.size(0);
    }
}
