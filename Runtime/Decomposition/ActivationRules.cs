namespace AttrDsl.Decomposition;

/// <summary>
/// CD rules for elementwise activations f.
/// <list type="bullet">
/// <item>ReLU family — ReLU (Murdoch et al., ACD), and by the same rule LeakyReLU, GELU, Softplus, SiLU, ReLU6, ELU,
/// Hardtanh, Mish, Hardsigmoid and Hardswish, which the literature does not cover; they are ReLU's leaky/smooth/clipped
/// variants, so they take ReLU's rule (<see cref="ReluStyle"/>): β' = f(β) − f(0), γ' = f(β + γ) − f(β), and the
/// constant f(0) is shared like a bias (<see cref="BiasShare.Split"/>), as for the sigmoid below. Where f(0) = 0
/// (ReLU, LeakyReLU, GELU, SiLU, ReLU6, ELU, Mish, Hardswish, Hardtanh around 0) this is β' = f(β),
/// γ' = f(β + γ) − f(β) exactly; where it is not (Softplus: ln 2 / beta, Hardsigmoid: ½, Hardtanh with a range
/// not containing 0) the share keeps the two masks' limits: a full mask (γ = 0) gives γ' = 0 and an empty mask
/// (β = 0) gives β' = 0, except at elements whose other part is 0 too (f(β) = f(0), resp. f(γ) = f(0)), where the
/// bias rule splits f(0) 50/50. Exact by construction: β' + γ' = f(β + γ).</item>
/// <item>Tanh, Sigmoid, Exp — the linearised two-player Shapley value (ACD's <c>propagate_tanh_two</c>,
/// <see cref="ShapleyTwo"/>): cβ = ½[f(β) − f(0) + f(β+γ) − f(γ)], cγ = ½[f(γ) − f(0) + f(β+γ) − f(β)], so
/// cβ + cγ = f(β+γ) − f(0); the constant f(0) (½ for the sigmoid, 1 for exp, 0 for tanh) is shared like a bias
/// (<see cref="BiasShare.Split"/>), so a full mask gives γ' = 0 also for the sigmoid.</item>
/// <item>Log, Sqrt, and c ÷ x — functions undefined or not differentiable at 0, where f(0) cannot be the reference:
/// the proportional rule (<see cref="Proportional"/>), f(β + γ) split by the share |β|/(|β| + |γ|).</item>
/// </list>
/// </summary>
public static class ActivationRules
{
    /// <summary>CD of ReLU: β' = relu(β), γ' = relu(β+γ) − relu(β).</summary>
    public static Decomposition Relu(Decomposition d)
    {
        CdGuard.Check(d, nameof(d));
        if (Interpretation.Current is { } i) return i.Elementwise(d, x => nn.functional.relu(x), isRelu: true);
        return ZeroAtZero(d, x => nn.functional.relu(x));
    }

    /// <summary>CD of LeakyReLU, by ReLU's rule.</summary>
    public static Decomposition LeakyRelu(Decomposition d, double negativeSlope = 0.01) => ZeroAtZero(d, x => nn.functional.leaky_relu(x, negativeSlope));

    /// <summary>CD of GELU (exact or tanh approximation), by ReLU's rule.</summary>
    public static Decomposition Gelu(Decomposition d, GELU.Approximate approximate = GELU.Approximate.none) => ZeroAtZero(d, x => nn.functional.gelu(x, approximate));

    /// <summary>CD of Softplus, by ReLU's rule with f(0) = ln 2 / beta shared like a bias.</summary>
    public static Decomposition Softplus(Decomposition d, double beta = 1, double threshold = 20) => ReluStyle(d, x => nn.functional.softplus(x, beta, threshold));

    /// <summary>CD of tanh: the linearised two-player Shapley value.</summary>
    public static Decomposition Tanh(Decomposition d) => ShapleyTwo(d, x => x.tanh());

    /// <summary>CD of the sigmoid: the linearised two-player Shapley value, σ(0) = ½ shared like a bias.</summary>
    public static Decomposition Sigmoid(Decomposition d) => ShapleyTwo(d, x => x.sigmoid());

