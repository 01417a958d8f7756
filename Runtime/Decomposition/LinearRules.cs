namespace AttrDsl.Decomposition;

/// <summary>
/// CD rules for the affine layers (Linear, Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d): β and γ go through the weights without the bias in one
/// stacked call (r = Wβ, i = Wγ), then the bias is shared by <see cref="BiasShare.Split"/> (in proportion to |r| and |i|).
/// </summary>
public static class LinearRules
{
    /// <summary>CD of a <see cref="Linear"/> layer.</summary>
    public static Decomposition Linear(Linear layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        using var scope = NewDisposeScope();
        if (Interpretation.Current is { } i)
            return (i.Affine(d, layer.weight!, layer.bias) ?? StackedCall.Apply(d, x => nn.functional.linear(x, layer.weight!, layer.bias))).MoveToOuterDisposeScope();
        var ri = StackedCall.Apply(d, x => nn.functional.linear(x, layer.weight!));
        return BiasShare.Split(ri.Relevant, ri.Irrelevant, layer.bias).MoveToOuterDisposeScope();
    }

    /// <summary>Functional linear map x·Wᵀ + b (the bias shared by magnitude).</summary>
    public static Decomposition linear(Decomposition d, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        CdGuard.Check(d, nameof(d));
        if (weight.dim() != 2 || d.Relevant.dim() < 1 || weight.size(1) != d.Relevant.size(-1))
            throw new ArgumentException($"linear: weight {CdGuard.Shape(weight)} does not fit a decomposition of shape {CdGuard.Shape(d.Relevant)}: weight must be [out, in] with in = {(d.Relevant.dim() < 1 ? "the last size" : d.Relevant.size(-1).ToString())}", nameof(weight));
        if (bias is not null && (bias.dim() != 1 || bias.size(0) != weight.size(0)))
            throw new ArgumentException($"linear: bias {CdGuard.Shape(bias)} does not fit weight {CdGuard.Shape(weight)}: it must be [{weight.size(0)}]", nameof(bias));
        using var scope = NewDisposeScope();
        if (Interpretation.Current is { } i)
            return (i.Affine(d, weight, bias) ?? StackedCall.Apply(d, x => nn.functional.linear(x, weight, bias))).MoveToOuterDisposeScope();
        var ri = StackedCall.Apply(d, x => nn.functional.linear(x, weight));
        return BiasShare.Split(ri.Relevant, ri.Irrelevant, bias).MoveToOuterDisposeScope();
    }

