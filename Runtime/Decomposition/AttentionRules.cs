namespace AttrDsl.Decomposition;

/// <summary>
/// CD of softmax attention. The literature gives no single rule; this one follows CD-T (contextual decomposition for
/// transformers): the attention weights A = softmax(Q·Kᵀ·scale + mask) are computed from the full query and key
/// (β + γ of each) and treated as constants given the input, so the attention output A·V is linear in V and
/// β' = A·β_V, γ' = A·γ_V. Then β' + γ' = A·(β_V + γ_V) = attention(Q, K, V) exactly, and a V with γ_V = 0 gives γ' = 0.
/// What this does not attribute: how much of the weights themselves the relevant features caused (Q and K's
/// decompositions are only summed); CD-T makes the same choice, as LayerNorm's σ here is taken from the full input.
/// </summary>
public static class AttentionRules
{
    /// <summary>
    /// CD of <c>nn.functional.scaled_dot_product_attention(q, k, v, attn_mask, is_causal, scale)</c> (no dropout):
    /// weights from the full q and k (<see cref="Weights"/>), applied to β and γ of v.
    /// </summary>
    /// <param name="q">The query [..., L, E].</param>
    /// <param name="k">The key [..., S, E].</param>
    /// <param name="v">The value [..., S, Ev].</param>
    /// <param name="attnMask">Optional mask broadcastable to [..., L, S]: bool (true = may attend, as PyTorch) or an additive float mask.</param>
    /// <param name="isCausal">Position i attends only to positions ≤ i (L × S lower triangle).</param>
    /// <param name="scale">The logit scale (default 1/√E).</param>
    /// <returns>β and γ of the output [..., L, Ev].</returns>
    public static Decomposition ScaledDotProductAttention(Decomposition q, Decomposition k, Decomposition v, Tensor? attnMask = null, bool isCausal = false, double? scale = null)
    {
        Interpretation.Refuse("attention");
        using var scope = NewDisposeScope();
        using var weights = Weights(q.Total(), k.Total(), attnMask, isCausal, scale);
        return Weighted(weights, v).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The attention weights softmax(q·kᵀ·scale + mask) over the last dimension, [..., L, S], from plain tensors (the
    /// full activations): what <see cref="ScaledDotProductAttention"/> treats as constants.
    /// </summary>
    /// <exception cref="ArgumentException">q and k are not at least 2-D, or their feature sizes differ.</exception>
    public static Tensor Weights(Tensor q, Tensor k, Tensor? attnMask = null, bool isCausal = false, double? scale = null)
    {
        AttrDsl.Attribution.Checks.Live(q, "AttentionRules.Weights", nameof(q));
        AttrDsl.Attribution.Checks.Live(k, "AttentionRules.Weights", nameof(k));
        if (attnMask is not null) AttrDsl.Attribution.Checks.Live(attnMask, "AttentionRules.Weights", nameof(attnMask));
        if (q.dim() < 2 || k.dim() < 2 || q.size(-1) != k.size(-1))
            throw new ArgumentException($"Attention needs a query [..., L, E] and a key [..., S, E] with the same E; got [{string.Join(", ", q.shape)}] and [{string.Join(", ", k.shape)}].");
        CheckBatchDims(q, k, "query", "key");
        using var scope = NewDisposeScope();
        var logits = q.matmul(k.transpose(-2, -1)) * (scale ?? 1.0 / Math.Sqrt(q.size(-1)));
        if (isCausal)
        {
            var (l, s) = (q.size(-2), k.size(-2));
            var allowed = ones(l, s, dtype: ScalarType.Bool, device: q.device).tril();
            logits = logits.masked_fill(allowed.logical_not(), double.NegativeInfinity);
        }
        if (attnMask is not null)
        {
            logits = attnMask.dtype == ScalarType.Bool
                ? logits.masked_fill(attnMask.to(q.device).logical_not(), double.NegativeInfinity)
                : logits + attnMask.to(q.dtype, q.device);
        }
        return logits.softmax(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Constant weights applied to a decomposed value: (A·β, A·γ) — exact because the map is linear in v.</summary>
    /// <param name="weights">A [..., L, S] (treated as a constant; its gradient still flows when it carries one).</param>
    /// <param name="v">The value [..., S, Ev].</param>
    public static Decomposition Weighted(Tensor weights, Decomposition v)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.dim() < 2 || v.Relevant.dim() < 2 || weights.size(-1) != v.Relevant.size(-2))
            throw new ArgumentException($"Attention weights [{string.Join(", ", weights.shape)}] cannot be applied to a value [{string.Join(", ", v.Relevant.shape)}]: the weights' last size must equal the value's sequence size (second to last).");
        CheckBatchDims(weights, v.Relevant, "weights", "value");
        return new(weights.matmul(v.Relevant), weights.matmul(v.Irrelevant));
    }

    // Tensor.matmul with shapes that do not broadcast kills the process instead of throwing (docs/torchsharp.md), so the
    // leading (batch) dimensions are checked here first: aligned from the right, each pair equal or one of them 1.
    private static void CheckBatchDims(Tensor a, Tensor b, string aName, string bName)
    {
        var (sa, sb) = (a.shape[..^2], b.shape[..^2]);
        for (var i = 1; i <= Math.Min(sa.Length, sb.Length); i++)
        {
            var (x, y) = (sa[^i], sb[^i]);
            if (x != y && x != 1 && y != 1)
                throw new ArgumentException($"Attention: the batch dimensions of the {aName} [{string.Join(", ", a.shape)}] and the {bName} [{string.Join(", ", b.shape)}] do not broadcast.");
        }
    }
}