    /// <summary>CD of SiLU (x·σ(x)), by ReLU's rule.</summary>
    public static Decomposition Silu(Decomposition d) => ZeroAtZero(d, x => nn.functional.silu(x));

    /// <summary>CD of ReLU6 (min(max(x, 0), 6)), by ReLU's rule.</summary>
    public static Decomposition Relu6(Decomposition d) => ZeroAtZero(d, x => nn.functional.relu6(x));

    /// <summary>CD of ELU, by ReLU's rule.</summary>
    public static Decomposition Elu(Decomposition d, double alpha = 1) => ZeroAtZero(d, x => x.elu(alpha));

    /// <summary>CD of ELU with its scale and input scale (<c>Tensor.elu(alpha, scale, input_scale)</c>), by ReLU's rule.</summary>
    public static Decomposition Elu(Decomposition d, double alpha, double scale, double inputScale) => ReluStyle(d, x => x.elu(alpha, scale, inputScale));

    /// <summary>
    /// CD of Hardtanh (x clipped to [min, max]), by ReLU's rule; f(0) is shared like a bias when 0 lies outside the range.
    /// It calls TorchSharp's own <c>nn.functional.hardtanh</c>, so the decomposition adds up to what the model's forward
    /// computes (TorchSharp 0.107 was seen to return x unchanged for hardtanh(x, 0.5, 2.0)).
    /// </summary>
    public static Decomposition Hardtanh(Decomposition d, double min = -1, double max = 1)
    {
        if (!(min <= max)) throw new ArgumentException($"Hardtanh needs min ≤ max; got min = {min}, max = {max}.", nameof(min));
        return ReluStyle(d, x => nn.functional.hardtanh(x, min, max));
    }

    /// <summary>CD of Mish (x·tanh(softplus x)), by ReLU's rule.</summary>
    public static Decomposition Mish(Decomposition d) => ZeroAtZero(d, x => nn.functional.mish(x));

    /// <summary>CD of Hardsigmoid, by ReLU's rule with f(0) = ½ shared like a bias.</summary>
    public static Decomposition Hardsigmoid(Decomposition d) => ReluStyle(d, x => nn.functional.hardsigmoid(x));

    /// <summary>CD of Hardswish (x·hardsigmoid(x)), by ReLU's rule.</summary>
    public static Decomposition Hardswish(Decomposition d) => ZeroAtZero(d, x => nn.functional.hardswish(x));

    /// <summary>CD of exp: the linearised two-player Shapley value, exp(0) = 1 shared like a bias.</summary>
    public static Decomposition Exp(Decomposition d) => ShapleyTwo(d, x => x.exp());

    /// <summary>CD of the natural logarithm, by the proportional rule (log 0 is no reference point).</summary>
    public static Decomposition Log(Decomposition d) => Proportional(d, x => x.log());

    /// <summary>CD of the square root, by the proportional rule (√ has no derivative at 0).</summary>
    public static Decomposition Sqrt(Decomposition d) => Proportional(d, x => x.sqrt());

    /// <summary>
    /// β' = f(β) − f(0), γ' = f(β + γ) − f(β) for any elementwise f, with f(0) shared like a bias
    /// (<see cref="BiasShare.Split"/>) where it is not 0; where f(0) = 0 everywhere this is exactly
    /// β' = f(β), γ' = f(β + γ) − f(β). β' + γ' = f(β + γ).
    /// </summary>
    public static Decomposition ReluStyle(Decomposition d, Func<Tensor, Tensor> f) => ReluStyleCore(d, f, knownZeroAtZero: false);

    // ReLU's rule for an f known to vanish at 0 (ReLU, GELU, SiLU, ...): no f(0) to evaluate and test, which costs
    // several small ops and a synchronising read per call — a measurable part of a CD pass on small activations.
    private static Decomposition ZeroAtZero(Decomposition d, Func<Tensor, Tensor> f) => ReluStyleCore(d, f, knownZeroAtZero: true);

