namespace AttrDsl.Decomposition;

/// <summary>
/// CD of products of two decompositions — element-wise (gating, squeeze-and-excitation, GLU), matrix (matmul, bmm) —
/// and of the quotient. A product with a constant is linear in the decomposition (see <see cref="ArithmeticRules"/>);
/// a product of two decompositions is expanded as ACD's LSTM cell (Murdoch et al. 2018; <see cref="LstmRules"/>):
/// the product of the two relevant parts is relevant, every product with an irrelevant factor is irrelevant:
/// β' = β₁·β₂, γ' = β₁·γ₂ + γ₁·β₂ + γ₁·γ₂ = (β₁+γ₁)·(β₂+γ₂) − β₁·β₂, so β' + γ' is the real product exactly.
/// </summary>
public static class ProductRules
{
    /// <summary>Element-wise product of two decompositions (broadcasting): (β₁⊙β₂, full₁⊙full₂ − β₁⊙β₂).</summary>
    public static Decomposition Mul(Decomposition a, Decomposition b)
    {
        CdGuard.Check(a, nameof(a));
        CdGuard.Check(b, nameof(b));
        CdGuard.Broadcast(a.Relevant.shape, b.Relevant.shape, "mul", nameof(a), nameof(b));
        if (Interpretation.Current is { } i) return i.Product(a, b);
        return Expand(a, b, (x, y) => x * y);
    }

    /// <summary>
    /// Element-wise quotient a ÷ b: the denominator is taken from its full value β₂ + γ₂ as a constant, so the
    /// quotient is linear in the numerator: (β₁ ÷ (β₂+γ₂), γ₁ ÷ (β₂+γ₂)). What this does not attribute: how much the
    /// denominator's own relevant part changes the result (as for attention's weights, <see cref="AttentionRules"/>, and
    /// LayerNorm's σ, <see cref="NormalizationRules"/>); a typical denominator is a norm or a sum that normalises.
    /// </summary>
    public static Decomposition Div(Decomposition a, Decomposition b)
    {
        CdGuard.Check(a, nameof(a));
        CdGuard.Check(b, nameof(b));
        CdGuard.Broadcast(a.Relevant.shape, b.Relevant.shape, "div", nameof(a), nameof(b));
        Interpretation.Refuse("a quotient of two activations");
        using var scope = NewDisposeScope();
        var denominator = b.Total();
        // A zero denominator gives ±Inf or NaN parts; said here, where the division is, not as a NaN output later.
        using (var zero = denominator.eq(0).any())
            if (zero.item<bool>())
                throw new ArgumentException($"div: the denominator '{nameof(b)}' (β + γ) is 0 at some element, so the quotient is infinite; add an epsilon to the denominator as the model's own forward should", nameof(b));
        return new Decomposition(a.Relevant / denominator, a.Irrelevant / denominator).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// c ÷ d for a constant c: f(x) = c/x of the decomposition by the proportional rule
    /// (<see cref="ActivationRules.Proportional"/>; c/x has no value at 0 to serve as a reference).
    /// </summary>
    public static Decomposition DivideInto(Tensor c, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(c);
        CdGuard.Check(d, nameof(d));
        CdGuard.Broadcast(c.shape, d.Relevant.shape, "div", "constant", "decomposition");
        return ActivationRules.Proportional(d, x => c / x);
    }

    /// <summary>c ÷ d for a number c, by the proportional rule.</summary>
    public static Decomposition DivideInto(double c, Decomposition d) => ActivationRules.Proportional(d, x => c / x);

    /// <summary>Matrix product of two decompositions (torch.matmul's shapes): (β₁@β₂, full₁@full₂ − β₁@β₂).</summary>
    /// <exception cref="ArgumentException">The shapes do not fit (checked first: a bad matmul kills the process).</exception>
    public static Decomposition Matmul(Decomposition a, Decomposition b)
    {
        CdGuard.Check(a, nameof(a));
        CdGuard.Check(b, nameof(b));
        Interpretation.Refuse("a matrix product of two activations");
        CdGuard.Matmul(a.Relevant.shape, b.Relevant.shape, "matmul", nameof(a), nameof(b));
        return Expand(a, b, (x, y) => x.matmul(y));
    }

    /// <summary>d @ w for a constant w: (β@w, γ@w).</summary>
    public static Decomposition Matmul(Decomposition d, Tensor w)
    {
        ArgumentNullException.ThrowIfNull(w);
        CdGuard.Check(d, nameof(d));
        CdGuard.Matmul(d.Relevant.shape, w.shape, "matmul", "decomposition", "constant");
        return new(d.Relevant.matmul(w), d.Irrelevant.matmul(w));
    }

    /// <summary>w @ d for a constant w: (w@β, w@γ).</summary>
    public static Decomposition Matmul(Tensor w, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(w);
        CdGuard.Check(d, nameof(d));
        CdGuard.Matmul(w.shape, d.Relevant.shape, "matmul", "constant", "decomposition");
        return new(w.matmul(d.Relevant), w.matmul(d.Irrelevant));
    }

    /// <summary>Batched matrix product of two decompositions ([B, N, M] and [B, M, P]), by the product rule.</summary>
    public static Decomposition Bmm(Decomposition a, Decomposition b)
    {
        CdGuard.Check(a, nameof(a));
        CdGuard.Check(b, nameof(b));
        Interpretation.Refuse("a matrix product of two activations");
        CdGuard.Bmm(a.Relevant.shape, b.Relevant.shape, nameof(a), nameof(b));
        return Expand(a, b, (x, y) => x.bmm(y));
    }

    /// <summary>d.bmm(w) for a constant w: (β.bmm(w), γ.bmm(w)).</summary>
    public static Decomposition Bmm(Decomposition d, Tensor w)
    {
        ArgumentNullException.ThrowIfNull(w);
        CdGuard.Check(d, nameof(d));
        CdGuard.Bmm(d.Relevant.shape, w.shape, "decomposition", "constant");
        return new(d.Relevant.bmm(w), d.Irrelevant.bmm(w));
    }

    /// <summary>w.bmm(d) for a constant w: (w.bmm(β), w.bmm(γ)).</summary>
    public static Decomposition Bmm(Tensor w, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(w);
        CdGuard.Check(d, nameof(d));
        CdGuard.Bmm(w.shape, d.Relevant.shape, "constant", "decomposition");
        return new(w.bmm(d.Relevant), w.bmm(d.Irrelevant));
    }

    // The product convention for any bilinear op: β' = op(β₁, β₂), γ' = op(full₁, full₂) − β'. Two ops instead of
    // the four cross terms, and exact: β' + γ' = op(full₁, full₂) up to one rounding.
    private static Decomposition Expand(Decomposition a, Decomposition b, Func<Tensor, Tensor, Tensor> op)
    {
        using var scope = NewDisposeScope();
        var beta = op(a.Relevant, b.Relevant);
        var full = op(a.Total(), b.Total());
        var gamma = is_grad_enabled() && full.requires_grad ? full - beta : full.sub_(beta);
        return new Decomposition(beta, gamma).MoveToOuterDisposeScope();
    }
}
