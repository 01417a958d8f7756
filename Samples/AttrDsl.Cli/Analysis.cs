using AttrDsl.Attribution;
using AttrDsl.Decomposition.Acd;
using AttrDsl.Priors;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Samples.PriorsMnist;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Cli;

/// <summary>The explanation methods of the CLI: the generated <c>Explain</c>'s input methods and Grad-CAM at conv2.</summary>
public enum Method
{
    /// <summary>Integrated gradients.</summary>
    IG,
    /// <summary>Expected gradients (background: the training digits).</summary>
    EG,
    /// <summary>SmoothGrad (NoiseTunnel over saliency).</summary>
    SmoothGrad,
    /// <summary>Grad-CAM at conv2, upsampled to 28×28.</summary>
    GradCam,
    /// <summary>Occlusion with 4×4 windows.</summary>
    Occlusion,
    /// <summary>|∂f/∂x|.</summary>
    Saliency,
    /// <summary>x ⊙ ∂f/∂x.</summary>
    InputXGradient,
    /// <summary>GradientSHAP (background: the training digits).</summary>
    GradientShap,
}

/// <summary>The computations behind the main sample and the commands (no output: see <see cref="MainSample"/> and <see cref="Commands"/>).</summary>
public static class Analysis
{
    /// <summary>The five methods of the main sample.</summary>
    public static readonly Method[] SampleMethods = [Method.IG, Method.EG, Method.SmoothGrad, Method.GradCam, Method.Occlusion];

    /// <summary>Attributions [B, 1, 28, 28] of <paramref name="x"/> by <paramref name="method"/>.</summary>
    public static Tensor Explain(nn.Module<Tensor, Tensor> model, Tensor x, Target target, Method method) => method switch
    {
        Method.GradCam => Networks.GradCam(model, x, target),
        Method.IG => Networks.Explain(model, x, target, AttributionMethod.IntegratedGradients).detach(),
        Method.EG => Networks.Explain(model, x, target, AttributionMethod.ExpectedGradients).detach(),
        Method.SmoothGrad => Networks.Explain(model, x, target, AttributionMethod.SmoothGrad).detach(),
        Method.Occlusion => Networks.Explain(model, x, target, AttributionMethod.Occlusion).detach(),
        Method.Saliency => Networks.Explain(model, x, target, AttributionMethod.Saliency).detach(),
        Method.InputXGradient => Networks.Explain(model, x, target, AttributionMethod.InputXGradient).detach(),
        Method.GradientShap => Networks.Explain(model, x, target, AttributionMethod.GradientShap).detach(),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    /// <summary>
    /// Standardised total variation of attributions [B, 1, 28, 28] (the prior's Ω per image, mean over the batch):
    /// lower is smoother.
    /// </summary>
    public static double TotalVariationOf(Tensor attributions, Tensor x)
    {
        using var scope = NewDisposeScope();
        return new TotalVariation().Loss(attributions.detach(), new PriorContext(x)).ToDouble();
    }

    /// <summary>Accuracy of each model under every salt-and-pepper fraction of <see cref="SaltAndPepper.Fractions"/> (the same noisy digits for all).</summary>
    public static double[][] Robustness(IReadOnlyList<nn.Module<Tensor, Tensor>> models, Tensor images, Tensor labels, int seed)
    {
        var scores = models.Select(_ => new double[SaltAndPepper.Fractions.Length]).ToArray();
        for (var level = 0; level < SaltAndPepper.Fractions.Length; level++)
        {
            using var noisy = SaltAndPepper.Apply(images, SaltAndPepper.Fractions[level], SaltAndPepper.LevelSeed(seed, level));
            for (var m = 0; m < models.Count; m++) scores[m][level] = MnistTraining.Accuracy(models[m], noisy, labels);
        }
        return scores;
    }

    /// <summary>
    /// Contextual decomposition of one digit [1, 1, 28, 28] by the generated <c>ContextualDecomposition</c>: the relevant
    /// part β of the <paramref name="targetClass"/> logit for each <paramref name="patch"/>×<paramref name="patch"/> patch
    /// on its own (all patches in one stacked pass), as a [28, 28] map; and the largest |β + γ − logits| of the whole-image
    /// decomposition (CD's exactness check).
    /// </summary>
    public static (Tensor PatchMap, double CompletenessError, double[] Logits, double[] Relevant) ContextualDecomposition(
        nn.Module<Tensor, Tensor> model, Tensor x, long targetClass, int patch = 4)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (h, w) = (x.size(-2), x.size(-1));
        var (gh, gw) = (h / patch, w / patch);
        var masks = zeros(gh * gw, 1, h, w);
        for (var i = 0; i < gh; i++)
            for (var j = 0; j < gw; j++)
                masks[i * gw + j, 0, TensorIndex.Slice(i * patch, (i + 1) * patch), TensorIndex.Slice(j * patch, (j + 1) * patch)] = 1;
        var patches = Networks.Decompose(model, x, masks);
        var scores = patches.Relevant.select(1, targetClass).reshape(gh, gw);
        var map = scores.repeat_interleave(patch, 0).repeat_interleave(patch, 1);

        var whole = Networks.Decompose(model, x, ones_like(x));
        var logits = model.forward(x);
        var error = (whole.Relevant + whole.Irrelevant - logits).abs().max().ToDouble();
        return (map.MoveToOuterDisposeScope(), error, logits[0].data<float>().Select(v => (double)v).ToArray(),
            whole.Relevant[0].data<float>().Select(v => (double)v).ToArray());
    }

