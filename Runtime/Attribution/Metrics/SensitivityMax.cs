using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// Max-sensitivity (Yeh et al. 2019; Captum's <c>sensitivity_max</c>): the largest relative change of an
/// explanation under small input perturbations, max_δ ‖attr(x + δ) − attr(x)‖ / ‖attr(x)‖ with δ drawn
/// uniformly from the L∞ ball of radius r (<c>nPerturbSamples</c> draws per sample; a zero ‖attr(x)‖ is
/// replaced by 1, as Captum). Lower is more robust.
/// </summary>
public static class SensitivityMax
{
    private const string Name = nameof(SensitivityMax);

    /// <summary>Captum's default radius.</summary>
    public const double DefaultRadius = 0.02;

    /// <summary>
    /// The max-sensitivity of <paramref name="explain"/> for each sample, [B]. The explanation is called
    /// with the perturbed batch [B·k, ...] (sample-major) and <c>target.Repeat(k)</c>.
    /// </summary>
    /// <param name="explain">The attribution method: (inputs, target) → attributions with a leading batch dimension.</param>
    /// <param name="inputs">The explained batch [B, ...].</param>
    /// <param name="target">The output being explained.</param>
    /// <param name="perturbRadius">r: the default perturbation is δ ~ U(−r, r) elementwise (global generator).</param>
    /// <param name="nPerturbSamples">Perturbations per sample (Captum's default 10).</param>
    /// <param name="normOrder">The p of the vector norm over each flattened explanation (2, Captum's "fro"; ∞ allowed).</param>
    /// <param name="perturb">A custom perturbation: repeated inputs → perturbed inputs (then <paramref name="perturbRadius"/> is unused).</param>
    /// <param name="maxExamplesPerBatch">At most this many perturbed rows per explanation call (at least one perturbation of every sample).</param>
    /// <param name="cancellationToken">Checked before any work and before every explanation call: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Tensor Compute(Func<Tensor, Target, Tensor> explain, Tensor inputs, Target target, double perturbRadius = DefaultRadius,
        int nPerturbSamples = 10, double normOrder = 2, Func<Tensor, Tensor>? perturb = null, int? maxExamplesPerBatch = null,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(explain);
        AttributionArgs.CheckBatch(inputs, Name);
        var userExplain = explain;
        explain = (x, t) => ModelCall.Run(() => userExplain(x, t), Name + " (the explanation function)", x);
        ArgumentNullException.ThrowIfNull(target);
        if (perturb is null && (!(perturbRadius >= 0) || double.IsInfinity(perturbRadius)))
            throw new ArgumentOutOfRangeException(nameof(perturbRadius), perturbRadius, $"{Name}: the perturbation radius must be finite and ≥ 0");
        if (nPerturbSamples < 1)
            throw new ArgumentOutOfRangeException(nameof(nPerturbSamples), nPerturbSamples, $"{Name}: nPerturbSamples must be at least 1");
        if (!(normOrder > 0))
            throw new ArgumentOutOfRangeException(nameof(normOrder), normOrder, $"{Name}: the norm order must be positive");
        Checks.Finite(inputs, Name, nameof(inputs));
        perturb ??= UniformNoise(perturbRadius);
        var b = inputs.size(0);
        var perChunk = Infidelity.SamplesPerChunk(maxExamplesPerBatch, b, nPerturbSamples, Name);
        Checks.FitsInMemory((long)perChunk * b, inputs, Name, nameof(nPerturbSamples), nPerturbSamples, $"B·nPerturbSamples = {b}·{perChunk} perturbed rows at once",
            "lower nPerturbSamples, or set maxExamplesPerBatch to evaluate them in pieces");

