namespace AttrDsl.Training;

/// <summary>
/// Where a <c>Fit</c> call stands after one of its steps: what a progress bar draws and a log line prints. The trainer
/// reports one after every step, synchronously on the training thread, and draws nothing itself: the consumer decides
/// how often to show it.
/// </summary>
/// <param name="Epoch">The current epoch, 0-based (as <see cref="StepReport.Epoch"/> and <see cref="EpochReport.Epoch"/>).</param>
/// <param name="Epochs">The epochs this <c>Fit</c> call trains.</param>
/// <param name="Step">Steps completed in the current epoch, 1 after its first step.</param>
/// <param name="StepsPerEpoch">Batches per epoch: known up front for a collection (<see cref="AttrDsl.Data.Batches"/>, a
/// list) and, for any other sequence, from the end of the first epoch on; null before that.</param>
/// <param name="TaskLoss">Mean task loss of the current epoch's steps so far (the step's own value is in <paramref name="Last"/>).</param>
/// <param name="PriorLoss">Mean Σ λ·Ω of the current epoch's steps so far (0 during warm-up).</param>
/// <param name="StepsPerSecond">Steps completed by this <c>Fit</c> call per second of its wall time.</param>
/// <param name="Elapsed">Wall time since this <c>Fit</c> call started.</param>
/// <param name="Remaining">Estimated wall time to the end of the call at the rate so far; null while the steps per
/// epoch are unknown.</param>
/// <param name="Last">The report of the step just completed (its own losses, global step number, attribution statistics).</param>
public sealed record TrainingProgress(int Epoch, int Epochs, long Step, long? StepsPerEpoch, double TaskLoss, double PriorLoss,
    double StepsPerSecond, TimeSpan Elapsed, TimeSpan? Remaining, StepReport Last)
{
    /// <summary>Whether this step ended its epoch (always false while <see cref="StepsPerEpoch"/> is unknown).</summary>
    public bool EndsEpoch => StepsPerEpoch is { } n && Step == n;

    /// <summary>The fraction of the whole <c>Fit</c> call done, in [0, 1]; null while <see cref="StepsPerEpoch"/> is unknown.</summary>
    public double? Fraction => StepsPerEpoch is { } n && n > 0 && Epochs > 0
        ? Math.Clamp((Epoch * (double)n + Step) / (Epochs * (double)n), 0, 1)
        : null;
}
