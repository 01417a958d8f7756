namespace AttrDsl.Torch;

/// <summary>
/// Adam (Kingma &amp; Ba) as PyTorch's, and AdamW when <c>decoupled</c>: m ← β₁m + (1−β₁)g,
/// v ← β₂v + (1−β₂)g², p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε). Adam adds wd·p to g;
/// AdamW instead shrinks p by (1 − lr·wd) before the step.
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly (double b1, double b2) _betas;
    private readonly double _eps, _wd;
    private readonly bool _decoupled;
    private readonly Dictionary<Parameter, long> _steps = new(ReferenceEqualityComparer.Instance);

    internal Adam(IEnumerable<ParamGroup> groups, double lr, (double, double) betas, double eps, double weight_decay, bool decoupled) : base(groups, lr)
    {
        if (betas.Item1 is < 0 or >= 1 || betas.Item2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(betas), betas, "betas must be in [0, 1)");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be ≥ 0");
        (_betas, _eps, _wd, _decoupled) = (betas, eps, weight_decay, decoupled);
    }

    /// <summary>True for AdamW.</summary>
    public bool decoupled_weight_decay => _decoupled;

    private protected override void Update(ParamGroup group, Parameter p, Tensor grad, Dictionary<string, Tensor> state)
    {
        var lr = group.lr!.Value;
        var (b1, b2) = group.betas ?? _betas;
        var eps = group.eps ?? _eps;
        var wd = group.weight_decay ?? _wd;
        var t = _steps[p] = _steps.GetValueOrDefault(p) + 1;

        var g = grad;
        if (wd != 0)
        {
            if (_decoupled) p.mul_(1 - lr * wd);
            else g = grad.add(p, wd);
        }
        if (!state.TryGetValue("exp_avg", out var m)) m = Keep(state, "exp_avg", torch.zeros_like(p));
        if (!state.TryGetValue("exp_avg_sq", out var v)) v = Keep(state, "exp_avg_sq", torch.zeros_like(p));
        m.lerp_(g, 1 - b1);
        v.mul_(b2).addcmul_(g, g, 1 - b2);
        var bc1 = 1 - Math.Pow(b1, t);
        var bc2 = 1 - Math.Pow(b2, t);
        var denom = v.sqrt().div_(Math.Sqrt(bc2)).add_(eps);
        p.addcdiv_(m, denom, -lr / bc1);
    }
}
