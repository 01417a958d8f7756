using AttrDsl.Decomposition.Penalties;

namespace AttrDsl.Training;

/// <summary>
/// An explanation penalty (CDEP, RRR, the expected-gradients penalty) with its weight λ, for
/// <see cref="PriorTrainingOptions.Penalties"/>. Training then needs the mask of every batch:
/// <see cref="AttributionPriorTrainer.Step(Tensor, Tensor, Tensor, int)"/> and <see cref="AttributionPriorTrainer.Fit(IEnumerable{ValueTuple{Tensor, Tensor, Tensor}}, int, IProgress{TrainingProgress}?, CancellationToken)"/>.
/// </summary>
/// <param name="Penalty">The penalty.</param>
/// <param name="Lambda">Its weight; must be positive and finite.</param>
public sealed record PenaltyTerm(IExplanationPenalty Penalty, double Lambda)
{
    /// <summary>The penalty (not null).</summary>
    public IExplanationPenalty Penalty { get; } = Penalty ?? throw new ArgumentNullException(nameof(Penalty), "a PenaltyTerm needs a penalty (e.g. a CdepPenalty)");

    /// <summary>Validated λ.</summary>
    public double Lambda { get; } = Lambda > 0 && double.IsFinite(Lambda) ? Lambda
        : throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, $"λ of the {Penalty?.Name} penalty must be positive and finite");
}
