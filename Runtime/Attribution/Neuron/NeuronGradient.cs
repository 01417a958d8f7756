using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Neuron gradient (Captum's <c>NeuronGradient</c>): the gradient of one neuron of a layer — the layer's output at
/// <c>neuronIndex</c> — with respect to the inputs. The neuron is chosen as the layer methods choose their layer (by
/// module path, as a <see cref="LayerSplit"/> or as the function from the input to the layer's output) plus an index
/// into the layer's output per sample.
/// </summary>
public sealed class NeuronGradient
{
    private const string Name = nameof(NeuronGradient);
    private readonly Func<Tensor, Tensor> _neuron;

    /// <summary>A neuron of the layer computed by <paramref name="bottom"/> (input → layer output [B, ...]).</summary>
    public NeuronGradient(Func<Tensor, Tensor> bottom, long[] neuronIndex) : this(new LayerSplit(bottom ?? throw new ArgumentNullException(nameof(bottom)), z => z), neuronIndex) { }

    /// <summary>A neuron of the layer a split is cut at.</summary>
    public NeuronGradient(LayerSplit split, long[] neuronIndex) =>
        _neuron = Neuron.Output(split ?? throw new ArgumentNullException(nameof(split)), Neuron.CheckIndex(neuronIndex, Name), Name);

    /// <summary>A neuron of the layer of <paramref name="model"/> with module path <paramref name="layerPath"/> (see <see cref="LayerSplit.At"/>).</summary>
    public NeuronGradient(torch.nn.Module<Tensor, Tensor> model, string layerPath, long[] neuronIndex) : this(LayerSplit.At(model, layerPath), neuronIndex) { }

    /// <summary>∂ neuron / ∂ inputs, shaped like <paramref name="inputs"/> (each row's neuron by its own input).</summary>
    /// <param name="inputs">A batch [B, ...], floating point.</param>
    /// <exception cref="ArgumentException">The inputs are empty, 0-dim or non-finite; the index does not fit the layer's output.</exception>
    public Tensor Attribute(Tensor inputs)
    {
        LayerCore.CheckInputs(inputs, Name);
        return Gradients.Of(_neuron, inputs, Target.Output, method: Name);
    }
}
