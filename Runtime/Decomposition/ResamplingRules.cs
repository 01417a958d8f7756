namespace AttrDsl.Decomposition;

/// <summary>
/// CD rules for resampling and padding.
/// <list type="bullet">
/// <item>Upsample / interpolate (nearest, linear, bilinear, bicubic, trilinear, area): for a fixed output size each output
/// is a fixed linear combination of inputs, with no constant term, so β and γ are resampled separately (in one stacked
/// call of the module's own forward): β' = up(β), γ' = up(γ), β' + γ' = up(β + γ).</item>
/// <item>Padding with zeros, reflection, replication or circular wrap-around is linear without a constant: β and γ are
/// padded separately. A constant pad value c ≠ 0 is a constant added at the padded positions, where r = i = 0, so the
/// CD bias rule (<see cref="BiasShare"/>) shares it 50/50: β' = pad(β, c/2), γ' = pad(γ, c/2), β' + γ' = pad(β + γ, c)
/// exactly.</item>
/// </list>
/// </summary>
public static class ResamplingRules
{
    /// <summary>CD of an <see cref="Upsample"/> layer (any mode: linear in its input): the layer's own forward on β and γ, stacked.</summary>
    public static Decomposition Upsample(Upsample layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return StackedCall.Apply(d, layer.call);
    }

    /// <summary>Functional upsampling (<c>nn.functional.upsample</c>, linear): applied to β and γ in one stacked call.</summary>
    public static Decomposition upsample(Decomposition d, long[]? size = null, double[]? scaleFactor = null, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false) =>
        StackedCall.Apply(d, x => nn.functional.upsample(x, size, scaleFactor, mode, alignCorners));

    /// <summary>Functional interpolation (<c>nn.functional.interpolate</c>, linear for a fixed size): applied to β and γ in one stacked call.</summary>
    public static Decomposition interpolate(Decomposition d, long[]? size = null, double[]? scaleFactor = null, InterpolationMode mode = InterpolationMode.Nearest, bool? alignCorners = null, bool recomputeScaleFactor = false, bool antialias = false) =>
        StackedCall.Apply(d, x => nn.functional.interpolate(x, size, scaleFactor, mode, alignCorners, recomputeScaleFactor, antialias));

    /// <summary>
    /// CD of a padding layer. ReflectionPad1d/2d/3d and ReplicationPad1d/2d/3d are linear: the layer's own forward on β
    /// and γ. ConstantPad1d/2d/3d and ZeroPad2d pad β and γ with half the constant each (the bias rule with r = i = 0).
    /// </summary>
    public static Decomposition Pad(PadBase layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return layer switch
        {
            ReflectionPad1d or ReflectionPad2d or ReflectionPad3d or ReplicationPad1d or ReplicationPad2d or ReplicationPad3d => StackedCall.Apply(d, layer.call),
            ConstantPad1d or ConstantPad2d or ConstantPad3d or ZeroPad2d => pad(d, layer.padding, PaddingModes.Constant, layer.value),
            _ => throw new NotSupportedException($"No CD rule for the padding layer {layer.GetType().FullName}."),
        };
    }

    /// <summary>
    /// Functional padding (<c>nn.functional.pad</c>): for <see cref="PaddingModes.Constant"/> (and <see cref="PaddingModes.Zeros"/>)
    /// β and γ are padded with <paramref name="value"/>/2 each; reflect, replicate and circular padding are linear and
    /// pad β and γ as they are.
    /// </summary>
    public static Decomposition pad(Decomposition d, long[] pad, PaddingModes mode = PaddingModes.Constant, double value = 0)
    {
        ArgumentNullException.ThrowIfNull(pad);
        return Padded(d, mode, value, (x, m, v) => nn.functional.pad(x, pad, m, v));
    }

    // The padding rule over any form of TorchSharp's pad: op(x, mode, value) pads one tensor.
    internal static Decomposition Padded(Decomposition d, PaddingModes mode, double value, Func<Tensor, PaddingModes, double, Tensor> op) =>
        mode is PaddingModes.Constant or PaddingModes.Zeros
            ? StackedCall.Apply(d, x => op(x, PaddingModes.Constant, mode == PaddingModes.Zeros ? 0 : value / 2))
            : StackedCall.Apply(d, x => op(x, mode, value));
}
