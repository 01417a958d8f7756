using AttrDsl.Datasets.Decoy;
using AttrDsl.Decomposition.Penalties;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Training;
using static TorchSharp.torch;

namespace AttrDsl.Samples.CdepColor;

/// <summary>Trains ColorNet without a penalty or with CDEP and scores it.</summary>
internal static class Training
{
    /// <summary>Contextual decomposition of the logits; ColorNet decomposes itself.</summary>
    private static readonly Decomposer Cd = (model, x, m) =>
    {
        var d = AttrDsl.Decomposition.ContextualDecomposition.Decompose(model, x, m);
        return (d.Relevant, d.Irrelevant);
    };

    /// <summary>Trains a fresh ColorNet (same initial weights and batch order for both methods); returns train and test accuracy.</summary>
    public static (double Train, double Test) TrainAndScore(string method, Settings s, DecoySet train, DecoySet test)
    {
        manual_seed(s.Seed);
        using var model = new ColorNet();
        using var optimizer = optim.Adam(model.parameters(), s.LearningRate, weight_decay: s.WeightDecay);
        if (method == "vanilla")
        {
            for (var epoch = 0; epoch < s.Epochs; epoch++)
                MnistTraining.TrainEpoch(model, optimizer, train.ToBatches(s.BatchSize, shuffle: true, seed: s.Seed + epoch));
        }
        else
        {
            using var channels = ColorMnist.ChannelMasks();
            IExplanationPenalty penalty = s.CdepMask == "pixels"
                ? new RandomPixelsPenalty(new CdepPenalty(Cd), train.Images, s.Pixels, s.Seed)
                : new FixedMasksPenalty(new CdepPenalty(Cd), channels);
            var trainer = new AttributionPriorTrainer(model, (o, y) => nn.functional.cross_entropy(o, y), optimizer,
                new PriorTrainingOptions { Penalties = [new PenaltyTerm(penalty, s.CdepLambda)], ComputeStatistics = false });
            // ColorMNIST's cue is not a per-image region: both penalties bring their own regions and ignore this mask.
            using var unused = zeros(1, 1, 1, 1);
            for (var epoch = 0; epoch < s.Epochs; epoch++)
            {
                double task = 0, prior = 0;
                var steps = 0;
                foreach (var (x, y) in train.ToBatches(s.BatchSize, shuffle: true, seed: s.Seed + epoch))
                {
                    var r = trainer.Step(x, y, unused, epoch);
                    (task, prior, steps) = (task + r.TaskLoss, prior + r.PriorLoss, steps + 1);
                }
                Console.Error.WriteLine($"cdep epoch {epoch + 1}: task {task / steps:F4}, λ·penalty {prior / steps:G4}");
            }
        }
        return (MnistTraining.Accuracy(model, train.Images, train.Labels), MnistTraining.Accuracy(model, test.Images, test.Labels));
    }
}
