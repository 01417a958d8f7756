namespace AttrDsl.Torch;

/// <summary>
/// A loss whose optional weight tensors are buffers (as in PyTorch), so they follow <c>to(dtype)</c>
/// and appear in the state dictionary.
/// </summary>
public abstract class WeightedLoss : torch.nn.Module<Tensor, Tensor, Tensor>
{
    private protected WeightedLoss(string name) : base(name) { }

    private protected BufferTensor? Buffer(string name, Tensor? t)
    {
        var b = t is null ? null : new BufferTensor(t);
        register_buffer(name, b);
        return b;
    }
}

/// <summary>Cross entropy on logits; see <see cref="functional.cross_entropy"/>.</summary>
public sealed class CrossEntropyLoss : WeightedLoss
{
    private readonly BufferTensor? _weight;
    private readonly long _ignoreIndex;
    private readonly Reduction _reduction;
    private readonly double _labelSmoothing;

    /// <summary>Creates the loss; <paramref name="weight"/> (per class) is copied into a buffer.</summary>
    public CrossEntropyLoss(Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean, double label_smoothing = 0) : base(nameof(CrossEntropyLoss))
    {
        _weight = Buffer("weight", weight);
        (_ignoreIndex, _reduction, _labelSmoothing) = (ignore_index, reduction, label_smoothing);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Tensor target) => functional.cross_entropy(input, target, _weight, _ignoreIndex, _reduction, _labelSmoothing);
}

/// <summary>Negative log likelihood on log-probabilities.</summary>
public sealed class NLLLoss : WeightedLoss
{
    private readonly BufferTensor? _weight;
    private readonly long _ignoreIndex;
    private readonly Reduction _reduction;

    /// <summary>Creates the loss; <paramref name="weight"/> (per class) is copied into a buffer.</summary>
    public NLLLoss(Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean) : base(nameof(NLLLoss))
    {
        _weight = Buffer("weight", weight);
        (_ignoreIndex, _reduction) = (ignore_index, reduction);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Tensor target) => functional.nll_loss(input, target, _weight, _ignoreIndex, _reduction);
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
public sealed class BCEWithLogitsLoss : WeightedLoss
{
    private readonly BufferTensor? _weight, _posWeight;
    private readonly Reduction _reduction;

    /// <summary>Creates the loss; the weights are copied into buffers.</summary>
    public BCEWithLogitsLoss(Tensor? weight = null, Tensor? pos_weight = null, Reduction reduction = Reduction.Mean) : base(nameof(BCEWithLogitsLoss))
    {
        _weight = Buffer("weight", weight);
        _posWeight = Buffer("pos_weight", pos_weight);
        _reduction = reduction;
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Tensor target) => functional.binary_cross_entropy_with_logits(input, target, _weight, _posWeight, _reduction);
}
