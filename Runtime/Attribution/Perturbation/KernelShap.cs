using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Kernel SHAP (Lundberg and Lee 2017; Captum's <c>KernelShap</c>): Shapley values of the feature groups estimated by a
/// weighted linear regression of the selected output on coalitions of groups. A coalition keeps some groups at the
/// input's values and replaces the others by the baseline; with the Shapley kernel as the coalitions' weights, the
/// regression's coefficients are the Shapley values.
/// <para>
/// The two end points (the input itself and the baseline) are not just heavily weighted, as in Captum, but imposed
/// exactly: the coefficients always sum to f(x) − f(baseline). When <c>nSamples</c> is at least the number of proper
/// coalitions (2^G − 2 for G groups) every coalition is evaluated once with its kernel weight, and the result is the
/// exact Shapley value; otherwise coalitions are drawn as Captum draws them (a size k with probability ∝ 1 / (k (G − k)),
/// then k groups uniformly) and weighted equally.
/// </para>
/// <para>
/// The rows of a batch share the coalitions and are evaluated together (B·k rows per forward pass); each row gets its
/// own fit. A feature mask that groups rows differently makes each row be explained on its own.
/// </para>
/// </summary>
public sealed class KernelShap
{
    private const string Name = nameof(KernelShap);
    private readonly Func<Tensor, Tensor> _forward;

    /// <summary>Kernel SHAP of a model given as a function from a batch to its outputs [B, ...].</summary>
    public KernelShap(Func<Tensor, Tensor> forward) => _forward = ModelCall.Guard(forward ?? throw new ArgumentNullException(nameof(forward)), nameof(KernelShap));

    /// <summary>Kernel SHAP of a module (its <c>forward</c>; set eval mode yourself where it matters).</summary>
    public KernelShap(torch.nn.Module<Tensor, Tensor> model) : this((model ?? throw new ArgumentNullException(nameof(model))).call) { }

    /// <summary>
    /// Estimated Shapley values shaped like <paramref name="inputs"/>; every element carries the value of the group it
    /// belongs to, and each row's group values sum to f(x) − f(baseline) for that row.
    /// </summary>
    /// <param name="inputs">A batch [B, ...].</param>
    /// <param name="target">Which output to explain (one value per sample).</param>
    /// <param name="featureMask">Integer group ids (int64, or int32) broadcastable to the input; default one group per element.</param>
    /// <param name="baselines">The "absent" value of a feature: a constant (default 0) or a tensor broadcastable to the input.</param>
    /// <param name="nSamples">Coalitions evaluated besides the input and the baseline (Captum's default 25). At least 2^G − 2
    /// (G groups) evaluates every coalition once and gives exact Shapley values.</param>
    /// <param name="perturbationsPerEval">How many coalitions are evaluated in one forward pass (B·k rows).</param>
    /// <param name="seed">Seed of the coalition sampling; default: drawn from torch's global generator, so <c>torch.manual_seed</c> also makes the result reproducible.</param>
    /// <param name="cancellationToken">Checked before any work and before every forward pass: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? featureMask = null, AblationBaseline baselines = default,
        int nSamples = 25, int perturbationsPerEval = 1, int? seed = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AttributionArgs.CheckBatch(inputs, Name);
        ArgumentNullException.ThrowIfNull(target);
        SurrogateEngine.CheckCounts(nSamples, perturbationsPerEval, Name);

        Checks.Finite(inputs, Name, nameof(inputs));
        baselines.CheckFinite(Name);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.detach();
        var mask = AblationEngine.ExpandFeatureMask(featureMask, x, Name);
        var replacement = baselines.Materialize(x, $"{Name}: baselines");
        var rng = SurrogateEngine.Rng(seed);
        var result = SurrogateEngine.ByGroups(x, target, mask, replacement,
            (rx, rt, rm, rr) => Rows(rx, rt, rm, rr, nSamples, perturbationsPerEval, rng, cancellationToken));
        return result.reshape(x.shape).MoveToOuterDisposeScope();
    }

    /// <summary>Shapley values [B, D] of rows that share their groups.</summary>
    private Tensor Rows(Tensor x, Target target, Tensor mask, Tensor replacement, int nSamples, int perturbationsPerEval, Random rng, CancellationToken cancellationToken)
    {
        var (ids, groupIndex) = AblationEngine.Groups(mask);
        var g = ids.Length;
        var b = (int)x.size(0);
        var (coalitions, weights) = Coalitions(g, nSamples, rng);
        var all = Enumerable.Repeat(true, g).ToArray();
        var none = new bool[g];
        var (f, _) = SurrogateEngine.Evaluate(_forward, target, x, replacement, groupIndex, [all, none, .. coalitions], perturbationsPerEval, Name, cancellationToken);
        var phi = new double[b, g];
        for (var r = 0; r < b; r++) phi[r, g - 1] = f[r, 0] - f[r, 1];
        if (g > 1)
        {
            // Efficiency imposed exactly: φ_last = Δ − Σ_{j<last} φ_j, which turns y = f(∅) + z·φ into
            // y − f(∅) − z_last·Δ = Σ_{j<last} (z_j − z_last) φ_j, fitted without an intercept.
            var n = coalitions.Count;
            var design = new double[n, g - 1];
            var response = new double[n, b];
            for (var s = 0; s < n; s++)
            {
                var z = coalitions[s];
                var last = z[g - 1] ? 1.0 : 0.0;
                for (var j = 0; j < g - 1; j++) design[s, j] = (z[j] ? 1.0 : 0.0) - last;
                for (var r = 0; r < b; r++) response[s, r] = f[r, s + 2] - f[r, 1] - last * (f[r, 0] - f[r, 1]);
            }
            var beta = WeightedLeastSquares.Solve(design, response, weights);
            for (var r = 0; r < b; r++)
                for (var j = 0; j < g - 1; j++)
                {
                    phi[r, j] = beta[j, r];
                    phi[r, g - 1] -= beta[j, r];
                }
        }
        return SurrogateEngine.Spread(phi, groupIndex, x.dtype);
    }

    /// <summary>
    /// The proper coalitions (neither empty nor full) and their regression weights: all 2^G − 2 of them with the Shapley
    /// kernel (G − 1) / (C(G, k) k (G − k)) when <paramref name="nSamples"/> covers them, else <paramref name="nSamples"/>
    /// drawn from that kernel (size k with probability ∝ 1 / (k (G − k)), then uniformly) with weight 1 each.
    /// </summary>
    internal static (List<bool[]> Coalitions, double[] Weights) Coalitions(int g, int nSamples, Random rng)
    {
        var coalitions = new List<bool[]>();
        if (g < 2) return (coalitions, []);
        if (g <= 30 && nSamples >= (1L << g) - 2)
        {
            var weights = new List<double>();
            for (long bits = 1; bits < (1L << g) - 1; bits++)
            {
                var z = new bool[g];
                var k = 0;
                for (var j = 0; j < g; j++)
                    if ((bits >> j & 1) == 1) { z[j] = true; k++; }
                coalitions.Add(z);
                weights.Add((g - 1) / (Binomial(g, k) * k * (g - k)));
            }
            return (coalitions, weights.ToArray());
        }
        var sizeWeights = Enumerable.Range(1, g - 1).Select(k => 1.0 / (k * (double)(g - k))).ToArray();
        var total = sizeWeights.Sum();
        for (var s = 0; s < nSamples; s++)
        {
            var u = rng.NextDouble() * total;
            var size = 1;
            for (; size < g - 1 && u >= sizeWeights[size - 1]; size++) u -= sizeWeights[size - 1];
            coalitions.Add(SurrogateEngine.RandomSubset(rng, g, size));
        }
        return (coalitions, Enumerable.Repeat(1.0, nSamples).ToArray());
    }

    private static double Binomial(int n, int k)
    {
        double c = 1;
        for (var i = 1; i <= k; i++) c = c * (n - k + i) / i;
        return c;
    }
}
