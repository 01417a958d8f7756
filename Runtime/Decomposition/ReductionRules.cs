namespace AttrDsl.Decomposition;

/// <summary>
/// CD of sums and means: linear maps, applied to β and γ alike, so β' + γ' is the reduction of β + γ exactly
/// (global average pooling, mean over tokens, a sum of gated terms).
/// </summary>
public static class ReductionRules
{
    /// <summary>Mean over all elements of β and of γ.</summary>
    public static Decomposition Mean(Decomposition d) => CdGuard.Both(d, x => x.mean(), "mean");

    /// <summary>Mean over <paramref name="dimensions"/> of β and of γ.</summary>
    public static Decomposition Mean(Decomposition d, long[] dimensions, bool keepdim = false, ScalarType? type = null)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        return CdGuard.Both(d, x => x.mean(dimensions, keepdim, type), "mean");
    }

    /// <summary>Sum over all elements of β and of γ (optionally in <paramref name="type"/>).</summary>
    public static Decomposition Sum(Decomposition d, ScalarType? type = null) => CdGuard.Both(d, x => x.sum(type), "sum");

    /// <summary>Sum over <paramref name="dim"/> of β and of γ.</summary>
    public static Decomposition Sum(Decomposition d, long[] dim, bool keepdim = false, ScalarType? type = null)
    {
        ArgumentNullException.ThrowIfNull(dim);
        return CdGuard.Both(d, x => x.sum(dim, keepdim, type), "sum");
    }

    /// <summary>
    /// The maximum along <paramref name="dim"/> (max over time in text CNNs): the positions are chosen on β + γ, as max
    /// pooling does, and β and γ are read at them; the indexes are returned as they are (a constant).
    /// </summary>
    public static (Decomposition Values, Tensor Indexes) Max(Decomposition d, long dim, bool keepdim = false) => Select(d, dim, keepdim, max: true);

    /// <summary>The minimum along <paramref name="dim"/>: positions chosen on β + γ, β and γ read at them.</summary>
    public static (Decomposition Values, Tensor Indexes) Min(Decomposition d, long dim, bool keepdim = false) => Select(d, dim, keepdim, max: false);

    private static (Decomposition Values, Tensor Indexes) Select(Decomposition d, long dim, bool keepdim, bool max)
    {
        CdGuard.Check(d, nameof(d));
        var dims = d.Relevant.dim();
        if (dims == 0 || dim < -dims || dim >= dims)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"{(max ? "max" : "min")} along dimension {dim} of a decomposition with {dims} dimension(s)");
        using var scope = NewDisposeScope();
        var total = d.Relevant + d.Irrelevant;
        var indexes = (max ? total.max(dim, keepdim: true) : total.min(dim, keepdim: true)).indexes;
        var beta = d.Relevant.gather(dim, indexes);
        var gamma = d.Irrelevant.gather(dim, indexes);
        if (!keepdim) (beta, gamma, indexes) = (beta.squeeze(dim), gamma.squeeze(dim), indexes.squeeze(dim));
        var values = new Decomposition(beta, gamma).MoveToOuterDisposeScope();
        return (values, indexes.MoveToOuterDisposeScope());
    }
}
