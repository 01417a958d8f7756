using AttrDsl.Training;
using AttrDsl.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Samples.MnistTrain;

/// <summary>The plain training loop and evaluation the MNIST samples (and their tests) use.</summary>
public static class MnistTraining
{
    /// <summary>
    /// One epoch of <paramref name="optimizer"/> on cross-entropy over <paramref name="batches"/> (e.g.
    /// <see cref="Mnist.ToBatches"/>); returns the mean training loss. Every step runs in its own dispose scope, so memory
    /// stays flat however long it trains.
    /// </summary>
    /// <param name="model">The classifier (put in training mode).</param>
    /// <param name="optimizer">Its optimizer.</param>
    /// <param name="batches">(images, labels) pairs; each is used only during its step.</param>
    /// <param name="onStep">Called after every step with the running mean loss.</param>
    /// <param name="maxSteps">Stop after this many steps (null: the whole epoch).</param>
    /// <param name="progress">Told after every step, as <see cref="AttributionPriorTrainer"/>'s <c>Fit</c> tells it (one
    /// epoch, no prior loss), so the same progress display serves both loops.</param>
    /// <exception cref="TrainingDivergedException">A step's loss is NaN or infinite; the step's update is not applied.</exception>
    public static double TrainEpoch(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, IEnumerable<(Tensor Inputs, Tensor Labels)> batches,
        Action<double>? onStep = null, int? maxSteps = null, IProgress<TrainingProgress>? progress = null)
    {
        model.train();
        double lossSum = 0;
        var steps = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long? count = batches is IReadOnlyCollection<(Tensor, Tensor)> c ? c.Count : batches.TryGetNonEnumeratedCount(out var n) ? n : null;
        if (maxSteps is { } max && count is { } all) count = Math.Min(max, all);
        foreach (var (inputs, labels) in batches)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(inputs), labels);
            var value = loss.item<float>();
            // Checked before the update: a NaN gradient step would turn every weight into NaN.
            if (!float.IsFinite(value)) throw new TrainingDivergedException($"training diverged at step {steps + 1} of the epoch (loss {value})", value, steps + 1);
            loss.backward();
            optimizer.step();
            lossSum += value;
            steps++;
            onStep?.Invoke(lossSum / steps);
            if (progress is not null) progress.Report(Progress(steps, count, value, lossSum / steps, clock.Elapsed));
            if (steps == maxSteps) break;
        }
        return lossSum / Math.Max(steps, 1);
    }

    /// <summary>The progress after <paramref name="steps"/> steps of one epoch of the plain loop.</summary>
    private static TrainingProgress Progress(int steps, long? count, double loss, double mean, TimeSpan elapsed)
    {
        var rate = elapsed.TotalSeconds > 0 ? steps / elapsed.TotalSeconds : 0;
        TimeSpan? remaining = count is { } n && rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, n - steps) / rate) : null;
        var last = new StepReport(0, steps - 1, loss, 0, new Dictionary<string, double>(), null);
        return new TrainingProgress(0, 1, steps, count, mean, 0, rate, elapsed, remaining, last);
    }

    /// <summary>True when every parameter of <paramref name="model"/> is finite (no NaN, no ±∞).</summary>
    public static bool WeightsFinite(nn.Module<Tensor, Tensor> model)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return model.parameters().All(p => p.isfinite().all().item<bool>());
    }

    /// <summary>Fraction of <paramref name="data"/> classified correctly (evaluation mode, no gradients).</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, Mnist data) => Accuracy(model, data.Images, data.Labels);

    /// <summary>Fraction of <paramref name="images"/> classified as <paramref name="labels"/> (evaluation mode, no gradients, 500 at a time).</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, Tensor images, Tensor labels)
    {
        if (labels.size(0) == 0) throw new ArgumentException("no images to score; give at least one", nameof(labels));
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var predictions = cat(images.split(500).Select(x => model.forward(x).argmax(1)).ToList(), 0);
        return (double)predictions.eq(labels).sum().item<long>() / labels.size(0);
    }
}
