namespace AttrDsl.Torch;

/// <summary>2-D convolution over [N, C, H, W]; PyTorch's default initialisation.</summary>
public sealed class Conv2d : torch.nn.Module<Tensor, Tensor>
{
    /// <summary>[out, in/groups, kH, kW].</summary>
    public Parameter weight { get; }
    /// <summary>[out] or null.</summary>
    public Parameter? bias { get; }
    /// <summary>Stride (h, w).</summary>
    public long[] stride { get; }
    /// <summary>Zero padding (h, w).</summary>
    public long[] padding { get; }
    /// <summary>Dilation (h, w).</summary>
    public long[] dilation { get; }
    /// <summary>Channel groups.</summary>
    public long groups { get; }

    /// <summary>Creates the layer with a kernel of kernel_size[0] × kernel_size[1].</summary>
    public Conv2d(long in_channels, long out_channels, long[] kernel_size, long[]? stride = null, long[]? padding = null, long[]? dilation = null, long groups = 1, bool bias = true, ScalarType? dtype = null)
        : base(nameof(Conv2d))
    {
        if (in_channels <= 0 || out_channels <= 0) throw new ArgumentOutOfRangeException(nameof(in_channels), $"Conv2d({in_channels}, {out_channels}): channel counts must be positive");
        if (in_channels % groups != 0 || out_channels % groups != 0) throw new ArgumentException($"Conv2d: channels ({in_channels}, {out_channels}) must be divisible by groups ({groups})");
        if (kernel_size.Length != 2) throw new ArgumentException("Conv2d kernel_size needs two entries (height, width)");
        this.stride = stride ?? [1, 1];
        this.padding = padding ?? [0, 0];
        this.dilation = dilation ?? [1, 1];
        this.groups = groups;
        using var scope = torch.NewDisposeScope();
        weight = new Parameter(torch.empty([out_channels, in_channels / groups, kernel_size[0], kernel_size[1]], dtype));
        this.bias = bias ? new Parameter(torch.empty([out_channels], dtype)) : null;
        torch.nn.init.DefaultLinearInit(weight, this.bias);
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), this.bias);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => functional.conv2d(input, weight, bias, stride, padding, dilation, groups);
}

/// <summary>1-D convolution over [N, C, L]; PyTorch's default initialisation.</summary>
public sealed class Conv1d : torch.nn.Module<Tensor, Tensor>
{
    /// <summary>[out, in/groups, k].</summary>
    public Parameter weight { get; }
    /// <summary>[out] or null.</summary>
    public Parameter? bias { get; }
    private readonly long _stride, _padding, _dilation, _groups;

    /// <summary>Creates the layer.</summary>
    public Conv1d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true, ScalarType? dtype = null)
        : base(nameof(Conv1d))
    {
        if (in_channels <= 0 || out_channels <= 0 || kernel_size <= 0) throw new ArgumentOutOfRangeException(nameof(in_channels), "Conv1d sizes must be positive");
        if (in_channels % groups != 0 || out_channels % groups != 0) throw new ArgumentException($"Conv1d: channels ({in_channels}, {out_channels}) must be divisible by groups ({groups})");
        (_stride, _padding, _dilation, _groups) = (stride, padding, dilation, groups);
        using var scope = torch.NewDisposeScope();
        weight = new Parameter(torch.empty([out_channels, in_channels / groups, kernel_size], dtype));
        this.bias = bias ? new Parameter(torch.empty([out_channels], dtype)) : null;
        torch.nn.init.DefaultLinearInit(weight, this.bias);
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), this.bias);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => functional.conv1d(input, weight, bias, _stride, _padding, _dilation, _groups);
}
