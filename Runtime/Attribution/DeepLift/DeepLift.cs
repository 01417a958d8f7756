using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// DeepLift with the Rescale rule (Shrikumar et al. 2017; Captum's <c>DeepLift</c>): attributions
/// (x − x₀)·m, with m the product of each non-linearity's multiplier (f(x) − f(x₀))/(x − x₀) along the network, so that
/// they add up to f(x) − f(x₀) exactly. The model's forward is followed through the rules contextual decomposition uses
/// (its built-in TorchVision rules, <see cref="Decomposition.IDecomposable"/>, [Decomposable] models,
/// <see cref="Decomposition.DecompositionRules"/>), not through module hooks, so functional non-linearities
/// (<c>functional.relu(x)</c> in forward), a ReLU module used twice and in-place ReLUs all get the rule — the cases
/// where hook-based implementations silently fall back to the gradient.
/// </summary>
/// <remarks>
/// Max pooling uses Captum's rule (the output difference split between the input's and the reference's maxima);
/// element-wise products (squeeze-and-excitation) use Δ(ab) = ā·Δb + b̄·Δa with ā = (a + a₀)/2. A model whose rules
/// need softmax, attention, layer normalisation or an LSTM is refused with the module's path. On the first call per model
/// the followed forward is checked against the model's own output.
/// <para>
/// Cost: one forward with a graph and one backward, plus the multipliers' element-wise passes. A reference that is the
/// same for every sample (none, a scalar, or one shaped like a single sample) goes through the model once, as one row;
/// pass it that way rather than as a [B, ...] copy, which goes through whole.
/// </para>
/// </remarks>
public sealed class DeepLift
{
    private const string AttributeName = "DeepLift.Attribute";
    private const string WithDeltaName = "DeepLift.AttributeWithDelta";
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly DeepLiftRule _rule;

    /// <summary>Explains <paramref name="model"/> (in eval mode: batch normalisation must use running statistics) with the Rescale rule.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> was disposed.</exception>
    public DeepLift(nn.Module<Tensor, Tensor> model) : this(model, DeepLiftRule.Rescale) { }

    /// <summary>Explains <paramref name="model"/> (in eval mode) with <paramref name="rule"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="rule">Rescale (Captum's rule), or RevealCancel for the non-linearities that follow dense layers.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rule"/> is not a defined rule.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> was disposed.</exception>
    public DeepLift(nn.Module<Tensor, Tensor> model, DeepLiftRule rule)
    {
        _model = PairKit.Model(model, nameof(DeepLift));
        if (!Enum.IsDefined(rule))
            throw new ArgumentOutOfRangeException(nameof(rule), rule, $"{nameof(DeepLift)}: unknown rule {(int)rule}; use DeepLiftRule.Rescale or DeepLiftRule.RevealCancel");
        _rule = rule;
    }

    /// <summary>DeepLift attributions of <paramref name="target"/> for every sample of <paramref name="inputs"/>, shaped like the inputs.</summary>
    /// <param name="inputs">The batch to explain [B, ...], floating point, finite.</param>
    /// <param name="target">Which output to explain.</param>
    /// <param name="baselines">The reference x₀: one per sample [B, ...], one shaped like a sample, a scalar tensor or
    /// anything broadcastable to the inputs; null means zeros.</param>
    /// <param name="multiplyByInputs">Multiply the multipliers by (x − x₀) (default, Captum's "global" attribution); false
    /// returns the multipliers alone.</param>
    /// <param name="cancellationToken">Checked before the call does any work.</param>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point or not finite; the baselines do not
    /// broadcast or are not finite; per-sample targets do not match the batch.</exception>
    /// <exception cref="Decomposition.UnsupportedModuleException">A module of the model has no rule (its path named).</exception>
    /// <exception cref="NotSupportedException">The model's forward uses an operation DeepLift has no rule for.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? baselines = null, bool multiplyByInputs = true, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var (a, _, _) = Compute(AttributeName, inputs, target, baselines, multiplyByInputs);
        return a.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// DeepLift attributions (multiplied by inputs) and the convergence delta per sample,
    /// δ_b = Σ_i a_i − (f(x_b) − f(x₀_b)) ([B]): zero up to floating-point rounding for the Rescale rule.
    /// </summary>
    /// <inheritdoc cref="Attribute(Tensor, Target, Tensor?, bool, CancellationToken)"/>
    public (Tensor Attributions, Tensor Delta) AttributeWithDelta(Tensor inputs, Target target, Tensor? baselines = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var (a, fx, f0) = Compute(WithDeltaName, inputs, target, baselines, true);
        var delta = a.flatten(1).sum(1) - (fx - f0);
        return (a.MoveToOuterDisposeScope(), delta.MoveToOuterDisposeScope());
    }

    internal (Tensor Attributions, Tensor Output, Tensor ReferenceOutput) Compute(string method, Tensor inputs, Target target, Tensor? baselines, bool multiplyByInputs)
    {
        var (x, x0) = PairKit.InputAndReference(inputs, target, baselines, method);
        var (g, fx, f0) = PairKit.Run(_model, new DeepLiftRules(method, _rule == DeepLiftRule.RevealCancel), x, x0, target, method);
        return (multiplyByInputs ? g[0] * (x - x0) : g[0], fx, f0);
    }
}
