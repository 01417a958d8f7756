namespace AttrDsl.Decomposition;

/// <summary>
/// CD of addition, subtraction, negation and of scaling by a constant. Sums of decompositions act on β and γ
/// separately; a constant c added to a decomposition is no feature's contribution, so it is shared like a bias by
/// magnitude (<see cref="BiasShare.Split"/>: β' = β + c·s, γ' = γ + c·(1 − s), s = |β|/(|β| + |γ|)), and a constant
/// factor scales both parts (the map is linear). Constants broadcast as in TorchSharp (either operand may be the larger).
/// </summary>
public static class ArithmeticRules
{
    /// <summary>(β₁ + α·β₂, γ₁ + α·γ₂).</summary>
    public static Decomposition Add(Decomposition a, Decomposition b, double alpha = 1)
    {
        CdGuard.Check(a, nameof(a));
        CdGuard.Check(b, nameof(b));
        CdGuard.Broadcast(a.Relevant.shape, b.Relevant.shape, "add", nameof(a), nameof(b));
        return alpha == 1
            ? new(a.Relevant + b.Relevant, a.Irrelevant + b.Irrelevant)
            : new(a.Relevant.add(b.Relevant, alpha), a.Irrelevant.add(b.Irrelevant, alpha));
    }

    /// <summary>(β₁ − β₂, γ₁ − γ₂).</summary>
    public static Decomposition Sub(Decomposition a, Decomposition b)
    {
        CdGuard.Check(a, nameof(a));
        CdGuard.Check(b, nameof(b));
        CdGuard.Broadcast(a.Relevant.shape, b.Relevant.shape, "sub", nameof(a), nameof(b));
        return new(a.Relevant - b.Relevant, a.Irrelevant - b.Irrelevant);
    }

    /// <summary>d + c with the constant c shared like a bias by the magnitudes of β and γ.</summary>
    public static Decomposition AddConstant(Decomposition d, Tensor c)
    {
        ArgumentNullException.ThrowIfNull(c);
        CdGuard.Check(d, nameof(d));
        CdGuard.Broadcast(d.Relevant.shape, c.shape, "add", "decomposition", "constant");
        return BiasShare.Split(d.Relevant, d.Irrelevant, c);
    }

    /// <summary>d + c for a number c, shared like a bias.</summary>
    public static Decomposition AddConstant(Decomposition d, double c)
    {
        CdGuard.Check(d, nameof(d));
        using var scope = NewDisposeScope();
        return BiasShare.Split(d.Relevant, d.Irrelevant, Scalar(c, d)).MoveToOuterDisposeScope();
    }

    /// <summary>c − d: (−β, −γ) with c shared like a bias.</summary>
    public static Decomposition SubtractFrom(Tensor c, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(c);
        CdGuard.Check(d, nameof(d));
        CdGuard.Broadcast(c.shape, d.Relevant.shape, "sub", "constant", "decomposition");
        using var scope = NewDisposeScope();
        return BiasShare.Split(-d.Relevant, -d.Irrelevant, c).MoveToOuterDisposeScope();
    }

    /// <summary>c − d for a number c.</summary>
    public static Decomposition SubtractFrom(double c, Decomposition d)
    {
        CdGuard.Check(d, nameof(d));
        using var scope = NewDisposeScope();
        return BiasShare.Split(-d.Relevant, -d.Irrelevant, Scalar(c, d)).MoveToOuterDisposeScope();
    }

    /// <summary>(−β, −γ).</summary>
    public static Decomposition Neg(Decomposition d)
    {
        CdGuard.Check(d, nameof(d));
        return new(-d.Relevant, -d.Irrelevant);
    }

    /// <summary>d ⊙ c for a constant c: (β ⊙ c, γ ⊙ c), exact because the product is linear in d.</summary>
    public static Decomposition Scale(Decomposition d, Tensor c)
    {
        ArgumentNullException.ThrowIfNull(c);
        CdGuard.Check(d, nameof(d));
        CdGuard.Broadcast(d.Relevant.shape, c.shape, "mul", "decomposition", "constant");
        return new(d.Relevant * c, d.Irrelevant * c);
    }

    /// <summary>c·d for a number c.</summary>
    public static Decomposition Scale(Decomposition d, double c)
    {
        CdGuard.Check(d, nameof(d));
        return new(d.Relevant * c, d.Irrelevant * c);
    }

    /// <summary>d ÷ c for a constant c: (β ÷ c, γ ÷ c).</summary>
    public static Decomposition DivideBy(Decomposition d, Tensor c)
    {
        ArgumentNullException.ThrowIfNull(c);
        CdGuard.Check(d, nameof(d));
        CdGuard.Broadcast(d.Relevant.shape, c.shape, "div", "decomposition", "constant");
        return new(d.Relevant / c, d.Irrelevant / c);
    }

    /// <summary>d ÷ c for a number c.</summary>
    public static Decomposition DivideBy(Decomposition d, double c)
    {
        CdGuard.Check(d, nameof(d));
        return new(d.Relevant / c, d.Irrelevant / c);
    }

    // A number as a 0-dim tensor of the decomposition's dtype and device (broadcasts into any shape).
    internal static Tensor Scalar(double c, Decomposition like) => tensor(c, dtype: like.Relevant.dtype, device: like.Relevant.device);
}
