namespace AttrDsl.Decomposition;

/// <summary>
/// CD of ops that combine activations: residual addition, concatenation and stacking act on β and γ separately; a
/// constant that enters the decomposed computation on its own (an accumulator initialised to zeros, a class token,
/// a fill value) is caused by no feature and is shared 50/50 — the bias rule (<see cref="BiasShare.Split"/>) with
/// β = γ = 0.
/// </summary>
public static class CombinationRules
{
    /// <summary>Residual addition: (β₁ + β₂, γ₁ + γ₂).</summary>
    public static Decomposition Add(Decomposition a, Decomposition b) => ArithmeticRules.Add(a, b);

    /// <summary>Concatenation along <paramref name="dim"/>: β's together and γ's together.</summary>
    public static Decomposition Cat(IReadOnlyList<Decomposition> parts, long dim)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("cat: the list of decompositions is empty; concatenation needs at least one.", nameof(parts));
        for (var i = 0; i < parts.Count; i++) CdGuard.Check(parts[i], $"{nameof(parts)}[{i}]");
        var relevant = parts.Select(p => p.Relevant).ToArray();
        var beta = CdGuard.Call(() => cat(relevant, dim), "cat", relevant[0], "tensors[0]");
        return new(beta, cat(parts.Select(p => p.Irrelevant).ToArray(), dim));
    }

    /// <summary>Stacking along a new dimension <paramref name="dim"/>: β's together and γ's together (all of one shape).</summary>
    public static Decomposition Stack(IEnumerable<Decomposition> parts, long dim = 0)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var list = parts.ToArray();
        if (list.Length == 0) throw new ArgumentException("stack: the list of decompositions is empty; stacking needs at least one.", nameof(parts));
        for (var i = 0; i < list.Length; i++)
        {
            CdGuard.Check(list[i], $"{nameof(parts)}[{i}]");
            if (!list[i].Relevant.shape.SequenceEqual(list[0].Relevant.shape))
                throw new ArgumentException($"stack needs decompositions of one shape; parts[0] is {CdGuard.Shape(list[0].Relevant)} but parts[{i}] is {CdGuard.Shape(list[i].Relevant)}.", nameof(parts));
        }
        var relevant = list.Select(p => p.Relevant).ToArray();
        var beta = CdGuard.Call(() => stack(relevant, dim), "stack", relevant[0], "tensors[0]");
        return new(beta, stack(list.Select(p => p.Irrelevant).ToArray(), dim));
    }

    /// <summary>A constant entering on its own: (c/2, c/2).</summary>
    public static Decomposition Constant(Tensor c)
    {
        ArgumentNullException.ThrowIfNull(c);
        Interpretation.Refuse("a constant entering the computation on its own");
        return new(c / 2, c / 2);
    }

    /// <summary>A constant number entering on its own, with <paramref name="like"/>'s shape, dtype and device: (c/2, c/2).</summary>
    public static Decomposition Constant(double c, Decomposition like)
    {
        CdGuard.Check(like, nameof(like));
        Interpretation.Refuse("a constant entering the computation on its own");
        return new(full_like(like.Relevant, c / 2), full_like(like.Relevant, c / 2));
    }
}
