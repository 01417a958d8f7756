namespace AttrDsl.Decomposition.Penalties;

/// <summary>
/// An explanation penalty: a differentiable loss that is large when the model's explanation gives weight to a region
/// the user marked as irrelevant (a decoy patch, a colour channel, a ruler in a skin-lesion image). Training minimises
/// task loss + λ·penalty (<see cref="AttrDsl.Training.PenaltyTerm"/> in <see cref="AttrDsl.Training.PriorTrainingOptions"/>).
/// Unlike an <see cref="AttrDsl.Priors.IAttributionPrior"/>, which sees precomputed attributions, a penalty runs the
/// model itself: CDEP needs a contextual decomposition, RRR an input gradient of the log-probabilities, the
/// expected-gradients penalty its own interpolation batch.
/// </summary>
public interface IExplanationPenalty
{
    /// <summary>A short name for reports ("CDEP", "RRR"); unique among a trainer's priors and penalties.</summary>
    string Name { get; }

    /// <summary>
    /// The penalty on the batch, a 0-dim floating-point tensor that carries a gradient to the model's weights.
    /// </summary>
    /// <param name="model">The model being trained (call it through <c>call</c>, so hooks fire).</param>
    /// <param name="x">The batch [B, ...].</param>
    /// <param name="y">Its labels [B] (class indices) or targets.</param>
    /// <param name="mask">Where the model must not look: 1 inside the penalised region, 0 outside; [B, ...] shaped like
    /// <paramref name="x"/>, or broadcastable to it (e.g. [1, C, H, W] for one region shared by every sample).</param>
    Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Tensor mask);
}
