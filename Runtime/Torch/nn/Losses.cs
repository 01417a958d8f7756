namespace AttrDsl.Torch;

/// <summary>Cross entropy on logits; see <see cref="functional.cross_entropy"/>.</summary>
public sealed class CrossEntropyLoss(Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean, double label_smoothing = 0)
    : torch.nn.Module<Tensor, Tensor, Tensor>(nameof(CrossEntropyLoss))
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Tensor target) => functional.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing);
}

/// <summary>Negative log likelihood on log-probabilities.</summary>
public sealed class NLLLoss(Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean)
    : torch.nn.Module<Tensor, Tensor, Tensor>(nameof(NLLLoss))
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Tensor target) => functional.nll_loss(input, target, weight, ignore_index, reduction);
}

/// <summary>Mean squared error.</summary>
public sealed class MSELoss(Reduction reduction = Reduction.Mean) : torch.nn.Module<Tensor, Tensor, Tensor>(nameof(MSELoss))
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Tensor target) => functional.mse_loss(input, target, reduction);
}

/// <summary>Mean absolute error.</summary>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : torch.nn.Module<Tensor, Tensor, Tensor>(nameof(L1Loss))
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Tensor target) => functional.l1_loss(input, target, reduction);
}

/// <summary>Binary cross entropy on logits.</summary>
public sealed class BCEWithLogitsLoss(Tensor? weight = null, Tensor? pos_weight = null, Reduction reduction = Reduction.Mean)
    : torch.nn.Module<Tensor, Tensor, Tensor>(nameof(BCEWithLogitsLoss))
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Tensor target) => functional.binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction);
}
