namespace AttrDsl.Attribution;

/// <summary>
/// Guided backpropagation of one neuron (Captum's <c>NeuronGuidedBackprop</c>): the gradient of the layer's output at
/// <c>neuronIndex</c> with respect to the inputs, with every ReLU below it passing back only the positive part of the
/// gradient at positive inputs (see <see cref="GuidedBackprop"/>; every ReLU counts, functional and in place too).
/// </summary>
/// <remarks>
/// The model's forward is followed through its decomposition rules and read at the module with the given path, which
/// must be a module the rules visit on their own and must run once per forward; the whole forward is followed and
/// checked against the model's output.
/// </remarks>
public sealed class NeuronGuidedBackprop
{
    private const string AttributeName = "NeuronGuidedBackprop.Attribute";
    private readonly NamedLayer _layer;
    private readonly long[] _index;

    /// <summary>
    /// A neuron of the layer of <paramref name="model"/> (in eval mode) with module path <paramref name="layerPath"/>, at
    /// <paramref name="neuronIndex"/> in the layer's output per sample.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/>, <paramref name="layerPath"/> or <paramref name="neuronIndex"/> is null.</exception>
    /// <exception cref="ArgumentException">The path names no module of the model, or the index is empty.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> was disposed.</exception>
    public NeuronGuidedBackprop(nn.Module<Tensor, Tensor> model, string layerPath, long[] neuronIndex)
    {
        _layer = LayerWalk.Resolve(model, layerPath, nameof(NeuronGuidedBackprop));
        _index = Neuron.CheckIndex(neuronIndex, nameof(NeuronGuidedBackprop));
    }

    /// <summary>The neuron's guided gradient, shaped like <paramref name="inputs"/>.</summary>
    /// <param name="inputs">The batch [B, ...], floating point, finite.</param>
    /// <param name="cancellationToken">Checked before the call does any work.</param>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point or not finite; the neuron index does not
    /// fit the layer's output.</exception>
    /// <exception cref="InvalidOperationException">The walk never reaches the layer as a module of its own, or the layer runs
    /// more than once per forward.</exception>
    /// <exception cref="Decomposition.UnsupportedModuleException">A module has no rule (its path named).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PairKit.CheckBatch(inputs, Target.Output, AttributeName);
        using var scope = NewDisposeScope();
        var x = inputs.detach();
        using var tap = new LayerTap(_layer, cut: false, AttributeName);
        var (g, _, _) = LayerWalk.OfNeuron(_layer, new GuidedRules(AttributeName, deconvolution: false) { Tap = tap.Visit }, tap, x, PairKit.ZeroReference(x), _index, AttributeName);
        return g.MoveToOuterDisposeScope();
    }
}
