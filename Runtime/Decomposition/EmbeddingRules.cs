using AttrDsl.Attribution;
namespace AttrDsl.Decomposition;

/// <summary>
/// CD of an <see cref="Embedding"/> layer: its input is token indices, not values, so the mask selects tokens: each
/// token's embedding vector goes wholly to β where the token is relevant (mask 1) and to γ where it is not
/// (mask 0); a fractional mask m splits it as m·e and (1 − m)·e. β + γ is the embedding exactly.
/// </summary>
public static class EmbeddingRules
{
    /// <summary>β = m·E[idx], γ = (1 − m)·E[idx] for token indices <paramref name="indices"/> and a per-token mask broadcastable to them.</summary>
    public static Decomposition Embedding(Embedding layer, Tensor indices, Tensor tokenMask)
    {
        ArgumentNullException.ThrowIfNull(layer);
        Checks.Live(indices, "EmbeddingRules.Embedding", nameof(indices));
        Checks.Live(tokenMask, "EmbeddingRules.Embedding", nameof(tokenMask));
        Checks.Indices(indices, layer.weight!.shape[0], "ContextualDecomposition", "tokens", "the embedding table");
        using var scope = NewDisposeScope();
        var e = layer.call(indices);
        // A NaN row of the table would make β or γ NaN for every token that uses it.
        if (!Checks.AllFinite(e))
            throw new InvalidOperationException(
                "ContextualDecomposition: the embedding's weight holds NaN or ±Inf in the rows these tokens use; check the embedding weight (a training run that diverged?)");
        var m = tokenMask.to(e.dtype).unsqueeze(-1);
        var beta = e * m;
        var gamma = e - beta;
        return new Decomposition(beta, gamma).MoveToOuterDisposeScope();
    }
}
