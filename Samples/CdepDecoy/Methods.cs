using AttrDsl.Datasets.Decoy;
using AttrDsl.Decomposition.Penalties;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Training;
using static TorchSharp.torch;

namespace AttrDsl.Samples.CdepDecoy;

/// <summary>The compared training methods: no penalty, RRR, the expected-gradients penalty and CDEP.</summary>
internal static class Methods
{
    public static readonly string[] Known = ["vanilla", "rrr", "eg", "cdep"];

    /// <summary>
    /// Contextual decomposition of the model's logits into the patch's share (β, from m ⊙ x) and the rest (γ); DecoyMlp and
    /// MnistNet decompose themselves (<see cref="AttrDsl.Decomposition.IDecomposable"/>).
    /// </summary>
    public static readonly Decomposer? ContextualDecomposition = (model, x, m) =>
    {
        var d = AttrDsl.Decomposition.ContextualDecomposition.Decompose(model, x, m);
        return (d.Relevant, d.Irrelevant);
    };

    /// <summary>The fixed region of CDEP's reference: 1 on all four <paramref name="patch"/>×<paramref name="patch"/> corners, [1, 1, 28, 28].</summary>
    public static Tensor Corners(int patch)
    {
        var m = zeros(1, 1, 28, 28);
        foreach (var (top, left) in new[] { (0, 0), (0, 28 - patch), (28 - patch, 0), (28 - patch, 28 - patch) })
            m[.., .., TensorIndex.Slice(top, top + patch), TensorIndex.Slice(left, left + patch)] = 1f;
        return m;
    }

    /// <summary>Trains a fresh model (DecoyMlp or MnistNet; same initial weights and batch order for every method) and scores it on the training set, the test set (random patch) and the test digits without a patch (<paramref name="clean"/>).</summary>
    /// <remarks>
    /// Also returns the mean task loss of every epoch and the input gradients of the label's logit for the
    /// <paramref name="shown"/> test images ([n, 1, 28, 28], detached; the caller disposes them), for the report.
    /// </remarks>
    public static (double Lambda, double TrainAccuracy, double TestAccuracy, double CleanAccuracy, double[] EpochLosses, Tensor ShownGradients) TrainAndScore(
        string method, Settings s, DecoySet train, DecoySet test, Tensor clean, int shown)
    {
        manual_seed(s.Seed);
        using nn.Module<Tensor, Tensor> model = s.Model == "mlp" ? new DecoyMlp(s.Hidden) : new MnistNet();
        using var optimizer = optim.Adam(model.parameters(), s.LearningRate, weight_decay: s.WeightDecay);
        double lambda = 0;
        var losses = new List<double>();
        Tensor? corners = null;                 // the fixed four-corner mask, when CDEP uses it
        if (method == "vanilla")
        {
            for (var epoch = 0; epoch < s.Epochs; epoch++)
                losses.Add(MnistTraining.TrainEpoch(model, optimizer, train.ToBatches(s.BatchSize, shuffle: true, seed: s.Seed + epoch)));
        }
        else
        {
            IExplanationPenalty penalty;
            (penalty, lambda) = method switch
            {
                "rrr" => ((IExplanationPenalty)new RrrPenalty(), s.RrrLambda),
                "eg" => (new ExpectedGradientsPenalty(train.Images, s.EgReferences), s.EgLambda),
                "cdep" when s.CdepMask == "corners" => (new FixedMasksPenalty(new CdepPenalty(ContextualDecomposition!), corners = Corners(s.PatchSize), "CDEP (four corners)"), s.CdepLambda),
                "cdep" => (new CdepPenalty(ContextualDecomposition!), s.CdepLambda),
                _ => throw new ArgumentException($"unknown method {method}"),
            };
            var trainer = new AttributionPriorTrainer(model, (o, y) => nn.functional.cross_entropy(o, y), optimizer,
                new PriorTrainingOptions { Penalties = [new PenaltyTerm(penalty, lambda)], ComputeStatistics = false });
            for (var epoch = 0; epoch < s.Epochs; epoch++)
            {
                // The same shuffled order as the vanilla run (one seeded Random per epoch).
                var r = trainer.Fit(train.ToMaskedBatches(s.BatchSize, shuffle: true, seed: s.Seed + epoch), epochs: 1,
                    new PeriodicProgress(Console.Error.WriteLine, $"{method} epoch {epoch + 1}/{s.Epochs}"));
                Console.Error.WriteLine($"{method} epoch {epoch + 1}: task {r[0].TaskLoss:F4}, λ·penalty {r[0].PriorLoss:G4}");
                losses.Add(r[0].TaskLoss);
            }
        }
        corners?.Dispose();
        return (lambda, MnistTraining.Accuracy(model, train.Images, train.Labels), MnistTraining.Accuracy(model, test.Images, test.Labels),
            MnistTraining.Accuracy(model, clean, test.Labels), losses.ToArray(),
            InputGradients(model, test.Images.narrow(0, 0, shown), test.Labels.narrow(0, 0, shown)));
    }

    /// <summary>∂ logit[label] / ∂ input for each image ([n, 1, 28, 28], detached): where the trained model looks.</summary>
    public static Tensor InputGradients(nn.Module<Tensor, Tensor> model, Tensor images, Tensor labels)
    {
        model.eval();
        using var scope = NewDisposeScope();
        var x = images.detach().clone().requires_grad_(true);
        var logits = model.call(x);
        var picked = logits.gather(1, labels.unsqueeze(1)).sum();
        var grad = autograd.grad([picked], [x])[0];
        return grad.detach().clone().MoveToOuterDisposeScope();
    }
}
