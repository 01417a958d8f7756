namespace AttrDsl.Torch;

/// <summary>
/// Batch normalisation shared by <see cref="BatchNorm1d"/> and <see cref="BatchNorm2d"/>: affine
/// weight/bias, running statistics updated in training with <c>momentum</c>, used in evaluation.
/// </summary>
public abstract class BatchNorm : torch.nn.Module<Tensor, Tensor>
{
    /// <summary>Per-channel scale (γ), or null without affine.</summary>
    public Parameter? weight { get; }
    /// <summary>Per-channel shift (β), or null without affine.</summary>
    public Parameter? bias { get; }
    /// <summary>Running mean (a buffer).</summary>
    public BufferTensor? running_mean { get; }
    /// <summary>Running (unbiased) variance (a buffer).</summary>
    public BufferTensor? running_var { get; }
    /// <summary>How many training batches updated the statistics.</summary>
    public BufferTensor? num_batches_tracked { get; }
    /// <summary>Added to the variance.</summary>
    public double eps { get; }
    /// <summary>Weight of the newest batch in the running statistics.</summary>
    public double momentum { get; }
    private readonly int _expectedRank;

    private protected BatchNorm(string name, int expectedRank, long num_features, double eps, double momentum, bool affine, bool track_running_stats, ScalarType? dtype) : base(name)
    {
        if (num_features <= 0) throw new ArgumentOutOfRangeException(nameof(num_features), $"{name}: num_features must be positive");
        _expectedRank = expectedRank;
        this.eps = eps;
        this.momentum = momentum;
        using var scope = torch.NewDisposeScope();
        if (affine)
        {
            weight = new Parameter(torch.ones([num_features], dtype));
            bias = new Parameter(torch.zeros([num_features], dtype));
        }
        if (track_running_stats)
        {
            running_mean = new BufferTensor(torch.zeros([num_features], dtype));
            running_var = new BufferTensor(torch.ones([num_features], dtype));
            num_batches_tracked = new BufferTensor(torch.zeros([], ScalarType.Int64));
        }
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
        register_buffer(nameof(running_mean), running_mean);
        register_buffer(nameof(running_var), running_var);
        register_buffer(nameof(num_batches_tracked), num_batches_tracked);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        var rank = input.dim();
        if (rank != _expectedRank && !(_expectedRank == 3 && rank == 2))
            throw new ArgumentException($"{GetName()} expects a {(_expectedRank == 4 ? "4-D [N, C, H, W]" : "2-D [N, C] or 3-D [N, C, L]")} input, got shape [{string.Join(", ", input.shape)}]");
        var useBatchStats = training || running_mean is null;
        if (training && num_batches_tracked is not null)
            using (torch.no_grad()) num_batches_tracked.add_(1L);
        return functional.batch_norm(input, running_mean, running_var, weight, bias, useBatchStats, momentum, eps);
    }
}

/// <summary>Batch normalisation over [N, C] or [N, C, L].</summary>
public sealed class BatchNorm1d(long num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool track_running_stats = true, ScalarType? dtype = null)
    : BatchNorm(nameof(BatchNorm1d), 3, num_features, eps, momentum, affine, track_running_stats, dtype);

/// <summary>Batch normalisation over [N, C, H, W].</summary>
public sealed class BatchNorm2d(long num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool track_running_stats = true, ScalarType? dtype = null)
    : BatchNorm(nameof(BatchNorm2d), 4, num_features, eps, momentum, affine, track_running_stats, dtype);

/// <summary>Layer normalisation over the trailing dimensions.</summary>
public sealed class LayerNorm : torch.nn.Module<Tensor, Tensor>
{
    private readonly long[] _shape;
    /// <summary>Elementwise scale, or null.</summary>
    public Parameter? weight { get; }
    /// <summary>Elementwise shift, or null.</summary>
    public Parameter? bias { get; }
    /// <summary>Added to the variance.</summary>
    public double eps { get; }

    /// <summary>Creates the layer.</summary>
    public LayerNorm(long[] normalized_shape, double eps = 1e-5, bool elementwise_affine = true, ScalarType? dtype = null) : base(nameof(LayerNorm))
    {
        _shape = normalized_shape;
        this.eps = eps;
        using var scope = torch.NewDisposeScope();
        if (elementwise_affine)
        {
            weight = new Parameter(torch.ones(normalized_shape, dtype));
            bias = new Parameter(torch.zeros(normalized_shape, dtype));
        }
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => functional.layer_norm(input, _shape, weight, bias, eps);
}
