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
}
