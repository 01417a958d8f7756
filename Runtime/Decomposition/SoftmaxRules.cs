namespace AttrDsl.Decomposition;

/// <summary>
/// CD of softmax and log-softmax.
/// <list type="bullet">
/// <item>softmax — CD-T's convention (<see cref="AttentionRules"/>): softmax weights are computed from the full input
/// β + γ and treated as constants, so the result is a plain tensor, and a following weights·v is linear in v
/// (softmax(q@kᵀ·s) then matmul with v by hand equals <see cref="AttentionRules.ScaledDotProductAttention"/>).</item>
/// <item>log_softmax — x − logsumexp(x) along the dimension: the decomposition minus a term that is constant along that
/// dimension; that term, logsumexp(β + γ), is shared like a bias by magnitude (<see cref="BiasShare.Split"/>):
/// β' = β − lse·s, γ' = γ − lse·(1 − s), s = |β|/(|β| + |γ|). A full mask (γ = 0) gives γ' = 0, an empty mask
/// (β = 0) gives β' = 0 (elements where both parts are 0 take half of −lse each), and β' + γ' = log_softmax(β + γ).</item>
/// </list>
/// </summary>
public static class SoftmaxRules
{
    /// <summary>softmax(β + γ) along <paramref name="dim"/>: weights from the full input, a plain tensor (a constant for CD).</summary>
    public static Tensor Softmax(Decomposition d, long dim, ScalarType? dtype = null)
    {
        CdGuard.Check(d, nameof(d));
        Interpretation.Refuse("softmax");
        using var scope = NewDisposeScope();
        var full = d.Total();
        return CdGuard.Call(() => full.softmax(dim, dtype), "softmax", full, "input").MoveToOuterDisposeScope();
    }

    /// <summary>log_softmax of a decomposition along <paramref name="dim"/>: (β, γ) − logsumexp(β + γ) shared like a bias.</summary>
    public static Decomposition LogSoftmax(Decomposition d, long dim, ScalarType? dtype = null)
    {
        CdGuard.Check(d, nameof(d));
        Interpretation.Refuse("log_softmax");
        using var scope = NewDisposeScope();
        var (beta, gamma) = dtype is { } t ? (d.Relevant.to(t), d.Irrelevant.to(t)) : (d.Relevant, d.Irrelevant);
        var full = beta + gamma;
        var lse = CdGuard.Call(() => full.logsumexp(dim, keepdim: true), "log_softmax", full, "input");
        // Out of place: logsumexp's backward reads its own result.
        return BiasShare.Split(beta, gamma, -lse).MoveToOuterDisposeScope();
    }
}
