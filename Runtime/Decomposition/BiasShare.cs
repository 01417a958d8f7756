namespace AttrDsl.Decomposition;

/// <summary>
/// The CD bias rule (Singh et al., ACD): a constant term b added after a linear map is shared between β and γ in
/// proportion to the magnitudes of their linear parts r and i: β' = r + b·|r|/(|r|+|i|), γ' = i + b·|i|/(|r|+|i|),
/// half each where |r|+|i| ≤ ε = 1e-20. β' + γ' = r + i + b exactly (up to rounding).
/// </summary>
public static class BiasShare
{
    /// <summary>The threshold below which |r|+|i| counts as zero and the bias is split 50/50.</summary>
    public const double Epsilon = 1e-20;

    /// <summary>
    /// (r + b·s, i + b·(1 − s)) with s = |r|/(|r|+|i|) (½ where |r|+|i| ≤ ε); <paramref name="bias"/> null means no
    /// bias (r, i returned as they are). <paramref name="bias"/> must broadcast to r's shape.
    /// </summary>
    public static Decomposition Split(Tensor relevant, Tensor irrelevant, Tensor? bias)
    {
        if (bias is null) return new Decomposition(relevant, irrelevant);
        using var scope = NewDisposeScope();
        var ar = relevant.abs();
        var denom = ar + irrelevant.abs();
        // clamp_min keeps the unused branch finite, so gradients through where stay finite (CDEP trains through this).
        var share = (ar / denom.clamp_min(Epsilon)).masked_fill(denom <= Epsilon, 0.5);
        var biasR = bias * share;
        var beta = relevant + biasR;
        var gamma = irrelevant + (bias - biasR);
        return new Decomposition(beta, gamma).MoveToOuterDisposeScope();
    }
}