    /// <summary>Functional 2-d convolution with zero padding (the bias shared by magnitude).</summary>
    public static Decomposition conv2d(Decomposition d, Tensor weight, Tensor? bias = null, long[]? stride = null, long[]? padding = null, long[]? dilation = null, long groups = 1)
    {
        ArgumentNullException.ThrowIfNull(weight);
        using var scope = NewDisposeScope();
        if (Interpretation.Current is not null) return StackedCall.Apply(d, x => nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups)).MoveToOuterDisposeScope();
        var ri = StackedCall.Apply(d, x => nn.functional.conv2d(x, weight, null, stride, padding, dilation, groups));
        return BiasShare.Split(ri.Relevant, ri.Irrelevant, bias is null ? null : ChannelBias(bias, ri.Relevant.dim())).MoveToOuterDisposeScope();
    }

    /// <summary>Functional 1-d convolution with zero padding (the bias shared by magnitude).</summary>
    public static Decomposition conv1d(Decomposition d, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1)
    {
        ArgumentNullException.ThrowIfNull(weight);
        using var scope = NewDisposeScope();
        if (Interpretation.Current is not null) return StackedCall.Apply(d, x => nn.functional.conv1d(x, weight, bias, stride, padding, dilation, groups)).MoveToOuterDisposeScope();
        var ri = StackedCall.Apply(d, x => nn.functional.conv1d(x, weight, null, stride, padding, dilation, groups));
        return BiasShare.Split(ri.Relevant, ri.Irrelevant, bias is null ? null : ChannelBias(bias, ri.Relevant.dim())).MoveToOuterDisposeScope();
    }

    /// <summary>CD of a <see cref="Conv1d"/> layer (any padding mode: the layer's own padding is linear).</summary>
    public static Decomposition Conv1d(Conv1d layer, Decomposition d) => Convolution(layer, d, 1);

    /// <summary>CD of a <see cref="Conv2d"/> layer (any padding mode: the layer's own padding is linear).</summary>
    public static Decomposition Conv2d(Conv2d layer, Decomposition d) => Convolution(layer, d, 2);

    private static Decomposition Convolution(Convolution layer, Decomposition d, int spatialDims)
    {
        ArgumentNullException.ThrowIfNull(layer);
        using var scope = NewDisposeScope();
        Decomposition ri;
        var bias = layer.bias;
        if (layer.padding_mode == PaddingModes.Zeros && layer.padding_type is null && !layer.transposed)
        {
            // Under another interpretation (DeepLift, guided backprop) both parts are activations and each gets the whole
            // bias (BiasShare): the convolution with its bias does that in the same pass.
            if (Interpretation.Current is not null)
            {
                return (spatialDims == 1
                    ? StackedCall.Apply(d, x => nn.functional.conv1d(x, layer.weight!, bias, layer.stride[0], layer.padding![0], layer.dilation[0], layer.groups))
                    : StackedCall.Apply(d, x => nn.functional.conv2d(x, layer.weight!, bias, layer.stride, layer.padding, layer.dilation, layer.groups))).MoveToOuterDisposeScope();
            }
            // The functional convolution without the bias: r and i directly, no bias to add and take off again.
            ri = spatialDims == 1
                ? StackedCall.Apply(d, x => nn.functional.conv1d(x, layer.weight!, null, layer.stride[0], layer.padding![0], layer.dilation[0], layer.groups))
                : StackedCall.Apply(d, x => nn.functional.conv2d(x, layer.weight!, null, layer.stride, layer.padding, layer.dilation, layer.groups));
        }
        else
        {
            // Reflect/replicate/circular or "same" padding: still linear, so the layer's own forward minus its bias is W·x.
            ri = StackedCall.Apply(d, x => bias is null ? layer.call(x) : layer.call(x) - ChannelBias(bias, x.dim()));
        }
        return BiasShare.Split(ri.Relevant, ri.Irrelevant, bias is null ? null : ChannelBias(bias, ri.Relevant.dim())).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// CD of a <see cref="ConvTranspose1d"/> layer: linear, so β and γ go through the transposed convolution without the
    /// bias in one stacked call (r = Wᵀ⋆β, i = Wᵀ⋆γ) and the per-channel bias is shared by <see cref="BiasShare.Split"/>.
    /// </summary>
    public static Decomposition ConvTranspose1d(ConvTranspose1d layer, Decomposition d) => ConvolutionTranspose(layer, d, 1);

    /// <summary>CD of a <see cref="ConvTranspose2d"/> layer (the rule of <see cref="ConvTranspose1d(TorchSharp.Modules.ConvTranspose1d, Decomposition)"/>).</summary>
    public static Decomposition ConvTranspose2d(ConvTranspose2d layer, Decomposition d) => ConvolutionTranspose(layer, d, 2);

    /// <summary>Functional 1-d transposed convolution: β and γ through it without the bias, the bias shared by magnitude.</summary>
    public static Decomposition conv_transpose1d(Decomposition d, Tensor weight, Tensor? bias = null, long? stride = null, long? padding = null, long? outputPadding = null, long? dilation = null, long groups = 1)
    {
        ArgumentNullException.ThrowIfNull(weight);
        using var scope = NewDisposeScope();
        var ri = StackedCall.Apply(d, x => nn.functional.conv_transpose1d(x, weight, null, stride, padding, outputPadding, dilation, groups));
        return BiasShare.Split(ri.Relevant, ri.Irrelevant, bias is null ? null : ChannelBias(bias, ri.Relevant.dim())).MoveToOuterDisposeScope();
    }

    /// <summary>Functional 2-d transposed convolution: β and γ through it without the bias, the bias shared by magnitude.</summary>
    public static Decomposition conv_transpose2d(Decomposition d, Tensor weight, Tensor? bias = null, long[]? stride = null, long[]? padding = null, long[]? outputPadding = null, long[]? dilation = null, long groups = 1)
    {
        ArgumentNullException.ThrowIfNull(weight);
        using var scope = NewDisposeScope();
        var ri = StackedCall.Apply(d, x => nn.functional.conv_transpose2d(x, weight, null, stride, padding, outputPadding, dilation, groups));
        return BiasShare.Split(ri.Relevant, ri.Irrelevant, bias is null ? null : ChannelBias(bias, ri.Relevant.dim())).MoveToOuterDisposeScope();
    }

    private static Decomposition ConvolutionTranspose(Convolution layer, Decomposition d, int spatialDims)
    {
        ArgumentNullException.ThrowIfNull(layer);
        using var scope = NewDisposeScope();
        var bias = layer.bias;
        Decomposition ri;
        if (layer.padding_mode == PaddingModes.Zeros && layer.padding is not null)
        {
            ri = spatialDims == 1
                ? StackedCall.Apply(d, x => nn.functional.conv_transpose1d(x, layer.weight!, null, layer.stride[0], layer.padding[0], layer.output_padding[0], layer.dilation[0], layer.groups))
                : StackedCall.Apply(d, x => nn.functional.conv_transpose2d(x, layer.weight!, null, layer.stride, layer.padding, layer.output_padding, layer.dilation, layer.groups));
        }
        else
        {
            // Any other configuration: still linear, so the layer's own forward minus its bias is the linear part.
            ri = StackedCall.Apply(d, x => bias is null ? layer.call(x) : layer.call(x) - ChannelBias(bias, x.dim()));
        }
        return BiasShare.Split(ri.Relevant, ri.Irrelevant, bias is null ? null : ChannelBias(bias, ri.Relevant.dim())).MoveToOuterDisposeScope();
    }

    /// <summary>A per-channel vector [C] viewed as [1, C, 1, ...] to broadcast over an activation of <paramref name="dims"/> dimensions.</summary>
    internal static Tensor ChannelBias(Tensor perChannel, long dims)
    {
        var shape = new long[dims];
        Array.Fill(shape, 1L);
        shape[1] = perChannel.shape[0];
        return perChannel.view(shape);
    }
}