    private static Decomposition ReluStyleCore(Decomposition d, Func<Tensor, Tensor> f, bool knownZeroAtZero)
    {
        ArgumentNullException.ThrowIfNull(f);
        CdGuard.Check(d, nameof(d));
        if (Interpretation.Current is { } i) return i.Elementwise(d, f, isRelu: false);
        using var scope = NewDisposeScope();
        var fb = f(d.Relevant);
        var fall = f(d.Relevant + d.Irrelevant);
        // Without a graph the fresh f(β + γ) becomes γ' in place (saves one activation-sized allocation).
        var gamma = is_grad_enabled() && (d.Relevant.requires_grad || d.Irrelevant.requires_grad) ? fall - fb : fall.sub_(fb);
        if (knownZeroAtZero) return new Decomposition(fb, gamma).MoveToOuterDisposeScope();
        // f(0) as a 0-dim tensor, so it broadcasts into any shape (a 0-dim activation included) without changing it.
        var f0 = f(tensor(0.0, dtype: d.Relevant.dtype, device: d.Relevant.device));
        if (f0.eq(0).all().item<bool>()) return new Decomposition(fb, gamma).MoveToOuterDisposeScope();
        // f(0) ≠ 0 (softplus, hardsigmoid): β would otherwise keep f(0) even for an empty mask. Out of place: f may
        // return its argument itself, which must not be changed.
        return BiasShare.Split(fb - f0, gamma, f0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The proportional rule: f(β + γ) split by the relevant share s = |β|/(|β| + |γ|) (½ where both are 0):
    /// β' = s·f(β + γ), γ' = (1 − s)·f(β + γ). For functions with no usable reference value at 0 (log, sqrt, 1/x).
    /// A full mask (γ = 0) gives γ' = 0 and an empty mask (β = 0) gives β' = 0 (to within 1e-20 relative, from the
    /// ε of <see cref="BiasShare.Epsilon"/> that keeps the share's gradient finite); β' + γ' = f(β + γ) exactly.
    /// The result has f(β + γ)'s shape, so f may broadcast (e.g. c ÷ x with a larger c).
    /// </summary>
    public static Decomposition Proportional(Decomposition d, Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        CdGuard.Check(d, nameof(d));
        if (Interpretation.Current is { } i) return i.Elementwise(d, f, isRelu: false);
        using var scope = NewDisposeScope();
        var total = d.Relevant + d.Irrelevant;
        var y = f(total);
        // log, √, c/x of a finite value outside their domain (≤ 0, < 0, 0) give NaN/±Inf: an error naming the value.
        if (AttrDsl.Attribution.Checks.FirstNonFinite(y) is { } bad)
        {
            throw new ArgumentException(
                $"the function is not finite at the decomposition's total value {AttrDsl.Internal.Format.Value(total.reshape(-1)[bad.Flat])} (flat index {bad.Flat} of shape {AttrDsl.Internal.Format.Shape(total)}): " +
                "its argument is outside the function's domain (log of a value ≤ 0, √ of a negative value, division by 0). Clamp the argument in the model, as its forward should.", nameof(d));
        }
        var ab = d.Relevant.abs();
        var share = (ab + BiasShare.Epsilon / 2) / (ab + d.Irrelevant.abs() + BiasShare.Epsilon);
        var beta = y * share;
        return new Decomposition(beta, y - beta).MoveToOuterDisposeScope();
    }

    /// <summary>The linearised two-player Shapley split of an elementwise f, with f(0) shared like a bias.</summary>
    public static Decomposition ShapleyTwo(Decomposition d, Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        CdGuard.Check(d, nameof(d));
        if (Interpretation.Current is { } i) return i.Elementwise(d, f, isRelu: false);
        using var scope = NewDisposeScope();
        var fb = f(d.Relevant);
        var fg = f(d.Irrelevant);
        var fall = f(d.Relevant + d.Irrelevant);
        var f0 = f(tensor(0.0, dtype: d.Relevant.dtype, device: d.Relevant.device));   // 0-dim: broadcasts into any shape
        var cb = (fb - f0 + fall - fg) * 0.5;
        var cg = fall - f0 - cb;   // = ½[f(γ) − f(0) + f(β+γ) − f(β)], written so cβ + cγ + f(0) = f(β+γ) exactly
        return BiasShare.Split(cb, cg, f0).MoveToOuterDisposeScope();
    }
}
