namespace AttrDsl.Decomposition;

/// <summary>CD of ops that combine activations: residual addition and concatenation act on β and γ separately.</summary>
public static class CombinationRules
{
    /// <summary>Residual addition: (β₁ + β₂, γ₁ + γ₂).</summary>
    public static Decomposition Add(Decomposition a, Decomposition b) => new(a.Relevant + b.Relevant, a.Irrelevant + b.Irrelevant);

    /// <summary>Concatenation along <paramref name="dim"/>: β's together and γ's together.</summary>
    public static Decomposition Cat(IReadOnlyList<Decomposition> parts, long dim)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("Concatenation needs at least one decomposition.", nameof(parts));
        return new(cat(parts.Select(p => p.Relevant).ToArray(), dim), cat(parts.Select(p => p.Irrelevant).ToArray(), dim));
    }
}
