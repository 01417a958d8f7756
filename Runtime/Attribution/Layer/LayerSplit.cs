using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// A model cut at an internal layer: <see cref="Bottom"/> maps the input batch to the layer's
/// activations z = h(x), and the rest of the model maps z to the output, f(x) = g(x, h(x)). Every layer
/// attribution method (Grad-CAM, internal influence, conductance, ...) works on such a split.
/// <para>
/// A split is made by hand from two functions (the rest reads z alone: f(x) = Top(Bottom(x))), from two modules or a
/// <see cref="Sequential"/>, or by the layer's module path in any model (<see cref="At"/>), where the rest of the
/// model may also read the input: skip connections around the layer, and the part before it, which runs so that the
/// forward reaches the layer. <see cref="Forward"/> evaluates the rest in every case.
/// </para>
/// </summary>
public sealed class LayerSplit
{
    private readonly Func<Tensor, Tensor>? _top;
    private readonly Func<Tensor, Tensor, Tensor> _forward;
    private readonly Func<Tensor, Tensor> _model;

    /// <summary>Input batch → layer activations [B, ...].</summary>
    public Func<Tensor, Tensor> Bottom { get; }

    /// <summary>Layer activations → model output [B, ...], for a split whose rest reads the activations alone.</summary>
    /// <exception cref="InvalidOperationException">
    /// The rest of the model also reads the input (a split made by <see cref="At"/> or with an (inputs, activations)
    /// top): use <see cref="Forward"/>.
    /// </exception>
    public Func<Tensor, Tensor> Top => _top ?? throw new InvalidOperationException(
        LayerPath is null
            ? "LayerSplit.Top: this split's top reads the inputs as well as the activations; call Forward(inputs, activations)"
            : $"LayerSplit.Top: the split at layer \"{LayerPath}\" runs the whole model, which reads the inputs as well as the layer's activations; call Forward(inputs, activations)");

    /// <summary>The layer's module path for a split made by <see cref="At"/>; null for a hand-made split.</summary>
    public string? LayerPath { get; }

    /// <summary>A split from two functions; <paramref name="top"/> must accept what <paramref name="bottom"/> returns.</summary>
    public LayerSplit(Func<Tensor, Tensor> bottom, Func<Tensor, Tensor> top)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        ArgumentNullException.ThrowIfNull(top);
        Bottom = bottom = ModelCall.Guard(bottom, "LayerSplit (the part up to the layer)");
        _top = top = ModelCall.Guard(top, "LayerSplit (the part after the layer)");
        _forward = (_, z) => top(z);
        _model = x => top(bottom(x));
    }

    /// <summary>
    /// A split whose rest reads the input rows as well as the activations: <paramref name="top"/>(inputs, activations)
    /// → output, e.g. a residual block's output head(z + x) when z is the block's inner layer. The attribution
    /// methods pass the input rows each activation row was computed from (for methods that interpolate the
    /// activations, the input itself, once per path point).
    /// </summary>
    public LayerSplit(Func<Tensor, Tensor> bottom, Func<Tensor, Tensor, Tensor> top)
    {
        ArgumentNullException.ThrowIfNull(bottom);
        ArgumentNullException.ThrowIfNull(top);
        Bottom = bottom = ModelCall.Guard(bottom, "LayerSplit (the part up to the layer)");
        _forward = top = ModelCall.Guard(top, "LayerSplit (the part after the layer)");
        _model = x => top(x, bottom(x));
    }

    /// <summary>A split from two modules (through <c>call</c>, so their hooks fire).</summary>
    public LayerSplit(torch.nn.Module<Tensor, Tensor> bottom, torch.nn.Module<Tensor, Tensor> top)
        : this(Live(bottom, nameof(bottom)).call, Live(top, nameof(top)).call) { }

    private static torch.nn.Module<Tensor, Tensor> Live(torch.nn.Module<Tensor, Tensor> module, string name)
    {
        Checks.Live(module, "LayerSplit", name);
        return module;
    }

    private LayerSplit(NamedLayer layer)
    {
        Named = layer;
        var where = $"the model split at layer \"{layer.Path}\"";
        Bottom = ModelCall.Guard(layer.Activations, where, layer.Root);
        _forward = ModelCall.Guard(layer.Forward, where, layer.Root);
        _model = ModelCall.Guard(layer.Model, where, layer.Root);
        LayerPath = layer.Path;
    }

    /// <summary>
    /// Splits any model at the module with path <paramref name="layerPath"/> (as <c>named_modules()</c> names it:
    /// "layer4", "features.28", "encoder.layers.1"); the layer's output is attributed. The split reads and replaces
    /// the layer's output with forward hooks, which live only during each of its forwards:
    /// <see cref="Bottom"/> runs the model up to the layer and returns a copy of its output (the rest of the forward
    /// is skipped), <see cref="Forward"/> runs the whole model on the inputs with the layer's output replaced.
    /// </summary>
    /// <param name="model">The model; it is not changed (every hook is removed after its forward, also after an error).</param>
    /// <param name="layerPath">The layer's module path; not empty.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="layerPath"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The path is empty, names no module of the model (the message lists its paths), or names a module that does not
    /// map a tensor to a tensor.
    /// </exception>
    /// <remarks>
    /// TorchSharp fires hooks only from <c>module.call(x)</c>: the model's forward must call the layer with
    /// <c>.call</c> (TorchVision's models and <see cref="Sequential"/> do), exactly once per forward. Otherwise the
    /// split's functions throw <see cref="InvalidOperationException"/>: for a layer not called through <c>call</c> the
    /// message lists the modules that are; a module used at several places has no single activation to attribute to.
    /// </remarks>
    public static LayerSplit At(torch.nn.Module<Tensor, Tensor> model, string layerPath) => new(NamedLayer.Resolve(model, layerPath));

    /// <summary>
    /// The model's output when the layer's output is <paramref name="activations"/> and its input is
    /// <paramref name="inputs"/> (one row per activation row): Top(activations) for a split whose rest reads the
    /// activations alone (the inputs are then ignored), the whole model with the layer's output replaced for a split
    /// made by <see cref="At"/>. Differentiable with respect to <paramref name="activations"/>.
    /// </summary>
    public Tensor Forward(Tensor inputs, Tensor activations)
    {
        Checks.Live(inputs, "LayerSplit.Forward", nameof(inputs));
        Checks.Live(activations, "LayerSplit.Forward", nameof(activations));
        Checks.Finite(activations, "LayerSplit.Forward", nameof(activations));
        return _forward(inputs, activations);
    }

    /// <summary>The layer behind a split made by <see cref="At"/>; null for a split of two functions.</summary>
    internal NamedLayer? Named { get; }

    /// <summary>The whole model on <paramref name="inputs"/>: f(x), for completeness checks.</summary>
    internal Tensor Model(Tensor inputs) => _model(inputs);

    /// <summary>
    /// Splits a <see cref="Sequential"/> after child <paramref name="layerIndex"/>: the layer's output is
    /// attributed, <see cref="Bottom"/> runs children 0..layerIndex and <see cref="Top"/> the rest (the
    /// identity when the layer is the last child). The children are shared, not copied.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layerIndex"/> is not a child index of <paramref name="model"/>.</exception>
    public static LayerSplit FromSequential(Sequential model, int layerIndex)
    {
        Checks.Live(model, "LayerSplit.FromSequential");
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
    /// <exception cref="InvalidOperationException">The split's top reads the inputs too (see <see cref="Top"/>).</exception>
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
