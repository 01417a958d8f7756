using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// A model cut at an internal layer: <see cref="Bottom"/> maps the input batch to the layer's
/// activations z = h(x), <see cref="Top"/> maps z to the model output, so f(x) = Top(Bottom(x)).
/// Every layer attribution method (Grad-CAM, internal influence, conductance, ...) works on such a split.
/// </summary>
public sealed class LayerSplit
{
    /// <summary>Input batch → layer activations [B, ...].</summary>
    public Func<Tensor, Tensor> Bottom { get; }

    /// <summary>Layer activations → model output [B, ...].</summary>
    public Func<Tensor, Tensor> Top { get; }

    /// <summary>A split from two functions; <paramref name="top"/> must accept what <paramref name="bottom"/> returns.</summary>
    public LayerSplit(Func<Tensor, Tensor> bottom, Func<Tensor, Tensor> top)
    {
        Bottom = bottom ?? throw new ArgumentNullException(nameof(bottom));
        Top = top ?? throw new ArgumentNullException(nameof(top));
    }

    /// <summary>A split from two modules (their <c>forward</c>).</summary>
    public LayerSplit(torch.nn.Module<Tensor, Tensor> bottom, torch.nn.Module<Tensor, Tensor> top)
        : this((bottom ?? throw new ArgumentNullException(nameof(bottom))).call, (top ?? throw new ArgumentNullException(nameof(top))).call) { }

    /// <summary>
    /// Splits a <see cref="Sequential"/> after child <paramref name="layerIndex"/>: the layer's output is
    /// attributed, <see cref="Bottom"/> runs children 0..layerIndex and <see cref="Top"/> the rest (the
    /// identity when the layer is the last child). The children are shared, not copied.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layerIndex"/> is not a child index of <paramref name="model"/>.</exception>
    public static LayerSplit FromSequential(Sequential model, int layerIndex)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (layerIndex < 0 || layerIndex >= model.Count)
            throw new ArgumentOutOfRangeException(nameof(layerIndex), layerIndex,
                model.Count == 0
                    ? "layer index out of range: the Sequential has no children"
                    : $"layer index {layerIndex} is out of range: the Sequential has {model.Count} children (valid indices 0..{model.Count - 1})");
        var bottom = model[0..(layerIndex + 1)];
        var top = model[(layerIndex + 1)..];
        return new LayerSplit(bottom.call, top.call);
    }

    /// <summary>Deconstructs into (bottom, top).</summary>
    public void Deconstruct(out Func<Tensor, Tensor> bottom, out Func<Tensor, Tensor> top)
    {
        bottom = Bottom;
        top = Top;
    }
}

/// <summary>
/// How a layer attribution of a convolutional activation [B, C, ...spatial] is reduced to one value per
/// channel [B, C] (lib-attribution's <c>agg_fn</c>: each feature map is one unit). Activations without
/// spatial dimensions ([B, C]) are returned as they are.
/// </summary>
public enum ChannelAggregation
{
    /// <summary>No reduction: attributions keep the layer's shape.</summary>
    None,
    /// <summary>The largest value of each feature map (lib-attribution's default, <c>K.max</c>).</summary>
    Max,
    /// <summary>The mean over each feature map.</summary>
    Mean,
    /// <summary>The sum over each feature map (keeps completeness: the channel totals still sum to the whole).</summary>
    Sum,
}
