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
}
