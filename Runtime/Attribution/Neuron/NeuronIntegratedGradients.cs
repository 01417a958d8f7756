using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Neuron integrated gradients (Captum's <c>NeuronIntegratedGradients</c>): integrated gradients of one neuron of a
/// layer — the layer's output at <c>neuronIndex</c> — with respect to the inputs, along the straight path from the
/// baseline. By completeness the attributions of a row sum to neuron(x) − neuron(baseline) up to the integration error.
/// </summary>
public sealed class NeuronIntegratedGradients
{
    private const string Name = nameof(NeuronIntegratedGradients);
    private readonly IntegratedGradients _ig;

    /// <summary>A neuron of the layer computed by <paramref name="bottom"/> (input → layer output [B, ...]).</summary>
    public NeuronIntegratedGradients(Func<Tensor, Tensor> bottom, long[] neuronIndex) : this(new LayerSplit(bottom ?? throw new ArgumentNullException(nameof(bottom)), z => z), neuronIndex) { }

    /// <summary>A neuron of the layer a split is cut at.</summary>
    public NeuronIntegratedGradients(LayerSplit split, long[] neuronIndex) =>
        _ig = new IntegratedGradients(Neuron.Output(split ?? throw new ArgumentNullException(nameof(split)), Neuron.CheckIndex(neuronIndex, Name), Name));

    /// <summary>A neuron of the layer of <paramref name="model"/> with module path <paramref name="layerPath"/> (see <see cref="LayerSplit.At"/>).</summary>
    public NeuronIntegratedGradients(torch.nn.Module<Tensor, Tensor> model, string layerPath, long[] neuronIndex) : this(LayerSplit.At(model, layerPath), neuronIndex) { }

    /// <summary>Integrated gradients of the neuron, shaped like <paramref name="inputs"/>.</summary>
    /// <param name="inputs">A batch [B, ...], floating point.</param>
    /// <param name="baselines">The path's start: null for zeros, or a tensor broadcastable to the inputs.</param>
    /// <param name="nSteps">Integration points (Gauss–Legendre, as <see cref="IntegratedGradients"/>).</param>
    /// <param name="cancellationToken">Checked before any work and between chunks: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Tensor? baselines = null, int nSteps = 50, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LayerCore.CheckInputs(inputs, Name);
        return _ig.Attribute(inputs, Target.Output, baselines, nSteps, cancellationToken: cancellationToken);
    }
}
