namespace AttrDsl.Torch;

/// <summary>max(x, 0).</summary>
public sealed class ReLU() : torch.nn.Module<Tensor, Tensor>(nameof(ReLU))
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => input.relu();
}

/// <summary>x, or slope·x below zero.</summary>
public sealed class LeakyReLU(double negative_slope = 0.01) : torch.nn.Module<Tensor, Tensor>(nameof(LeakyReLU))
{
    /// <summary>Slope for negative inputs.</summary>
    public double negative_slope { get; } = negative_slope;
    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => functional.leaky_relu(input, negative_slope);
}

/// <summary>tanh.</summary>
public sealed class Tanh() : torch.nn.Module<Tensor, Tensor>(nameof(Tanh))
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => input.tanh();
}

/// <summary>Logistic sigmoid.</summary>
public sealed class Sigmoid() : torch.nn.Module<Tensor, Tensor>(nameof(Sigmoid))
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => input.sigmoid();
}

/// <summary>Smooth ReLU: (1/β)·log(1 + exp(β·x)).</summary>
public sealed class Softplus(double beta = 1, double threshold = 20) : torch.nn.Module<Tensor, Tensor>(nameof(Softplus))
{
    /// <summary>Sharpness.</summary>
    public double beta { get; } = beta;
    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => functional.softplus(input, beta, threshold);
}

/// <summary>Dropout (active in training mode only).</summary>
public sealed class Dropout(double p = 0.5) : torch.nn.Module<Tensor, Tensor>(nameof(Dropout))
{
    /// <summary>Probability of zeroing an element.</summary>
    public double p { get; } = p is >= 0 and <= 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => functional.dropout(input, p, training);
}

/// <summary>Flattens dimensions start_dim..end_dim.</summary>
public sealed class Flatten(long start_dim = 1, long end_dim = -1) : torch.nn.Module<Tensor, Tensor>(nameof(Flatten))
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => input.flatten(start_dim, end_dim);
}
