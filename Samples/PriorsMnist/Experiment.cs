using System.Diagnostics;
using AttrDsl.Attribution;
using AttrDsl.Datasets;
using AttrDsl.Priors;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Samples.PriorsMnist;

/// <summary>Hyperparameters shared by the baseline and the prior model (only the prior settings differ).</summary>
/// <param name="Epochs">Passes over the training data.</param>
/// <param name="BatchSize">Images per step.</param>
/// <param name="LearningRate">Adam learning rate (both Adams in the alternating schedule).</param>
/// <param name="Gamma">ExponentialLR decay per epoch.</param>
/// <param name="Seed">Initialisation, shuffling and reference-draw seed.</param>
/// <param name="Schedule">How the prior enters training.</param>
/// <param name="References">k, references per sample for the expected gradients.</param>
public sealed record TrainingConfig(int Epochs, int BatchSize, double LearningRate, double Gamma, int Seed, PriorSchedule Schedule, int References);

/// <summary>A trained model and what its training cost.</summary>
/// <param name="Model">The network (owned by this record: dispose it).</param>
/// <param name="EpochSeconds">Wall time of every epoch.</param>
/// <param name="TaskLoss">Mean cross-entropy of every epoch.</param>
/// <param name="PriorLoss">Mean λ·Ω of every epoch (0 for the baseline).</param>
public sealed record TrainedModel(MnistNet Model, double[] EpochSeconds, double[] TaskLoss, double[] PriorLoss) : IDisposable
{
    /// <summary>Mean seconds per epoch.</summary>
    public double SecondsPerEpoch => EpochSeconds.Average();

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}

/// <summary>Accuracies of one model under every noise level.</summary>
/// <param name="Accuracy">Accuracy per entry of <see cref="SaltAndPepper.Fractions"/>.</param>
public sealed record NoiseScores(double[] Accuracy)
{
    /// <summary>Accuracy on the clean images.</summary>
    public double Clean => Accuracy[0];

    /// <summary>Mean accuracy over the noisy levels (fraction &gt; 0).</summary>
    public double MeanNoisy => Accuracy.Skip(1).Average();
}

