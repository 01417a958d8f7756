namespace AttrDsl.Training;

/// <summary>Summary statistics of the attributions of one step (φ = mean |attribution| per feature).</summary>
/// <param name="MeanAbs">Mean |attribution|.</param>
/// <param name="MaxAbs">Largest |attribution|.</param>
/// <param name="Gini">Gini coefficient of φ (0 = spread evenly, → 1 = concentrated on few features).</param>
public sealed record AttributionStats(double MeanAbs, double MaxAbs, double Gini);

/// <summary>What one training step did.</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Step">Global step number (0-based).</param>
/// <param name="TaskLoss">The task loss of the batch.</param>
/// <param name="PriorLoss">Σ λ·Ω (0 during warm-up).</param>
/// <param name="PriorLosses">Ω of each prior by name (unweighted), empty during warm-up.</param>
/// <param name="Attributions">Statistics of the penalised attributions; null during warm-up or with <see cref="PriorTrainingOptions.ComputeStatistics"/> off.</param>
public sealed record StepReport(int Epoch, long Step, double TaskLoss, double PriorLoss,
    IReadOnlyDictionary<string, double> PriorLosses, AttributionStats? Attributions);

/// <summary>Means over one epoch.</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Steps">Steps taken.</param>
/// <param name="TaskLoss">Mean task loss.</param>
/// <param name="PriorLoss">Mean Σ λ·Ω.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record EpochReport(int Epoch, int Steps, double TaskLoss, double PriorLoss, double Seconds);
