namespace AttrDsl.Torch;

/// <summary>y = x·Wᵀ + b, W of shape [out, in]; PyTorch's default initialisation.</summary>
public sealed class Linear : torch.nn.Module<Tensor, Tensor>
{
    /// <summary>[out_features, in_features].</summary>
    public Parameter weight { get; }
    /// <summary>[out_features], or null without bias.</summary>
    public Parameter? bias { get; }
    /// <summary>Input size.</summary>
    public long in_features { get; }
    /// <summary>Output size.</summary>
    public long out_features { get; }

    /// <summary>Creates the layer.</summary>
    public Linear(long in_features, long out_features, bool hasBias = true, ScalarType? dtype = null) : base(nameof(Linear))
    {
        if (in_features <= 0 || out_features <= 0) throw new ArgumentOutOfRangeException(nameof(in_features), $"Linear({in_features}, {out_features}): sizes must be positive");
        this.in_features = in_features;
        this.out_features = out_features;
        using var scope = torch.NewDisposeScope();
        weight = new Parameter(torch.empty([out_features, in_features], dtype));
        bias = hasBias ? new Parameter(torch.empty([out_features], dtype)) : null;
        torch.nn.init.DefaultLinearInit(weight, bias);
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => functional.linear(input, weight, bias);
}
