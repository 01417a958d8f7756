namespace AttrDsl.Decomposition;

/// <summary>
/// The CD bias rule (Singh et al., ACD): a constant term b added after a linear map is shared between β and γ in
/// proportion to the magnitudes of their linear parts r and i: β' = r + b·s, γ' = i + b·(1 − s) with
/// s = (|r| + ε/2)/(|r| + |i| + ε), ε = 1e-20 — that is |r|/(|r|+|i|) (to within ε relative to |r|+|i|), and
/// exactly ½ where r = i = 0. β' + γ' = r + i + b exactly (up to rounding).
/// </summary>
public static class BiasShare
{
    /// <summary>The ε of the share: it makes r = i = 0 split the bias 50/50 and keeps the share's gradient finite.</summary>
    public const double Epsilon = 1e-20;

    /// <summary>
    /// (r + b·s, i + b·(1 − s)) with s the share above; <paramref name="bias"/> null means no bias (r, i returned as
    /// they are). <paramref name="bias"/> must broadcast to r's shape.
    /// </summary>
    public static Decomposition Split(Tensor relevant, Tensor irrelevant, Tensor? bias)
    {
        CdGuard.Check(new Decomposition(relevant, irrelevant), "relevant/irrelevant");
        if (bias is not null)
        {
            if (bias.IsInvalid) throw new ObjectDisposedException(nameof(bias), "BiasShare.Split: the bias was disposed; pass a live tensor");
            CdGuard.Broadcast(relevant.shape, bias.shape, "BiasShare.Split", nameof(relevant), nameof(bias));
        }
        if (bias is null) return new Decomposition(relevant, irrelevant);
        // Under another interpretation the two parts are two activations (input's, reference's): each gets the bias.
        if (Interpretation.Current is not null) return new Decomposition(relevant + bias, Interpretation.OnReference(irrelevant, i => i + bias));
        using var scope = NewDisposeScope();
        var ar = relevant.abs();
        var denom = ar + irrelevant.abs();
        Tensor beta, gamma;
        if (is_grad_enabled() && (relevant.requires_grad || irrelevant.requires_grad || bias.requires_grad))
        {
            var share = (ar + Epsilon / 2) / (denom + Epsilon);
            var biasR = bias * share;
            beta = relevant + biasR;
            gamma = irrelevant + (bias - biasR);
        }
        else
        {
            // No graph to keep: reuse the fresh temporaries in place (the CD pass is memory-bound on large activations).
            // |r|/(|r|+|i|) is 0/0 = NaN exactly where r = i = 0: those become the 50/50 share (the same values as
            // the ε form above up to ε relative to |r|+|i|, with two passes fewer over the activation).
            var share = ar.div_(denom).nan_to_num_(0.5);
            beta = relevant.addcmul(share, bias, 1);
            gamma = (irrelevant + bias).addcmul_(share, bias, -1);
        }
        return new Decomposition(beta, gamma).MoveToOuterDisposeScope();
    }
}
