using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>How <see cref="Lime"/> measures how far a perturbed input is from the input it explains.</summary>
public enum LimeDistance
{
    /// <summary>1 − cosine similarity of the flattened inputs (Captum's default).</summary>
    Cosine,

    /// <summary>The Euclidean norm of the difference of the flattened inputs.</summary>
    Euclidean,
}

/// <summary>
/// LIME (Ribeiro et al. 2016; Captum's <c>Lime</c>): a weighted linear surrogate of the selected output, fitted on
/// random perturbations of the input. The interpretable representation is the feature groups of the feature mask, each
/// on (the input's values) or off (the baseline's); each group is switched on with probability ½; each sample is weighted
/// by the exponential kernel exp(−d² / (2 w²)) of its distance d from the input (cosine by default, as in Captum), and
/// the coefficients of the fit are the attributions.
/// <para>
/// The fit is weighted least squares with an intercept, optionally ridge-penalised (the intercept never is). Captum's
/// default surrogate is scikit-learn's Lasso (α = 0.01), which has no counterpart in .NET here; plain least squares is
/// the unpenalised limit of both Lasso and ridge, so its coefficients are the ones a reader can check by hand, and a
/// rank-deficient system (fewer samples than groups) gets the minimum-norm solution. Pass <c>ridge</c> to shrink the
/// coefficients when samples are few.
/// </para>
/// </summary>
public sealed class Lime
{
    private const string Name = nameof(Lime);
    private readonly Func<Tensor, Tensor> _forward;

    /// <summary>LIME of a model given as a function from a batch to its outputs [B, ...].</summary>
    public Lime(Func<Tensor, Tensor> forward) => _forward = ModelCall.Guard(forward ?? throw new ArgumentNullException(nameof(forward)), nameof(Lime));

    /// <summary>LIME of a module (its <c>forward</c>; set eval mode yourself where it matters).</summary>
    public Lime(torch.nn.Module<Tensor, Tensor> model) : this((model ?? throw new ArgumentNullException(nameof(model))).call) { }

    /// <summary>
    /// The surrogate's coefficients shaped like <paramref name="inputs"/>: every element carries the coefficient of the
    /// group it belongs to.
    /// </summary>
    /// <param name="inputs">A batch [B, ...]; each row gets its own fit (the rows share the perturbation samples).</param>
    /// <param name="target">Which output to explain (one value per sample).</param>
    /// <param name="featureMask">Integer group ids (int64, or int32) broadcastable to the input; default one group per element.</param>
    /// <param name="baselines">The value of a switched-off feature: a constant (default 0) or a tensor broadcastable to the input.</param>
    /// <param name="nSamples">Number of perturbation samples (Captum's default 50).</param>
    /// <param name="perturbationsPerEval">How many samples are evaluated in one forward pass (B·k rows).</param>
    /// <param name="distance">Distance of a sample from the input in the similarity kernel.</param>
    /// <param name="kernelWidth">w of the similarity kernel exp(−d² / (2 w²)) (Captum's default 1); positive.</param>
    /// <param name="ridge">Ridge penalty on the coefficients (not the intercept); 0 (default) is plain weighted least squares.</param>
    /// <param name="seed">Seed of the sampling; default: drawn from torch's global generator, so <c>torch.manual_seed</c> also makes the result reproducible.</param>
    /// <param name="cancellationToken">Checked before any work and before every forward pass: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? featureMask = null, AblationBaseline baselines = default,
        int nSamples = 50, int perturbationsPerEval = 1, LimeDistance distance = LimeDistance.Cosine, double kernelWidth = 1.0,
        double ridge = 0, int? seed = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AttributionArgs.CheckBatch(inputs, Name);
        ArgumentNullException.ThrowIfNull(target);
        SurrogateEngine.CheckCounts(nSamples, perturbationsPerEval, Name);
        Checks.Defined(distance, nameof(distance), Name);
        if (!double.IsFinite(kernelWidth) || kernelWidth <= 0)
            throw new ArgumentOutOfRangeException(nameof(kernelWidth), kernelWidth, $"{Name}: kernelWidth must be a positive finite number (Captum's default is 1)");
        if (!double.IsFinite(ridge) || ridge < 0)
            throw new ArgumentOutOfRangeException(nameof(ridge), ridge, $"{Name}: ridge must be 0 (plain least squares) or a positive finite penalty");

