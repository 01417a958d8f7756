using AttrDsl.Attribution;

using AttrDsl.Internal;

namespace AttrDsl.Decomposition.Penalties;

/// <summary>
/// CDEP, contextual decomposition explanation penalisation (Rieger et al. 2020, "Interpretations are useful"):
/// the share of each logit that the decomposition attributes to the masked region. For relevant β and irrelevant γ
/// logits [B, K] the penalty is
/// <code>(1/B) Σ_b [mask_b ≠ 0] · (1/K) Σ_k softmax([β_bk, γ_bk])₀</code>
/// — the mean over samples and logits of the relevant share, as the reference's <c>cd_penalty</c>
/// (<c>softmax(stack(rel, irrel))[:, 0].mean()</c>; ALGORITHMS.md §5). softmax([β, γ])₀ is computed as
/// σ(β − γ), the same value without forming exponentials.
/// </summary>
/// <remarks>
/// <para>
/// A sample whose mask is empty has no masked region (the paper's Σ over regions s is empty) and contributes 0,
/// so an all-empty mask gives a penalty of exactly 0. The reference would still charge σ(0 − γ) for it: with an empty
/// region β is 0 but softmax([0, γ])₀ is not.
/// </para>
/// <para>
/// The decomposition is a parameter, so this runs with any decomposition that splits the logits into the masked
/// region's part and the rest. Contextual decomposition plugs in as
/// <code>new CdepPenalty((model, x, m) =&gt; ContextualDecomposition.Decompose(model, x, m))</code>
/// and, for a fixed model, <c>CdepPenalty.Value((x, m) =&gt; ContextualDecomposition.Decompose(model, x, m), x, mask)</c>.
/// </para>
/// </remarks>
public sealed class CdepPenalty : IExplanationPenalty
{
    private const string Method = "CdepPenalty";
    private readonly Decomposer _decompose;

    /// <summary>Creates the penalty around a decomposition of (model, inputs, mask) into (relevant, irrelevant) logits.</summary>
    public CdepPenalty(Decomposer decompose) => _decompose = decompose ?? throw new ArgumentNullException(nameof(decompose));

    /// <inheritdoc/>
    public string Name => "CDEP";

    /// <inheritdoc/>
    /// <remarks>The labels are not used: CDEP penalises the masked region's share of every logit.</remarks>
    public Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Tensor mask)
    {
        Checks.Live(model, Method);
        Checks.NotEmpty(x, Method, nameof(x));
        PenaltyMasks.Labels(y, x, Method);
        return Value((input, m) =>
        {
            var parts = _decompose(model, input, m);
            if (parts.Relevant is { IsInvalid: false } r && parts.Irrelevant is { IsInvalid: false } g && !y.is_floating_point() && r.dim() >= 1)
                PenaltyMasks.Labels(y, x, Method, r.numel() / Math.Max(1, r.size(0)));
            return parts;
        }, x, mask);
    }

    /// <summary>
    /// The CDEP penalty of one decomposition: <paramref name="decompose"/>(x, mask) → (relevant, irrelevant) logits,
    /// then the mean relevant share as in the class summary. Differentiable in whatever the decomposition is.
    /// </summary>
    /// <param name="decompose">(inputs, mask) → (β, γ), both [B, ...] with one row per sample and the same shape.</param>
    /// <param name="x">The inputs [B, ...].</param>
    /// <param name="mask">The penalised region, shaped like <paramref name="x"/> or broadcastable to it; it reaches the
    /// decomposition in x's dtype and on x's device.</param>
    /// <exception cref="ArgumentException">Empty or non-floating inputs; a mask that does not fit or holds NaN/±Inf.</exception>
    /// <exception cref="InvalidOperationException">The decomposition returned null, disposed, non-floating or mismatched parts.</exception>
    public static Tensor Value(Func<Tensor, Tensor, (Tensor Relevant, Tensor Irrelevant)> decompose, Tensor x, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(decompose);
        using var scope = NewDisposeScope();
        var m = PenaltyMasks.Check(x, mask, Method);
        var (relevant, irrelevant) = decompose(x, m);
        var b = x.size(0);
        Part(relevant, "relevant", b);
        Part(irrelevant, "irrelevant", b);
        if (!relevant.shape.SequenceEqual(irrelevant.shape))
            throw new InvalidOperationException(
                $"{Method}: the decomposition's relevant part {Format.Shape(relevant.shape)} and irrelevant part {Format.Shape(irrelevant.shape)} differ in shape; both must be the logits' shape");
        var share = (relevant - irrelevant).sigmoid().reshape(b, -1).mean([1]);     // softmax([β, γ])₀, averaged over the logits
        var weights = PenaltyMasks.HasRegion(x, m);
        return (share * weights).mean().MoveToOuterDisposeScope();
    }

    private static void Part(Tensor? part, string name, long rows)
    {
        if (part is null || part.IsInvalid)
            throw new InvalidOperationException($"{Method}: the decomposition returned a {(part is null ? "null" : "disposed")} {name} part; return live tensors (move them out of your dispose scope)");
        if (!part.is_floating_point())
            throw new InvalidOperationException($"{Method}: the decomposition's {name} part is a {part.dtype} tensor; it must be the floating-point logits' share");
        if (part.dim() < 1 || part.size(0) != rows)
            throw new InvalidOperationException($"{Method}: the decomposition's {name} part has shape {Format.Shape(part.shape)} for a batch of {rows}; it must have one row per sample");
        if (!Checks.AllFinite(part))
            throw new InvalidOperationException($"{Method}: the decomposition's {name} part holds NaN or ±Inf; the model's decomposition is not finite (NaN weights, or an overflow)");
    }
}
