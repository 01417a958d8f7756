using System.Diagnostics;
using System.Globalization;
using AttrDsl.Datasets;
using AttrDsl.Priors;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Cli;

/// <summary>How a model is trained (the same for both kinds except the prior settings).</summary>
/// <param name="Kind">With or without the total-variation prior.</param>
/// <param name="Lambda">λ of the prior (the declared <see cref="MnistNet.DeclaredLambda"/> by default).</param>
/// <param name="Schedule">Summed (declared) or alternating.</param>
/// <param name="Epochs">Passes over the training digits.</param>
/// <param name="Seed">Initial weights and batch order.</param>
/// <param name="BatchSize">Digits per step.</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="Gamma">Learning-rate decay per epoch.</param>
public sealed record TrainSettings(ModelKind Kind, double Lambda = MnistNet.DeclaredLambda, PriorSchedule Schedule = PriorSchedule.Summed,
    int Epochs = 3, int Seed = 0, int BatchSize = 64, double LearningRate = 1e-3, double Gamma = 0.7)
{
    /// <summary>Whether these are the prior settings declared on <see cref="MnistNet"/>, so its generated <c>Fit</c> trains it.</summary>
    public bool Declared => Lambda == MnistNet.DeclaredLambda && Schedule == PriorSchedule.Summed;

    /// <summary>The checkpoint metadata describing this training.</summary>
    public Dictionary<string, string> Metadata() => new()
    {
        ["lambda"] = Kind == ModelKind.Prior ? Lambda.ToString("R", CultureInfo.InvariantCulture) : "0",
        ["schedule"] = Kind == ModelKind.Prior ? Schedule.ToString().ToLowerInvariant() : "none",
        ["epochs"] = Epochs.ToString(CultureInfo.InvariantCulture),
        ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>One epoch of training: mean task loss, mean λ·Ω, wall time, speed and held-out accuracy after it.</summary>
public sealed record EpochLine(int Epoch, double TaskLoss, double PriorLoss, double Seconds, double DigitsPerSecond, double Accuracy);

/// <summary>A trained model with its history.</summary>
public sealed record TrainedModel(nn.Module<Tensor, Tensor> Model, TrainSettings Settings, IReadOnlyList<EpochLine> History)
{
    /// <summary>Total training seconds.</summary>
    public double Seconds => History.Sum(h => h.Seconds);
}

/// <summary>Trains the CLI's CNNs: the prior model with its generated <c>Fit</c>, the plain one with cross-entropy alone.</summary>
public static class Trainer
{
    /// <summary>
    /// Trains a fresh model of <paramref name="s"/>.Kind on <paramref name="train"/>, scoring held-out accuracy on
    /// <paramref name="test"/> after every epoch. Progress (loss, prior loss, speed, time left) goes to
    /// <paramref name="console"/> as a live bar when it is interactive and as a line every few seconds when it is not
    /// (<see cref="TrainingFeedback"/>), then one line per epoch; a hint when the cores turn out busy (<see cref="StarvationWatch"/>).
    /// </summary>
    /// <param name="s">The settings.</param>
    /// <param name="train">The training digits (the same on every process when training data-parallel).</param>
    /// <param name="test">The held-out digits.</param>
    /// <param name="console">Where progress goes.</param>
    /// <param name="averager">Data-parallel training (the prior model only): every process takes its share of each batch
    /// and applies the averaged update; null trains in this process alone.</param>
    /// <exception cref="UserError">Training diverged (the message names the option to lower).</exception>
    public static TrainedModel Train(TrainSettings s, Mnist train, Mnist test, IAnsiConsole console, IGradientAverager? averager = null)
    {
        var model = Networks.Create(s.Kind, s.Seed);
        var history = new List<EpochLine>();
        var batches = train.ToBatches(s.BatchSize, shuffle: true, seed: s.Seed);   // same order for both kinds
        using var optimizer = optim.Adam(model.parameters(), s.LearningRate);
        var schedulers = new List<optim.lr_scheduler.LRScheduler> { optim.lr_scheduler.ExponentialLR(optimizer, s.Gamma) };
        optim.Optimizer? priorOptimizer = null;
        AttributionPriorTrainer? custom = null;
        if (model is MnistNet net)
        {
            net.UseBackground(train.Images);
            // The reference draws are keyed by the seed, so every process count draws the same references.
            if (s.Declared) net.UseGradientAverager(averager, referenceSeed: s.Seed);
            else
            {
                // λ or the schedule differ from the attribute's: the same trainer the generated Fit uses, with these settings.
                if (s.Schedule == PriorSchedule.Alternating)
                {
                    priorOptimizer = optim.Adam(model.parameters(), s.LearningRate);
                    schedulers.Add(optim.lr_scheduler.ExponentialLR(priorOptimizer, s.Gamma));
                }
                custom = new AttributionPriorTrainer(model, static (o, y) => nn.functional.cross_entropy(o, y), optimizer,
                    new PriorTrainingOptions
                    {
                        Priors = [new PriorTerm(new TotalVariation(), s.Lambda)], Background = train.Images, Schedule = s.Schedule,
                        GradientAverager = averager, ReferenceSeed = s.Seed,
                    },
                    priorOptimizer);
            }
        }
        var title = Networks.Title(s.Kind);
        var watch = new StarvationWatch(hint => console.MarkupLine($"[yellow]{Markup.Escape(hint)}[/]"));
        try
        {
            for (var epoch = 1; epoch <= s.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                var label = $"{title} epoch {epoch}/{s.Epochs}";
                var (task, prior) = TrainingFeedback.Run(console, label, watch, progress =>
                {
                    if (model is MnistNet prior0)
                    {
                        var report = custom is null
                            ? prior0.Fit(batches, optimizer, 1, progress)[0]          // the generated Fit: declared prior and schedule
                            : custom.Fit(batches, 1, progress)[0];
                        return (report.TaskLoss, report.PriorLoss);
                    }
                    return (MnistTraining.TrainEpoch(model, optimizer, batches, progress: progress), 0.0);
                });
                var seconds = clock.Elapsed.TotalSeconds;
                if (!MnistTraining.WeightsFinite(model)) throw new TrainingDivergedException("a weight became NaN or infinite");
                var accuracy = MnistTraining.Accuracy(model, test);
                var line = new EpochLine(epoch, task, prior, seconds, train.Count / Math.Max(seconds, 1e-9), accuracy);
                history.Add(line);
                console.MarkupLine(Markup.Escape(
                    $"{title,-8} epoch {epoch}/{s.Epochs}: task loss {task:F4}, λ·Ω {prior:G4}, {seconds:F1} s ({line.DigitsPerSecond:F0} digits/s), held-out accuracy {accuracy:P2}"));
                foreach (var scheduler in schedulers) scheduler.step();
            }
        }
        catch (TrainingDivergedException e)
        {
            model.Dispose();
            throw new UserError($"training the {title} model diverged ({Networks.OneLine(e.Message)}); lower --lr{(s.Kind == ModelKind.Prior ? " or --lambda" : "")}. No checkpoint was written.", UserError.Failed);
        }
        finally
        {
            priorOptimizer?.Dispose();
        }
        model.eval();
        return new TrainedModel(model, s, history);
    }
}