        using var scope = NewDisposeScope();
        var x = inputs.detach();
        var baseExpl = Flat(explain(x, target), b, "the inputs");
        var baseNorm = baseExpl.norm(normOrder, 1, keepdim: true);                      // [B, 1]
        var safeNorm = where(baseNorm.eq(0), ones_like(baseNorm), baseNorm);
        Tensor? best = null;
        for (var s0 = 0; s0 < nPerturbSamples; s0 += perChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var chunkScope = NewDisposeScope();
            var k = Math.Min(perChunk, nPerturbSamples - s0);
            var repeated = Infidelity.RepeatRows(x, k);
            Tensor perturbed;
            using (no_grad()) perturbed = perturb(repeated).detach();
            if (!Checks.AllFinite(perturbed))
                throw new InvalidOperationException($"{Name}: the perturbation function perturb returned NaN or ±Inf inputs; return finite perturbed inputs");
            if (!perturbed.shape.SequenceEqual(repeated.shape))
                throw new InvalidOperationException($"{Name}: the perturbation function returned shape {AttributionArgs.Str(perturbed.shape)} for inputs {AttributionArgs.Str(repeated.shape)}");
            var expl = Flat(explain(perturbed, k == 1 ? target : target.Repeat(k)), b * k, "the perturbed inputs");
            if (expl.size(1) != baseExpl.size(1))
                throw new InvalidOperationException($"{Name}: the explanation of the perturbed inputs has {expl.size(1)} values per row but that of the inputs {baseExpl.size(1)}");
            using var noGrad = no_grad();
            var diff = expl.view(b, k, -1) - baseExpl.unsqueeze(1);                        // [B, k, D]
            var sens = diff.norm(normOrder, 2) / safeNorm;                                  // [B, k]
            var chunkMax = sens.amax([1]);
            var merged = best is null ? chunkMax : best.maximum(chunkMax);
            best = merged.MoveToOuterDisposeScope();
        }
        return best!.MoveToOuterDisposeScope();
    }

    /// <summary>Max-sensitivity of an explanation that takes no target (e.g. one that closes over a fixed class).</summary>
    /// <inheritdoc cref="Compute(Func{Tensor, Target, Tensor}, Tensor, Target, double, int, double, Func{Tensor, Tensor}?, int?, CancellationToken)"/>
    public static Tensor Compute(Func<Tensor, Tensor> explain, Tensor inputs, double perturbRadius = DefaultRadius,
        int nPerturbSamples = 10, double normOrder = 2, Func<Tensor, Tensor>? perturb = null, int? maxExamplesPerBatch = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(explain);
        return Compute((x, _) => explain(x), inputs, Target.Output, perturbRadius, nPerturbSamples, normOrder, perturb, maxExamplesPerBatch, cancellationToken);
    }

    /// <summary>x + δ with δ ~ U(−r, r) elementwise from the global generator (seed with <c>torch.manual_seed</c>).</summary>
    public static Func<Tensor, Tensor> UniformNoise(double radius)
    {
        if (!(radius >= 0) || double.IsInfinity(radius))
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "the perturbation radius must be finite and ≥ 0");
        return inputs =>
        {
            using var scope = NewDisposeScope();
            var delta = rand_like(inputs).mul_(2 * radius).add_(-radius);
            return (inputs + delta).MoveToOuterDisposeScope();
        };
    }

    private static Tensor Flat(Tensor explanation, long rows, string what)
    {
        if (explanation is null) throw new InvalidOperationException($"{Name}: the explanation function explain returned null; it must return attributions with one row per input row");
        if (explanation.IsInvalid) throw new InvalidOperationException($"{Name}: the explanation function explain returned a disposed tensor; return it out of its dispose scope");
        if (explanation.dim() < 1 || explanation.size(0) != rows)
            throw new InvalidOperationException($"{Name}: the explanation function explain returned shape {AttributionArgs.Str(explanation.shape)} for {what}; expected {rows} rows (one per input row)");
        if (!explanation.is_floating_point())
            throw new InvalidOperationException($"{Name}: the explanation function explain returned a {explanation.dtype} tensor; attributions are floating point");
        if (!Checks.AllFinite(explanation))
            throw new InvalidOperationException($"{Name}: the explanation function explain returned non-finite attributions for {what} (NaN or ±Inf); the sensitivity of a NaN explanation means nothing — check the explained model and method");
        using var detached = explanation.detach();
        return detached.reshape(rows, -1);
    }
}
