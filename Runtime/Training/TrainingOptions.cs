using AttrDsl.Attribution;
using AttrDsl.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Training;

/// <summary>How the prior enters training.</summary>
public enum PriorSchedule
{
    /// <summary>
    /// Two optimizer steps per batch: the task step, then a prior step with the train-EG flag on
    /// (attributionpriors' TF1 scheme, each step with its own or a shared optimizer).
    /// </summary>
    Alternating,
    /// <summary>One step on task + Σ λ·Ω (attributionpriors' PyTorch and TF2 scheme).</summary>
    Summed,
}

/// <summary>Which attributions the priors penalise.</summary>
public enum AttributionSource
{
    /// <summary>Expected gradients over the background set (attribution priors).</summary>
    ExpectedGradients,
    /// <summary>Plain input gradients ∂f/∂x (RRR-style), for comparison.</summary>
    InputGradients,
}

/// <summary>A prior with its weight λ.</summary>
/// <param name="Prior">The penalty.</param>
/// <param name="Lambda">Its weight; must be positive and finite.</param>
public sealed record PriorTerm(IAttributionPrior Prior, double Lambda)
{
    /// <summary>The prior (not null).</summary>
    public IAttributionPrior Prior { get; } = Prior ?? throw new ArgumentNullException(nameof(Prior), "a PriorTerm needs a prior (e.g. new TotalVariation())");

    /// <summary>Validated λ.</summary>
    public double Lambda { get; } = Lambda > 0 && double.IsFinite(Lambda) ? Lambda : throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, $"λ of the {Prior.Name} prior must be positive and finite");
}

/// <summary>Settings of <see cref="AttributionPriorTrainer"/>.</summary>
public sealed class PriorTrainingOptions
{
    /// <summary>The priors and their λ; several add up. May be empty when <see cref="Penalties"/> are given.</summary>
    public IReadOnlyList<PriorTerm> Priors { get; init; } = [];

    /// <summary>
    /// Explanation penalties (CDEP, RRR, the expected-gradients penalty) and their λ, added to the priors' Σ λ·Ω.
    /// They run the model themselves and need the mask of every batch (where the model must not look): train with
    /// <see cref="AttributionPriorTrainer.Step(Tensor, Tensor, Tensor, int)"/> or <see cref="AttributionPriorTrainer.Fit(IEnumerable{ValueTuple{Tensor, Tensor, Tensor}}, int, IProgress{TrainingProgress}?, CancellationToken)"/>. They follow the same schedule and warm-up as the priors; <see cref="Source"/>,
    /// <see cref="Background"/> and <see cref="References"/> concern the priors only (each penalty carries its own).
    /// </summary>
    public IReadOnlyList<PenaltyTerm> Penalties { get; init; } = [];

    /// <summary>The background dataset references are drawn from ([N, ...], usually the training inputs).</summary>
    public Tensor? Background { get; init; }

    /// <summary>k: references (interpolation points) per sample for expected gradients.</summary>
    public int References { get; init; } = 1;

    /// <summary>Alternating (TF1) or summed (PyTorch/TF2).</summary>
    public PriorSchedule Schedule { get; init; } = PriorSchedule.Summed;

    /// <summary>Expected gradients, or plain input gradients (RRR-style).</summary>
    public AttributionSource Source { get; init; } = AttributionSource.ExpectedGradients;

    /// <summary>Epochs trained on the task loss alone before the priors start.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Compute <see cref="AttributionStats"/> for every step's report (reads values back each step; turn off for speed).</summary>
    public bool ComputeStatistics { get; init; } = true;

    /// <summary>
    /// What the attributions explain, from the batch labels: by default the true class for int64 labels
    /// (<see cref="Target.PerSample"/>) and the output itself otherwise (regression).
    /// </summary>
    public Func<Tensor, Target>? TargetFromLabels { get; init; }

    /// <summary>
    /// Data-parallel training: averages every gradient over the processes of a job after each backward pass and before
    /// each optimizer step, in one flat buffer (e.g. <see cref="AttrDsl.ScaleOut.Mpi.MpiCommunicator"/>), so every
    /// process steps identically; every process starts from rank 0's weights. <c>Step</c> and <c>Fit</c> then take the
    /// global batches (the same on every process) and train each process on its share;
    /// <see cref="AttributionPriorTrainer.StepShard(Tensor, Tensor, BatchShard, int)"/> takes a process's own share when
    /// each loads only its own. Null (the default) trains one process.
    /// </summary>
    public IGradientAverager? GradientAverager { get; init; }

    /// <summary>
    /// The seed of the keyed expected-gradient draws of data-parallel steps (with a <see cref="GradientAverager"/>):
    /// sample g of step s draws its references and α from a generator seeded by (seed, s, g), independent of the process
    /// and of torch's global generator.
    /// </summary>
    public long ReferenceSeed { get; init; }

    internal void Validate()
    {
        if (Priors is null) throw new ArgumentException("Priors is null; give a list of PriorTerm (empty when only Penalties are trained)");
        if (Penalties is null) throw new ArgumentException("Penalties is null; give a list of PenaltyTerm (or leave it out)");
        if (Priors.Count == 0 && Penalties.Count == 0)
            throw new ArgumentException("give at least one prior (PriorTerm in Priors) or explanation penalty (PenaltyTerm in Penalties)");
        for (var i = 0; i < Priors.Count; i++)
            if (Priors[i]?.Prior is null) throw new ArgumentException($"Priors[{i}] is {(Priors[i] is null ? "null" : "a PriorTerm without a prior")}; give a PriorTerm(prior, λ)");
        for (var i = 0; i < Penalties.Count; i++)
            if (Penalties[i]?.Penalty is null) throw new ArgumentException($"Penalties[{i}] is {(Penalties[i] is null ? "null" : "a PenaltyTerm without a penalty")}; give a PenaltyTerm(penalty, λ)");
        Checks.Defined(Schedule, nameof(Schedule));
        Checks.Defined(Source, nameof(Source));
        if (References < 1) throw new ArgumentOutOfRangeException(nameof(References), References, "References (k) must be ≥ 1");
        if (WarmupEpochs < 0) throw new ArgumentOutOfRangeException(nameof(WarmupEpochs), WarmupEpochs, "WarmupEpochs must be ≥ 0");
        if (Priors.Count > 0 && Source == AttributionSource.ExpectedGradients && Background is null)
            throw new ArgumentException("expected gradients need a Background dataset to draw references from (usually the training inputs)");
        // Reports key each Ω and penalty by its name, so names must be unique (two CustomPriors of different names are fine).
        var twice = Priors.GroupBy(p => p.Prior.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new ArgumentException($"the {twice.Key} prior is declared twice; combine the λ instead (or give distinct names to priors that differ)");
        var clash = Priors.Select(p => p.Prior.Name).Concat(Penalties.Select(p => p.Penalty.Name))
            .GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new ArgumentException($"the name '{clash.Key}' is declared twice among the priors and penalties; combine the λ of one penalty instead, " +
                "or give distinct names to terms that differ (reports key each term by its name)");
    }
}
