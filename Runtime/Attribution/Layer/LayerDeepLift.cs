using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// DeepLift at a layer (Captum's <c>LayerDeepLift</c>, attributing the layer's output): with z = h(x) and z₀ = h(x₀) the
/// layer's activations for the input and the reference, attribution = m ⊙ (z − z₀), where m are the Rescale-rule
/// multipliers from the target output back to the layer (see <see cref="DeepLift"/>). When the output depends on the input
/// only through the layer, the attributions of a sample add up to f(x) − f(x₀) exactly.
/// </summary>
/// <remarks>
/// The model's forward is followed through its decomposition rules, as <see cref="DeepLift"/> does, and read at the
/// module with the given path as the walk leaves it, so the layer must be a module the rules visit on their own
/// (a child of a <see cref="Sequential"/>, or one a model's rule propagates through) and must run once per forward. With a
/// skip connection around the layer the input also reaches the output past it, and the sum misses that part (as Captum's).
/// </remarks>
public sealed class LayerDeepLift
{
    private const string AttributeName = "LayerDeepLift.Attribute";
    private const string WithDeltaName = "LayerDeepLift.AttributeWithDelta";
    private readonly NamedLayer _layer;

    /// <summary>DeepLift at the layer of <paramref name="model"/> (in eval mode) with module path <paramref name="layerPath"/> (e.g. "features.3").</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="layerPath"/> is null.</exception>
    /// <exception cref="ArgumentException">The path is empty or names no module of the model (the message lists its paths).</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> was disposed.</exception>
    public LayerDeepLift(nn.Module<Tensor, Tensor> model, string layerPath) => _layer = LayerWalk.Resolve(model, layerPath, nameof(LayerDeepLift));

    /// <summary>DeepLift attributions of <paramref name="target"/> at the layer, shaped like the layer's output [B, ...].</summary>
    /// <param name="inputs">The batch to explain [B, ...], floating point, finite.</param>
    /// <param name="target">Which output to explain.</param>
    /// <param name="baselines">The reference input x₀: one per sample [B, ...], one shaped like a sample, a scalar tensor or
    /// anything broadcastable to the inputs; null means zeros.</param>
    /// <param name="multiplyByInputs">Multiply the multipliers by (z − z₀) (default, Captum's "global" attribution); false
    /// returns the layer's multipliers alone.</param>
    /// <param name="cancellationToken">Checked before the call does any work.</param>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point or not finite; the baselines do not
    /// broadcast or are not finite; per-sample targets do not match the batch.</exception>
    /// <exception cref="InvalidOperationException">The walk never reaches the layer as a module of its own, the layer runs
    /// more than once per forward, or the output does not depend on it.</exception>
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
    /// Layer DeepLift attributions (multiplied by z − z₀) and the convergence delta per sample,
    /// δ_b = Σ a_b − (f(x_b) − f(x₀_b)) ([B]): zero up to rounding when the output depends on the input only through the layer.
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

    private (Tensor Attributions, Tensor Output, Tensor ReferenceOutput) Compute(string method, Tensor inputs, Target target, Tensor? baselines, bool multiplyByInputs)
    {
        var (x, x0) = PairKit.InputAndReference(inputs, target, baselines, method);
        using var tap = new LayerTap(_layer, cut: true, method);
        var (g, z, z0, fx, f0) = LayerWalk.AtLayer(_layer, new DeepLiftRules(method) { Tap = tap.Visit }, tap, x, x0, target, method);
        return (multiplyByInputs ? g * (z - z0) : g, fx, f0);
    }
}
