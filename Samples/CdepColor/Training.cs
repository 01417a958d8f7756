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
    /// <remarks>
    /// Also returns the mean task loss of every epoch and the input gradients of the label's logit for the first
    /// <paramref name="shown"/> test images ([n, 3, 28, 28], detached; the caller disposes them), for the report.
    /// </remarks>
    public static (double Train, double Test, double[] EpochLosses, Tensor ShownGradients) TrainAndScore(string method, Settings s, DecoySet train, DecoySet test, int shown)
    {
        manual_seed(s.Seed);
        using var model = new ColorNet();
        using var optimizer = optim.Adam(model.parameters(), s.LearningRate, weight_decay: s.WeightDecay);
        var losses = new List<double>();
        if (method == "vanilla")
        {
            for (var epoch = 0; epoch < s.Epochs; epoch++)
                losses.Add(MnistTraining.TrainEpoch(model, optimizer, train.ToBatches(s.BatchSize, shuffle: true, seed: s.Seed + epoch)));
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
                losses.Add(task / steps);
            }
        }
        return (MnistTraining.Accuracy(model, train.Images, train.Labels), MnistTraining.Accuracy(model, test.Images, test.Labels), losses.ToArray(),
            InputGradients(model, test.Images.narrow(0, 0, shown), test.Labels.narrow(0, 0, shown)));
    }

    /// <summary>∂ logit[label] / ∂ input for each image (detached): where the trained model looks.</summary>
    public static Tensor InputGradients(nn.Module<Tensor, Tensor> model, Tensor images, Tensor labels)
    {
        model.eval();
        using var scope = NewDisposeScope();
        var x = images.detach().clone().requires_grad_(true);
        var picked = model.call(x).gather(1, labels.unsqueeze(1)).sum();
        return autograd.grad([picked], [x])[0].detach().clone().MoveToOuterDisposeScope();
    }
}