        Checks.Finite(inputs, Name, nameof(inputs));
        baselines.CheckFinite(Name);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.detach();
        var mask = AblationEngine.ExpandFeatureMask(featureMask, x, Name);
        var replacement = baselines.Materialize(x, $"{Name}: baselines");
        var rng = SurrogateEngine.Rng(seed);
        var options = new Options(perturbationsPerEval, distance, kernelWidth, ridge);
        var result = SurrogateEngine.ByGroups(x, target, mask, replacement,
            (rx, rt, rm, rr) => Rows(rx, rt, rm, rr, Samples(GroupCount(rm), nSamples, rng), options, cancellationToken).Attributions);
        return result.reshape(x.shape).MoveToOuterDisposeScope();
    }

    internal readonly record struct Options(int PerturbationsPerEval, LimeDistance Distance, double KernelWidth, double Ridge);

    /// <summary>One fit of rows that share their groups: the attributions [B, D] and what the fit saw.</summary>
    /// <param name="Attributions">[B, D], in the inputs' dtype.</param>
    /// <param name="Samples">The interpretable samples (true: the group is on).</param>
    /// <param name="Outputs">The selected output at every sample, [B, n].</param>
    /// <param name="Weights">The similarity weight of every sample, [B, n].</param>
    /// <param name="Coefficients">Each row's coefficients, [B, G] (groups in ascending id order).</param>
    /// <param name="Intercepts">Each row's intercept, [B].</param>
    internal sealed record Fit(Tensor Attributions, IReadOnlyList<bool[]> Samples, double[,] Outputs, double[,] Weights, double[,] Coefficients, double[] Intercepts);

    private static int GroupCount(Tensor mask) => AblationEngine.Groups(mask).ids.Length;

    /// <summary>Captum's default perturbation: every group on with probability ½, independently.</summary>
    private static List<bool[]> Samples(int groups, int nSamples, Random rng)
    {
        var samples = new List<bool[]>(nSamples);
        for (var s = 0; s < nSamples; s++)
        {
            var z = new bool[groups];
            for (var j = 0; j < groups; j++) z[j] = rng.NextDouble() < 0.5;
            samples.Add(z);
        }
        return samples;
    }

    /// <summary>
    /// The fit on given interpretable samples (the seam the tests use to check the coefficients against an independent
    /// weighted least squares). <paramref name="mask"/> is the expanded mask, the same groups in every row.
    /// </summary>
    internal Fit Rows(Tensor x, Target target, Tensor mask, Tensor replacement, IReadOnlyList<bool[]> samples, Options options, CancellationToken cancellationToken)
    {
        var (ids, groupIndex) = AblationEngine.Groups(mask);
        var g = ids.Length;
        var b = (int)x.size(0);
        var n = samples.Count;
        var (f, d) = SurrogateEngine.Evaluate(_forward, target, x, replacement, groupIndex, samples, options.PerturbationsPerEval, Name, cancellationToken, options.Distance);
        var design = new double[n, g + 1];
        for (var s = 0; s < n; s++)
        {
            design[s, 0] = 1;
            for (var j = 0; j < g; j++) design[s, j + 1] = samples[s][j] ? 1 : 0;
        }
        var weights = new double[b, n];
        var coefficients = new double[b, g];
        var intercepts = new double[b];
        for (var r = 0; r < b; r++)
        {
            // One fit per row: the weights depend on the row's distances.
            var w = new double[n];
            var y = new double[n, 1];
            for (var s = 0; s < n; s++)
            {
                w[s] = weights[r, s] = Math.Exp(-d![r, s] * d[r, s] / (2 * options.KernelWidth * options.KernelWidth));
                y[s, 0] = f[r, s];
            }
            var beta = WeightedLeastSquares.Solve(design, y, w, options.Ridge, penalizeFrom: 1);
            intercepts[r] = beta[0, 0];
            for (var j = 0; j < g; j++) coefficients[r, j] = beta[j + 1, 0];
        }
        return new Fit(SurrogateEngine.Spread(coefficients, groupIndex, x.dtype), samples, f, weights, coefficients, intercepts);
    }
}
