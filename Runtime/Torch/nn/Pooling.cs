namespace AttrDsl.Torch;

/// <summary>2-D max pooling.</summary>
public sealed class MaxPool2d(long[] kernel_size, long[]? stride = null, long[]? padding = null, long[]? dilation = null, bool ceil_mode = false)
    : torch.nn.Module<Tensor, Tensor>(nameof(MaxPool2d))
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => functional.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
}

/// <summary>2-D average pooling.</summary>
public sealed class AvgPool2d(long[] kernel_size, long[]? stride = null, long[]? padding = null, bool ceil_mode = false, bool count_include_pad = true)
    : torch.nn.Module<Tensor, Tensor>(nameof(AvgPool2d))
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => functional.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad);
}

/// <summary>Average pooling to a fixed output size.</summary>
public sealed class AdaptiveAvgPool2d(long[] output_size) : torch.nn.Module<Tensor, Tensor>(nameof(AdaptiveAvgPool2d))
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => functional.adaptive_avg_pool2d(input, output_size);
}
