namespace AttrDsl.Decomposition;

/// <summary>
/// CD rules for elementwise activations f.
/// <list type="bullet">
/// <item>ReLU family — ReLU (Murdoch et al., ACD), and by the same rule LeakyReLU, GELU and Softplus, which the
/// literature does not cover; they are ReLU's leaky/smooth variants, so they take ReLU's rule: β' = f(β),
/// γ' = f(β + γ) − f(β). Exact by construction, and a full mask (γ = 0) gives γ' = 0 (Softplus's f(0) = ln 2 stays in β).</item>
/// <item>Tanh, Sigmoid — the linearised two-player Shapley value (ACD's <c>propagate_tanh_two</c>):
/// cβ = ½[f(β) − f(0) + f(β+γ) − f(γ)], cγ = ½[f(γ) − f(0) + f(β+γ) − f(β)], so cβ + cγ = f(β+γ) − f(0); the
/// constant f(0) (½ for the sigmoid, 0 for tanh) is shared like a bias (<see cref="BiasShare.Split"/>), so a full
/// mask gives γ' = 0 also for the sigmoid.</item>
/// </list>
/// </summary>
public static class ActivationRules
{
    /// <summary>CD of ReLU: β' = relu(β), γ' = relu(β+γ) − relu(β).</summary>
    public static Decomposition Relu(Decomposition d) => ReluStyle(d, x => nn.functional.relu(x));

    /// <summary>CD of LeakyReLU, by ReLU's rule.</summary>
    public static Decomposition LeakyRelu(Decomposition d, double negativeSlope = 0.01) => ReluStyle(d, x => nn.functional.leaky_relu(x, negativeSlope));

    /// <summary>CD of GELU (exact or tanh approximation), by ReLU's rule.</summary>
    public static Decomposition Gelu(Decomposition d, GELU.Approximate approximate = GELU.Approximate.none) => ReluStyle(d, x => nn.functional.gelu(x, approximate));

    /// <summary>CD of Softplus, by ReLU's rule.</summary>
    public static Decomposition Softplus(Decomposition d, double beta = 1, double threshold = 20) => ReluStyle(d, x => nn.functional.softplus(x, beta, threshold));

    /// <summary>CD of tanh: the linearised two-player Shapley value.</summary>
    public static Decomposition Tanh(Decomposition d) => ShapleyTwo(d, x => x.tanh());

    /// <summary>CD of the sigmoid: the linearised two-player Shapley value, σ(0) = ½ shared like a bias.</summary>
    public static Decomposition Sigmoid(Decomposition d) => ShapleyTwo(d, x => x.sigmoid());

    /// <summary>β' = f(β), γ' = f(β + γ) − f(β) for any elementwise f.</summary>
    public static Decomposition ReluStyle(Decomposition d, Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        using var scope = NewDisposeScope();
        var fb = f(d.Relevant);
        var fall = f(d.Relevant + d.Irrelevant);
        // Without a graph the fresh f(β + γ) becomes γ' in place (saves one activation-sized allocation).
        var gamma = is_grad_enabled() && (d.Relevant.requires_grad || d.Irrelevant.requires_grad) ? fall - fb : fall.sub_(fb);
        return new Decomposition(fb, gamma).MoveToOuterDisposeScope();
    }

    /// <summary>The linearised two-player Shapley split of an elementwise f, with f(0) shared like a bias.</summary>
    public static Decomposition ShapleyTwo(Decomposition d, Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        using var scope = NewDisposeScope();
        var fb = f(d.Relevant);
        var fg = f(d.Irrelevant);
        var fall = f(d.Relevant + d.Irrelevant);
        var f0 = f(zeros(1, dtype: d.Relevant.dtype, device: d.Relevant.device));
        var cb = (fb - f0 + fall - fg) * 0.5;
        var cg = fall - f0 - cb;   // = ½[f(γ) − f(0) + f(β+γ) − f(β)], written so cβ + cγ + f(0) = f(β+γ) exactly
        return BiasShare.Split(cb, cg, f0).MoveToOuterDisposeScope();
    }
}
