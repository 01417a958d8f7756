namespace AttrDsl.Torch;

/// <summary>
/// A set of parameters with its own hyperparameters (PyTorch's param_groups). Options left null take
/// the optimizer's defaults; <see cref="lr"/> is mutable so schedulers can change it.
/// </summary>
public sealed class ParamGroup
{
    /// <summary>The parameters this group updates.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <summary>Learning rate (null: the optimizer's).</summary>
    public double? lr { get; set; }
    /// <summary>L2 penalty (SGD, Adam) or decoupled decay (AdamW).</summary>
    public double? weight_decay { get; set; }
    /// <summary>SGD momentum.</summary>
    public double? momentum { get; set; }
    /// <summary>SGD dampening.</summary>
    public double? dampening { get; set; }
    /// <summary>SGD Nesterov momentum.</summary>
    public bool? nesterov { get; set; }
    /// <summary>Adam β₁, β₂.</summary>
    public (double beta1, double beta2)? betas { get; set; }
    /// <summary>Adam ε.</summary>
    public double? eps { get; set; }

    /// <summary>The learning rate the group started with (schedulers scale from it).</summary>
    internal double InitialLr { get; set; } = double.NaN;

    /// <summary>Creates a group.</summary>
    public ParamGroup(IEnumerable<Parameter> parameters, double? lr = null, double? weight_decay = null)
    {
        Parameters = parameters.ToList();
        this.lr = lr;
        this.weight_decay = weight_decay;
    }
}
