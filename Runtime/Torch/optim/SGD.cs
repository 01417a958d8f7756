namespace AttrDsl.Torch;

/// <summary>
/// Stochastic gradient descent as PyTorch's: g ← grad + wd·p; with momentum μ the buffer
/// b ← μ·b + (1 − dampening)·g (b = g on the first step) and g ← b, or g + μ·b with Nesterov; p ← p − lr·g.
/// </summary>
public sealed class SGD : Optimizer
{
    private readonly double _momentum, _dampening, _wd;
    private readonly bool _nesterov;

    internal SGD(IEnumerable<ParamGroup> groups, double lr, double momentum, double dampening, double weight_decay, bool nesterov) : base(groups, lr)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be ≥ 0");
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Nesterov momentum requires a momentum > 0 and zero dampening");
        (_momentum, _dampening, _wd, _nesterov) = (momentum, dampening, weight_decay, nesterov);
    }

    private protected override void Update(ParamGroup group, Parameter p, Tensor grad, Dictionary<string, Tensor> state)
    {
        var lr = group.lr!.Value;
        var wd = group.weight_decay ?? _wd;
        var momentum = group.momentum ?? _momentum;
        var dampening = group.dampening ?? _dampening;
        var nesterov = group.nesterov ?? _nesterov;
        var g = wd != 0 ? grad.add(p, wd) : grad;
        if (momentum != 0)
        {
            Tensor buf;
            if (!state.TryGetValue("momentum_buffer", out buf!)) buf = Keep(state, "momentum_buffer", g.clone());
            else buf.mul_(momentum).add_(g, 1 - dampening);
            g = nesterov ? g.add(buf, momentum) : buf;
        }
        p.add_(g, -lr);
    }
}