/// <summary>Training and scoring for the total-variation experiment.</summary>
public static class Experiment
{
    /// <summary>The seed's CNN trained on cross-entropy alone (Adam, per-epoch ExponentialLR).</summary>
    public static TrainedModel TrainBaseline(Mnist train, TrainingConfig config, Action<string, double>? progress = null)
    {
        manual_seed(config.Seed);                       // same initial weights as the prior model
        var model = new MnistNet();
        try
        {
            using var optimizer = optim.Adam(model.parameters(), config.LearningRate);
            var schedule = optim.lr_scheduler.ExponentialLR(optimizer, config.Gamma);
            var batches = train.ToBatches(config.BatchSize, shuffle: true, seed: config.Seed);   // same batch order as the prior model
            var seconds = new double[config.Epochs];
            var losses = new double[config.Epochs];
            for (var epoch = 0; epoch < config.Epochs; epoch++)
            {
                var e = epoch;
                var clock = Stopwatch.StartNew();
                losses[epoch] = MnistTraining.TrainEpoch(model, optimizer, batches, loss => progress?.Invoke($"epoch {e + 1}/{config.Epochs} loss {loss:F4}", 1));
                seconds[epoch] = clock.Elapsed.TotalSeconds;
                schedule.step();
            }
            return new TrainedModel(model, seconds, losses, new double[config.Epochs]);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The same CNN, same initialisation and batch order, trained with the total-variation prior on expected gradients
    /// (k references per sample drawn from the training images, α ~ U(0, 1)) through <see cref="AttributionPriorTrainer"/>.
    /// </summary>
    public static TrainedModel TrainWithPrior(Mnist train, TrainingConfig config, double lambda, Action<string, double>? progress = null)
    {
        manual_seed(config.Seed);
        var model = new MnistNet();
        using var optimizer = optim.Adam(model.parameters(), config.LearningRate);
        var priorOptimizer = config.Schedule == PriorSchedule.Alternating ? optim.Adam(model.parameters(), config.LearningRate) : null;
        try
        {
            var schedules = new List<optim.lr_scheduler.LRScheduler> { optim.lr_scheduler.ExponentialLR(optimizer, config.Gamma) };
            if (priorOptimizer is not null) schedules.Add(optim.lr_scheduler.ExponentialLR(priorOptimizer, config.Gamma));
            var trainer = new AttributionPriorTrainer(model, (o, y) => nn.functional.cross_entropy(o, y), optimizer,
                new PriorTrainingOptions
                {
                    Priors = [new PriorTerm(new TotalVariation(), lambda)],
                    Background = train.Images,
                    References = config.References,
                    Schedule = config.Schedule,
                }, priorOptimizer);
            var batches = train.ToBatches(config.BatchSize, shuffle: true, seed: config.Seed);
            var seconds = new double[config.Epochs];
            var taskLoss = new double[config.Epochs];
            var priorLoss = new double[config.Epochs];
            for (var epoch = 0; epoch < config.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                double task = 0, prior = 0;
                var steps = 0;
                foreach (var (images, labels) in batches)
                {
                    var report = trainer.Step(images, labels, epoch);
                    task += report.TaskLoss;
                    prior += report.PriorLoss;
                    steps++;
                    progress?.Invoke($"epoch {epoch + 1}/{config.Epochs} task {task / steps:F4} λΩ {prior / steps:F4}", 1);
                }
                seconds[epoch] = clock.Elapsed.TotalSeconds;
                taskLoss[epoch] = task / Math.Max(1, steps);
                priorLoss[epoch] = prior / Math.Max(1, steps);
                foreach (var s in schedules) s.step();
            }
            return new TrainedModel(model, seconds, taskLoss, priorLoss);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            priorOptimizer?.Dispose();
        }
    }

    /// <summary>Steps per epoch for <paramref name="count"/> training images.</summary>
    public static long StepsPerEpoch(long count, int batchSize) => (count + batchSize - 1) / batchSize;

    /// <summary>The noisy copies of <paramref name="images"/>, one per noise fraction, each with its own fixed seed.</summary>
    public static Tensor[] NoisySets(Tensor images, int seed) =>
        SaltAndPepper.Fractions.Select((f, level) => SaltAndPepper.Apply(images, f, SaltAndPepper.LevelSeed(seed, level)).DetachFromDisposeScope()).ToArray();

    /// <summary>Accuracy of <paramref name="model"/> on every noisy set.</summary>
    public static NoiseScores Score(nn.Module<Tensor, Tensor> model, Tensor[] noisySets, Tensor labels) =>
        new(noisySets.Select(images => Accuracy(model, images, labels)).ToArray());

    /// <summary>Fraction classified correctly (evaluation mode, no gradients).</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, Tensor images, Tensor labels) => MnistTraining.Accuracy(model, images, labels);

    /// <summary>
    /// How smooth the model's explanations are: the mean standardised total variation of expected-gradients attributions
    /// (true class, <paramref name="references"/> references from <paramref name="background"/>) over the first
    /// <paramref name="count"/> images. Lower is smoother.
    /// </summary>
    public static double AttributionTotalVariation(nn.Module<Tensor, Tensor> model, Tensor images, Tensor labels, Tensor background,
        int seed, int count = 500, int references = 10)
    {
        model.eval();
        manual_seed(seed);
        var prior = new TotalVariation();
        double sum = 0;
        long n = 0;
        var take = Math.Min(count, images.size(0));
        for (long start = 0; start < take; start += 100)
        {
            using var scope = NewDisposeScope();
            var length = Math.Min(100, take - start);
            var x = images.narrow(0, start, length);
            var y = labels.narrow(0, start, length);
            using var batch = InterpolationBatch.Sample(x, background, references);
            var attributions = batch.Attributions(model.forward(batch.Inputs), Target.PerSample(y));
            sum += prior.Loss(attributions, new PriorContext(x, y)).ToDouble() * length;
            n += length;
        }
        return sum / n;
    }

    /// <summary>
    /// Expected gradients of the label's logit for each image ([n, 1, 28, 28], detached), <paramref name="references"/>
    /// references per image from <paramref name="background"/> (seeded): the pictures of the HTML report.
    /// </summary>
    public static Tensor ExpectedGradients(nn.Module<Tensor, Tensor> model, Tensor images, Tensor labels, Tensor background, int seed, int references = 10)
    {
        model.eval();
        manual_seed(seed);
        using var scope = NewDisposeScope();
        using var batch = InterpolationBatch.Sample(images, background, references);
        var attributions = batch.Attributions(model.forward(batch.Inputs), Target.PerSample(labels));
        return attributions.detach().clone().MoveToOuterDisposeScope();
    }
}
