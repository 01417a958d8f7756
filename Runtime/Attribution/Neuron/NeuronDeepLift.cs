using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// DeepLift of one neuron (Captum's <c>NeuronDeepLift</c>): the Rescale-rule attributions (x − x₀)·m of the layer's
/// output at <c>neuronIndex</c> with respect to the inputs, with m the multipliers from the neuron back to the input (see
/// <see cref="DeepLift"/>); a sample's attributions add up to neuron(x) − neuron(x₀) exactly.
/// </summary>
/// <remarks>
/// The model's forward is followed through its decomposition rules, as <see cref="DeepLift"/> does, and read at the
/// module with the given path, which must be a module the rules visit on their own and must run once per forward. The
/// whole forward is followed, so the model above the layer needs rules too (it is checked against the model's output).
/// </remarks>
public sealed class NeuronDeepLift
{
    private const string AttributeName = "NeuronDeepLift.Attribute";
    private const string WithDeltaName = "NeuronDeepLift.AttributeWithDelta";
    private readonly NamedLayer _layer;
    private readonly long[] _index;

    /// <summary>
    /// A neuron of the layer of <paramref name="model"/> (in eval mode) with module path <paramref name="layerPath"/>, at
    /// <paramref name="neuronIndex"/> in the layer's output per sample (e.g. [3] for unit 3 of a [B, 8] layer, [c, h, w]
    /// for a convolution).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/>, <paramref name="layerPath"/> or <paramref name="neuronIndex"/> is null.</exception>
    /// <exception cref="ArgumentException">The path names no module of the model, or the index is empty.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> was disposed.</exception>
    public NeuronDeepLift(nn.Module<Tensor, Tensor> model, string layerPath, long[] neuronIndex)
    {
        _layer = LayerWalk.Resolve(model, layerPath, nameof(NeuronDeepLift));
        _index = Neuron.CheckIndex(neuronIndex, nameof(NeuronDeepLift));
    }

    /// <summary>DeepLift attributions of the neuron, shaped like <paramref name="inputs"/>.</summary>
    /// <param name="inputs">The batch to explain [B, ...], floating point, finite.</param>
    /// <param name="baselines">The reference x₀: one per sample [B, ...], one shaped like a sample, a scalar tensor or
    /// anything broadcastable to the inputs; null means zeros.</param>
    /// <param name="multiplyByInputs">Multiply the multipliers by (x − x₀) (default); false returns the multipliers alone.</param>
    /// <param name="cancellationToken">Checked before the call does any work.</param>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point or not finite; the baselines do not
    /// broadcast or are not finite; the neuron index does not fit the layer's output.</exception>
    /// <exception cref="InvalidOperationException">The walk never reaches the layer as a module of its own, or the layer runs
    /// more than once per forward.</exception>
    /// <exception cref="Decomposition.UnsupportedModuleException">A module of the model has no rule (its path named).</exception>
    /// <exception cref="NotSupportedException">The model's forward uses an operation DeepLift has no rule for.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Tensor? baselines = null, bool multiplyByInputs = true, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var (a, _, _) = Compute(AttributeName, inputs, baselines, multiplyByInputs);
        return a.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The neuron's DeepLift attributions (multiplied by x − x₀) and the convergence delta per sample,
    /// δ_b = Σ a_b − (neuron(x_b) − neuron(x₀_b)) ([B]): zero up to floating-point rounding.
    /// </summary>
    /// <inheritdoc cref="Attribute(Tensor, Tensor?, bool, CancellationToken)"/>
    public (Tensor Attributions, Tensor Delta) AttributeWithDelta(Tensor inputs, Tensor? baselines = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var (a, n, n0) = Compute(WithDeltaName, inputs, baselines, true);
        var delta = a.flatten(1).sum(1) - (n - n0);
        return (a.MoveToOuterDisposeScope(), delta.MoveToOuterDisposeScope());
    }

    private (Tensor Attributions, Tensor Neuron, Tensor ReferenceNeuron) Compute(string method, Tensor inputs, Tensor? baselines, bool multiplyByInputs)
    {
        var (x, x0) = PairKit.InputAndReference(inputs, Target.Output, baselines, method);
        using var tap = new LayerTap(_layer, cut: false, method);
        var (g, n, n0) = LayerWalk.OfNeuron(_layer, new DeepLiftRules(method) { Tap = tap.Visit }, tap, x, x0, _index, method);
        return (multiplyByInputs ? g * (x - x0) : g, n, n0);
    }
}
