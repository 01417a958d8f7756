namespace AttrDsl.Decomposition;

/// <summary>
/// CD rules for pooling. Max pooling picks its positions on β + γ (the real activation) and takes β and γ at those
/// positions; average pooling is linear without a bias and runs on β and γ stacked in one call.
/// </summary>
public static class PoolingRules
{
    /// <summary>CD of <see cref="MaxPool1d"/>.</summary>
    public static Decomposition MaxPool1d(MaxPool1d layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return max_pool1d(d, layer.kernel_size, layer.stride, layer.padding, layer.dilation, layer.ceil_mode);
    }

    /// <summary>CD of <see cref="MaxPool2d"/>.</summary>
    public static Decomposition MaxPool2d(MaxPool2d layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return max_pool2d(d, layer.kernel_size, layer.stride, layer.padding, layer.dilation, layer.ceil_mode);
    }

    /// <summary>Functional 1-d max pooling of [N, C, L] activations, positions chosen on β + γ.</summary>
    public static Decomposition max_pool1d(Decomposition d, long kernelSize, long? stride = null, long? padding = null, long? dilation = null, bool ceilMode = false)
    {
        if (Interpretation.Current is { } pair) return pair.MaxPool(d, t => nn.functional.max_pool1d_with_indices(t, kernelSize, stride, padding, dilation, ceilMode));
        using var scope = NewDisposeScope();
        var (_, indices) = nn.functional.max_pool1d_with_indices(d.Relevant + d.Irrelevant, kernelSize, stride, padding, dilation, ceilMode);
        return Gather(d, indices).MoveToOuterDisposeScope();
    }

    /// <summary>Functional 2-d max pooling of [N, C, H, W] activations, positions chosen on β + γ.</summary>
    public static Decomposition max_pool2d(Decomposition d, long[] kernelSize, long[]? stride = null, long[]? padding = null, long[]? dilation = null, bool ceilMode = false)
    {
        if (Interpretation.Current is { } pair) return pair.MaxPool(d, t => nn.functional.max_pool2d_with_indices(t, kernelSize, stride, padding, dilation, ceilMode));
        using var scope = NewDisposeScope();
        var (_, indices) = nn.functional.max_pool2d_with_indices(d.Relevant + d.Irrelevant, kernelSize, stride, padding, dilation, ceilMode);
        return Gather(d, indices).MoveToOuterDisposeScope();
    }

    /// <summary>Functional 2-d max pooling with a square kernel (stride defaults to the kernel size).</summary>
    public static Decomposition max_pool2d(Decomposition d, long kernelSize, long? stride = null, long padding = 0) =>
        max_pool2d(d, [kernelSize, kernelSize], [stride ?? kernelSize, stride ?? kernelSize], [padding, padding]);

    /// <summary>CD of <see cref="AdaptiveMaxPool1d"/>: positions chosen on β + γ, β and γ taken at them.</summary>
    public static Decomposition AdaptiveMaxPool1d(AdaptiveMaxPool1d layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return adaptive_max_pool1d(d, layer.output_size);
    }

    /// <summary>CD of <see cref="AdaptiveMaxPool2d"/>: positions chosen on β + γ, β and γ taken at them.</summary>
    public static Decomposition AdaptiveMaxPool2d(AdaptiveMaxPool2d layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return adaptive_max_pool2d(d, layer.output_size);
    }

    /// <summary>Functional adaptive 1-d max pooling of [N, C, L] activations, positions chosen on β + γ.</summary>
    public static Decomposition adaptive_max_pool1d(Decomposition d, long outputSize)
    {
        if (Interpretation.Current is { } pair) return pair.MaxPool(d, t => nn.functional.adaptive_max_pool1d_with_indices(t, outputSize));
        using var scope = NewDisposeScope();
        var (_, indices) = nn.functional.adaptive_max_pool1d_with_indices(d.Relevant + d.Irrelevant, outputSize);
        return Gather(d, indices).MoveToOuterDisposeScope();
    }

    /// <summary>Functional adaptive 2-d max pooling of [N, C, H, W] activations, positions chosen on β + γ.</summary>
    public static Decomposition adaptive_max_pool2d(Decomposition d, long[] outputSize)
    {
        if (Interpretation.Current is { } pair) return pair.MaxPool(d, t => nn.functional.adaptive_max_pool2d_with_indices(t, outputSize));
        ArgumentNullException.ThrowIfNull(outputSize);
        using var scope = NewDisposeScope();
        var (_, indices) = nn.functional.adaptive_max_pool2d_with_indices(d.Relevant + d.Irrelevant, outputSize);
        return Gather(d, indices).MoveToOuterDisposeScope();
    }

    // Pooling indices index the flattened spatial positions of each (sample, channel) plane.
    private static Decomposition Gather(Decomposition d, Tensor indices)
    {
        var flatIdx = indices.flatten(2);
        var beta = d.Relevant.flatten(2).gather(2, flatIdx).view(indices.shape);
        var gamma = d.Irrelevant.flatten(2).gather(2, flatIdx).view(indices.shape);
        return new Decomposition(beta, gamma);
    }

    /// <summary>CD of <see cref="AvgPool1d"/> (linear: β and γ pooled in one stacked call).</summary>
    public static Decomposition AvgPool1d(AvgPool1d layer, Decomposition d) => Linear(layer, d);

    /// <summary>CD of <see cref="AvgPool2d"/> (linear: β and γ pooled in one stacked call).</summary>
    public static Decomposition AvgPool2d(AvgPool2d layer, Decomposition d) => Linear(layer, d);

    /// <summary>CD of <see cref="AdaptiveAvgPool2d"/> (linear: β and γ pooled in one stacked call).</summary>
    public static Decomposition AdaptiveAvgPool2d(AdaptiveAvgPool2d layer, Decomposition d) => Linear(layer, d);

    /// <summary>Functional 2-d average pooling.</summary>
    public static Decomposition avg_pool2d(Decomposition d, long kernelSize, long? stride = null, long padding = 0) =>
        StackedCall.Apply(d, x => nn.functional.avg_pool2d(x, kernelSize, stride, padding));

    /// <summary>Functional adaptive 2-d average pooling.</summary>
    public static Decomposition adaptive_avg_pool2d(Decomposition d, long[] outputSize) =>
        StackedCall.Apply(d, x => nn.functional.adaptive_avg_pool2d(x, outputSize));

    private static Decomposition Linear(nn.Module<Tensor, Tensor> layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return StackedCall.Apply(d, layer.call);
    }
}
