using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// The activations of a layer as its attribution (Captum's <c>LayerActivation</c>, lib-attribution's
/// <c>Activation</c>): z = bottom(x), optionally reduced to one value per channel for convolutional layers.
/// </summary>
public sealed class LayerActivation
{
    private const string Name = nameof(LayerActivation);
    private readonly Func<Tensor, Tensor> _bottom;

    /// <summary>Activations of the layer computed by <paramref name="bottom"/> (input batch → activations).</summary>
    public LayerActivation(Func<Tensor, Tensor> bottom) => _bottom = ModelCall.Guard(bottom ?? throw new ArgumentNullException(nameof(bottom)), nameof(LayerActivation));

    /// <summary>Activations of the layer a split is cut at (its <see cref="LayerSplit.Bottom"/>).</summary>
    public LayerActivation(LayerSplit split) : this((split ?? throw new ArgumentNullException(nameof(split))).Bottom) { }

    /// <summary>Activations of a module's output.</summary>
    public LayerActivation(torch.nn.Module<Tensor, Tensor> bottom) : this(LiveCall(bottom)) { }

    /// <summary>Activations of the layer of <paramref name="model"/> with module path <paramref name="layerPath"/> (see <see cref="LayerSplit.At"/>; the rest of the forward is skipped).</summary>
    public LayerActivation(torch.nn.Module<Tensor, Tensor> model, string layerPath) : this(LayerSplit.At(model, layerPath)) { }

    /// <summary>
    /// bottom(<paramref name="inputs"/>), detached: [B, ...] as the layer returns it, or [B, C] when
    /// <paramref name="aggregation"/> reduces each feature map of a [B, C, ...spatial] activation.
    /// </summary>
    public Tensor Attribute(Tensor inputs, ChannelAggregation aggregation = ChannelAggregation.None)
    {
        LayerCore.CheckInputs(inputs, Name);
        using var scope = NewDisposeScope();
        var z = LayerCore.Activations(_bottom, inputs, Name);
        return LayerCore.Aggregate(z, aggregation).MoveToOuterDisposeScope();
    }

    private static Func<Tensor, Tensor> LiveCall(torch.nn.Module<Tensor, Tensor> bottom)
    {
        Checks.Live(bottom, nameof(LayerActivation), nameof(bottom));
        return bottom.call;
    }
}