    /// <summary>ACD's hierarchy for one digit [1, 1, 28, 28], scored by the generated contextual decomposition.</summary>
    public static AcdResult Acd(nn.Module<Tensor, Tensor> model, Tensor x, long targetClass, int tileSize)
    {
        model.eval();
        var sample = x[0];
        var scorer = Scorers.FromDecomposition(
            (s, masks) => Networks.Decompose(model, s.unsqueeze(0), masks).Relevant.select(1, targetClass), sample, maxRowsPerCall: 256);
        return Agglomeration.Image(scorer, sample.shape, tileSize);
    }

    /// <summary>
    /// EIG's question "which pixels tell digit <paramref name="a"/> from digit <paramref name="b"/>": enhanced integrated
    /// gradients of the comparative logit a − b along linear paths from k-means centroids of the training <paramref name="b"/>s
    /// (the baseline class) for <paramref name="count"/> test <paramref name="a"/>s, against the same attributions of
    /// <paramref name="count"/> test <paramref name="b"/>s (the null sample); Welch's t-test per pixel, corrected.
    /// </summary>
    public static (SignificanceResult Result, Tensor MeanAttribution, int Count) Significance(nn.Module<Tensor, Tensor> model, Digits digits,
        int a, int b, int count, int baselines, int points, double alpha, Correction correction)
    {
        model.eval();
        using var scope = NewDisposeScope();
        var test = digits.Test;
        var ofA = test.Images.index(test.Labels.eq(a).nonzero().squeeze(1));
        var ofB = test.Images.index(test.Labels.eq(b).nonzero().squeeze(1));
        // Never cut silently: the command checks the count against the data first (Limits.Significance), this is the backstop.
        if (count < 2 || count > ofA.size(0) || count > ofB.size(0))
            throw new UserError($"--count {count} must be from 2 to the test digits of each class ({ofA.size(0)} test {a}s, {ofB.size(0)} test {b}s); pass --count {Math.Min(ofA.size(0), ofB.size(0))} or fewer");
        var n = count;
        var train = digits.Train;
        var baselineData = train.Images.index(train.Labels.eq(b).nonzero().squeeze(1));
        var centroids = EigBaselines.KMeans(baselineData, Math.Min(baselines, (int)baselineData.size(0)), seed: 0);
        var eig = new EnhancedIntegratedGradients(model.forward);
        var target = Target.Comparative(a, b);
        var attrA = eig.Attribute(ofA.narrow(0, 0, n), centroids, target, points).detach();
        var attrB = eig.Attribute(ofB.narrow(0, 0, n), centroids, target, points).detach();
        var result = Attribution.Significance.Test(attrA.flatten(1), attrB.flatten(1), alpha, correction, Alternative.Greater);
        return (result, attrA.mean([0]).MoveToOuterDisposeScope(), n);
    }
}
