using AttrDsl.Attribution;
using AttrDsl.Priors;
using AttrDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Samples.PriorsSynthetic;

/// <summary>The small MLPs of both experiments, their full-batch training loops, and test-time attributions.</summary>
internal static class Models
{
    /// <summary>D → hidden… → 1 with ReLU between linear layers; one output (a regression value or a logit).</summary>
    public static Mlp Mlp(long features, IReadOnlyList<int> hidden) => new(features, hidden);

    /// <summary>The first layer's weight matrix [hidden, D].</summary>
    public static Tensor FirstWeight(Mlp model) => model.FirstLayer.weight!;

    /// <summary>Mean squared error of a one-output model against targets [n].</summary>
    public static Tensor Mse(Tensor output, Tensor y) => nn.functional.mse_loss(output.reshape(-1), y);

    /// <summary>Binary cross-entropy of a one-logit model against 0/1 labels [n].</summary>
    public static Tensor Bce(Tensor output, Tensor y) => nn.functional.binary_cross_entropy_with_logits(output.reshape(-1), y);

    /// <summary>
    /// Full-batch Adam on the task loss plus an optional weight penalty (λ·Σ|W₁| for the L1 baseline), one step per epoch.
    /// </summary>
    public static void TrainPlain(Mlp model, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss, int epochs, double lr,
        Func<Tensor>? penalty = null)
    {
        using var optimizer = optim.Adam(model.parameters(), lr);
        model.train();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var l = loss(model.forward(x), y);
            if (penalty is not null) l = l + penalty();
            l.backward();
            optimizer.step();
        }
    }

    /// <summary>
    /// Full-batch training with an attribution prior: <see cref="AttributionPriorTrainer"/> with the summed schedule
    /// (task + λ·Ω(EG) in one Adam step, as attributionpriors' PyTorch version), k references per sample drawn afresh
    /// every step from the training inputs; the first <paramref name="warmupEpochs"/> steps train the task loss alone.
    /// </summary>
    public static void TrainWithPrior(Mlp model, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss, int epochs, double lr,
        IAttributionPrior prior, double lambda, int k, int warmupEpochs = 0)
    {
        using var optimizer = optim.Adam(model.parameters(), lr);
        var trainer = new AttributionPriorTrainer(model, loss, optimizer, new PriorTrainingOptions
        {
            Priors = [new PriorTerm(prior, lambda)],
            Background = x,
            References = k,
            Schedule = PriorSchedule.Summed,
            WarmupEpochs = warmupEpochs,
        });
        for (var epoch = 0; epoch < epochs; epoch++) trainer.Step(x, y, epoch);
    }

    /// <summary>The model's single output for every row of <paramref name="x"/> (eval mode, no gradients).</summary>
    public static double[] Predict(Mlp model, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        return Doubles(model.forward(x).reshape(-1));
    }

    /// <summary>
    /// φ = mean over the rows of <paramref name="x"/> of |expected gradients| of the model output (k references per row
    /// from <paramref name="background"/>, α ~ U(0, 1)), one value per feature; the draws are seeded so every model of a
    /// replicate is explained with the same references and α.
    /// </summary>
    public static double[] MeanAbsExpectedGradients(Mlp model, Tensor x, Tensor background, int k, long seed)
    {
        using var scope = NewDisposeScope();
        model.eval();
        manual_seed(seed);
        var eg = new ExpectedGradients(model).Attribute(x, Target.Output, background, k);
        using var noGrad = no_grad();
        return Doubles(eg.abs().mean([0L]));
    }

    /// <summary>The elements of <paramref name="t"/> in row-major order as doubles (copied to the CPU).</summary>
    public static double[] Doubles(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
    }

    /// <summary>Total parameter count (for the report).</summary>
    public static long ParameterCount(Mlp model) => model.parameters().Sum(p => p.numel());
}
