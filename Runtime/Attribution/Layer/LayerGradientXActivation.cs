using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Layer gradient × activation (Captum's <c>LayerGradientXActivation</c>): z ⊙ ∂f/∂z with z = h(x) the layer's output,
/// the gradient taken through the rest of the model at z. Without the product it is the plain layer gradient
/// (<c>multiplyByInputs: false</c>). The inputs may have any dtype the model accepts (e.g. token ids); only the
/// layer's output must be floating point.
/// </summary>
public sealed class LayerGradientXActivation
{
    private const string Name = nameof(LayerGradientXActivation);
    private readonly LayerSplit _split;

    /// <summary>Gradient × activation at the layer between <paramref name="bottom"/> (input → z) and <paramref name="top"/> (z → output).</summary>
    public LayerGradientXActivation(Func<Tensor, Tensor> bottom, Func<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>Gradient × activation at the layer a split is cut at.</summary>
    public LayerGradientXActivation(LayerSplit split) => _split = split ?? throw new ArgumentNullException(nameof(split));

    /// <summary>Gradient × activation at the layer between two modules.</summary>
    public LayerGradientXActivation(torch.nn.Module<Tensor, Tensor> bottom, torch.nn.Module<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>Gradient × activation at the layer of <paramref name="model"/> with module path <paramref name="layerPath"/> (see <see cref="LayerSplit.At"/>).</summary>
    public LayerGradientXActivation(torch.nn.Module<Tensor, Tensor> model, string layerPath) => _split = LayerSplit.At(model, layerPath);

    /// <summary>z ⊙ ∂f/∂z (or ∂f/∂z alone), shaped like the layer's output [B, ...].</summary>
    /// <param name="inputs">A batch [B, ...] of any dtype the model accepts.</param>
    /// <param name="target">Which output to explain.</param>
    /// <param name="multiplyByInputs">Multiply the gradient by the layer's activations (default); false returns the layer gradient.</param>
    /// <exception cref="ArgumentException">The inputs are empty, 0-dim or non-finite.</exception>
    /// <exception cref="InvalidOperationException">
    /// The layer's output is not floating point, or the model returned null, a non-floating-point output, or not one
    /// row per input row.
    /// </exception>
    public Tensor Attribute(Tensor inputs, Target target, bool multiplyByInputs = true)
    {
        LayerCore.CheckInputs(inputs, Name);
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), Name);
        ArgumentNullException.ThrowIfNull(target);
        using var scope = NewDisposeScope();
        var x = inputs.detach();
        var (z, g) = LayerCore.ActivationsAndGradients(_split, x, target, Name);
        return (multiplyByInputs ? g * z : g).MoveToOuterDisposeScope();
    }
}
