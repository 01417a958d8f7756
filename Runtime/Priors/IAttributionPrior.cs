using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Priors;

/// <summary>What a prior may look at besides the attributions: the batch it was computed on.</summary>
/// <param name="Inputs">The training batch [B, ...].</param>
/// <param name="Labels">Its labels, when the task has them.</param>
public sealed record PriorContext(Tensor Inputs, Tensor? Labels = null);

/// <summary>
/// An attribution prior Ω: a differentiable penalty on attributions (expected gradients, or plain input
/// gradients for RRR-style training) that encodes prior knowledge. Training minimises task loss + λ·Ω.
/// Implementations must be differentiable in <c>attributions</c> (which carry a graph to the weights).
/// </summary>
public interface IAttributionPrior
{
    /// <summary>A short name for reports ("total variation").</summary>
    string Name { get; }

    /// <summary>Ω(attributions) as a 0-dim tensor.</summary>
    Tensor Loss(Tensor attributions, PriorContext context);

    /// <summary>
    /// Checks, before anything trains, that this prior applies to inputs whose samples have shape
    /// <paramref name="sampleShape"/> (the input shape without the batch dimension; attributions are shaped like the
    /// inputs). <see cref="AttrDsl.Training.AttributionPriorTrainer"/> calls it when it is constructed (with the
    /// background set's sample shape) and for the first batch of every new shape, so a prior that cannot apply fails
    /// at once instead of at the first prior step after the warm-up epochs. The default accepts every shape.
    /// </summary>
    /// <exception cref="ArgumentException">The prior cannot apply to samples of this shape; the message says why.</exception>
    void CheckSampleShape(IReadOnlyList<long> sampleShape) { }
}
