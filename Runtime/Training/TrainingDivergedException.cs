namespace AttrDsl.Training;

/// <summary>
/// Training produced a non-finite loss, prior value or gradient. Thrown before the update that would have used it, so
/// the weights are those of the last good step (for the alternating schedule, see
/// <see cref="AttributionPriorTrainer"/>'s remarks). The message names the quantity and, where known, the cause.
/// </summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went non-finite, where, and what to do.</param>
    /// <param name="loss">The offending loss value (NaN or ±∞), or NaN when a gradient or weight was the problem.</param>
    /// <param name="step">The step (within its epoch or run, as the thrower says) where it was seen, when known.</param>
    public TrainingDivergedException(string message, double loss = double.NaN, long? step = null) : base(message)
    {
        Loss = loss;
        Step = step;
    }

    /// <summary>The offending loss value (NaN or ±∞), or NaN when a gradient or weight was the problem.</summary>
    public double Loss { get; }

    /// <summary>The step where it was seen, when known.</summary>
    public long? Step { get; }
}
