namespace AttrDsl.Attribution;

/// <summary>
/// Layer-wise relevance propagation to a layer (Captum's <c>LayerLRP</c>): the target's output redistributed by the same
/// rules as <see cref="Lrp"/> down to the layer's output, relevance R = z ⊙ ∂̃f/∂z with ∂̃ the rule-modified gradient.
/// Relevance is conserved (Σ R = f(x) per sample) for bias-free ReLU networks as ε → 0; biases above the layer absorb
/// their share.
/// </summary>
/// <remarks>
/// The model's forward is followed through its decomposition rules and read at the module with the given path, which
/// must be a module the rules visit on their own and must run once per forward. The z^B rule belongs to the first layer,
/// below any layer, so it is refused here.
/// </remarks>
public sealed class LayerLrp
{
    private const string AttributeName = "LayerLrp.Attribute";
    private readonly NamedLayer _layer;
    private readonly Lrp _lrp;

    /// <summary>
    /// LRP of <paramref name="model"/> (in eval mode) to the layer with module path <paramref name="layerPath"/>, with
    /// <paramref name="defaultRule"/> for every Linear/Conv1d/Conv2d (LRP-ε with ε = 1e-9 when null, as Captum) and
    /// <paramref name="rules"/> overriding it per layer: a key is a module path or a type name; a path wins over a type.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="layerPath"/> is null, or a rule in <paramref name="rules"/> is.</exception>
    /// <exception cref="ArgumentException">The path names no module of the model, or a rule is z^B.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> was disposed.</exception>
    public LayerLrp(nn.Module<Tensor, Tensor> model, string layerPath, LrpRule? defaultRule = null, IReadOnlyDictionary<string, LrpRule>? rules = null)
    {
        _layer = LayerWalk.Resolve(model, layerPath, nameof(LayerLrp));
        _lrp = new Lrp(model, defaultRule, rules);
        if (defaultRule?.Kind == LrpRuleKind.ZB)
            throw new ArgumentException("LayerLrp: the z^B rule needs the input's bounds and belongs to the first layer only, not to every layer; use ε, γ or α1β0 as the default rule.", nameof(defaultRule));
        if (rules?.FirstOrDefault(r => r.Value?.Kind == LrpRuleKind.ZB) is { Key: { } key })
            throw new ArgumentException($"LayerLrp: the rule for '{key}' is z^B, which needs the input's bounds; relevance at a layer does not reach the input, so use ε, γ or α1β0 there.", nameof(rules));
    }

    /// <summary>The relevance at the layer's output for <paramref name="target"/>, shaped like the layer's output [B, ...].</summary>
    /// <param name="inputs">The batch [B, ...], floating point, finite.</param>
    /// <param name="target">Which output to explain; its value is the relevance distributed.</param>
    /// <param name="cancellationToken">Checked before the call does any work.</param>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point or not finite; per-sample targets do not match.</exception>
    /// <exception cref="InvalidOperationException">The walk never reaches the layer as a module of its own, the layer runs
    /// more than once per forward, or the output does not depend on it.</exception>
    /// <exception cref="Decomposition.UnsupportedModuleException">A module has no rule (its path named).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PairKit.CheckBatch(inputs, target, AttributeName);
        using var scope = NewDisposeScope();
        var x = inputs.detach();
        using var tap = new LayerTap(_layer, cut: true, AttributeName);
        var (g, z, _, _, _) = LayerWalk.AtLayer(_layer, new LrpRules(AttributeName, _lrp.RuleFor, null) { Tap = tap.Visit }, tap, x, PairKit.ZeroReference(x), target, AttributeName);
        return (g * z).MoveToOuterDisposeScope();
    }
}
