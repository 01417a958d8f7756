namespace AttrDsl.Attribution;

/// <summary>
/// Layer-wise relevance propagation (Bach et al. 2015; Montavon et al. 2019; Captum's <c>LRP</c>): the target's output
/// is redistributed layer by layer onto the input, each linear or convolutional layer by its rule (ε, γ, α1β0, z^B),
/// non-linearities, pooling and batch normalisation passing relevance as their gradient does. Computed as gradient ×
/// input with the layers' backward modified, over the model's forward as its decomposition rules describe it — so
/// functional ReLUs and reused modules need no hooks. Relevance is conserved (Σ relevance = f(x)) for bias-free ReLU
/// networks as ε → 0; biases absorb their share.
/// </summary>
public sealed class Lrp
{
    private const string AttributeName = "Lrp.Attribute";
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly LrpRule _default;
    private readonly Dictionary<string, LrpRule> _rules;

    /// <summary>
    /// LRP of <paramref name="model"/> (in eval mode) with <paramref name="defaultRule"/> for every Linear/Conv1d/Conv2d
    /// (LRP-ε with ε = 1e-9 when null, as Captum) and <paramref name="rules"/> overriding it per layer: a key is a module
    /// path ("features.0") or a type name ("Conv2d", or the full name); a path wins over a type.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null, or a rule in <paramref name="rules"/> is.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> was disposed.</exception>
    public Lrp(nn.Module<Tensor, Tensor> model, LrpRule? defaultRule = null, IReadOnlyDictionary<string, LrpRule>? rules = null)
    {
        _model = PairKit.Model(model, nameof(Lrp));
        _default = defaultRule ?? LrpRule.Epsilon();
        _rules = new Dictionary<string, LrpRule>(StringComparer.Ordinal);
        foreach (var (key, rule) in rules ?? new Dictionary<string, LrpRule>())
            _rules[key] = rule ?? throw new ArgumentNullException(nameof(rules), $"Lrp: the rule for '{key}' is null; give an LrpRule or leave the key out.");
    }

    /// <summary>The relevance of every input feature for <paramref name="target"/>, shaped like <paramref name="inputs"/>.</summary>
    /// <param name="inputs">The batch [B, ...], floating point, finite.</param>
    /// <param name="target">Which output to explain; its value is the relevance distributed.</param>
    /// <param name="low">The inputs' lower bound, for a z^B layer (broadcastable to the inputs; e.g. the normalised black).</param>
    /// <param name="high">The inputs' upper bound, for a z^B layer.</param>
    /// <param name="cancellationToken">Checked before the call does any work.</param>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point or not finite; a bound is not finite,
    /// does not broadcast, or low &gt; high somewhere.</exception>
    /// <exception cref="InvalidOperationException">A layer uses z^B but no bounds were given.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? low = null, Tensor? high = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PairKit.CheckBatch(inputs, target, AttributeName);
        if ((low is null) != (high is null))
            throw new ArgumentException($"{AttributeName}: give both bounds low and high for the z^B rule, or neither.", low is null ? nameof(low) : nameof(high));
        using var scope = NewDisposeScope();
        var x = inputs.detach();
        ZBounds? bounds = null;
        if (low is not null && high is not null)
        {
            Checks.Finite(low, AttributeName, nameof(low));
            Checks.Finite(high, AttributeName, nameof(high));
            var l = PathKit.BroadcastBaselines(x, low, AttributeName, nameof(low)).clone().requires_grad_();
            var h = PathKit.BroadcastBaselines(x, high, AttributeName, nameof(high)).clone().requires_grad_();
            if ((l > h).any().item<bool>())
                throw new ArgumentException($"{AttributeName}: low exceeds high somewhere; the z^B bounds must satisfy low ≤ high.", nameof(low));
            bounds = new ZBounds(l, h);
        }
        var rules = new LrpRules(AttributeName, RuleFor, bounds);
        var (g, _, _) = bounds is null
            ? PairKit.Run(_model, rules, x, PairKit.ZeroReference(x), target, AttributeName)
            : PairKit.Run(_model, rules, x, PairKit.ZeroReference(x), target, AttributeName, bounds.Low, bounds.High);
        var relevance = g[0] * x;
        if (bounds is not null) relevance = relevance + g[1] * bounds.Low.detach() + g[2] * bounds.High.detach();
        return relevance.MoveToOuterDisposeScope();
    }

    internal LrpRule RuleFor(string path, nn.Module module)
    {
        var type = module.GetType();
        return _rules.TryGetValue(path, out var r) || _rules.TryGetValue(type.Name, out r) || (type.FullName is { } n && _rules.TryGetValue(n, out r)) ? r : _default;
    }
}
