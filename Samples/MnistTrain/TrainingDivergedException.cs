namespace AttrDsl.Samples.MnistTrain;

/// <summary>
/// Training produced a non-finite loss or non-finite weights (usually a learning rate far too large). Thrown as soon as
/// it is seen, so nothing downstream — evaluation, a checkpoint — works with a broken model.
/// </summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception; <paramref name="where"/> says at which point of training it was detected.</summary>
    public TrainingDivergedException(string where, double loss)
        : base($"training diverged {where} (loss {loss}); lower the learning rate")
    {
        Where = where;
        Loss = loss;
    }

    /// <summary>Where it was detected, e.g. "at step 3".</summary>
    public string Where { get; }

    /// <summary>The last loss seen (NaN or ±∞ when the loss itself went bad).</summary>
    public double Loss { get; }
}
