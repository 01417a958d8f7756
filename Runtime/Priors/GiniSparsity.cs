using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Priors;

/// <summary>
/// Sparsity prior (attribution priors, NHANES): φ = mean over samples of |attributions|, Ω = −Gini(φ) with
/// Gini(φ) = Σ_i Σ_j |φ_i − φ_j| / (2 n Σ_i φ_i). Computed in O(n log n) from the sorted values:
/// Gini = Σ_k (2k − n − 1) φ_(k) / (n Σ φ), k = 1..n — equal to the pairwise form, and differentiable.
/// </summary>
public sealed class GiniSparsity : IAttributionPrior
{
    /// <inheritdoc/>
    public string Name => "Gini sparsity";

    /// <summary>The Gini coefficient of a non-negative vector (0 for constant vectors, (n−1)/n for one-hot).</summary>
    public static Tensor Gini(Tensor phi)
    {
        if (phi.dim() != 1) throw new ArgumentException($"Gini needs a vector, got shape [{string.Join(", ", phi.shape)}]");
        using var scope = NewDisposeScope();
        var n = phi.size(0);
        var (sorted, _) = phi.sort(0);
        var k = arange(1L, n + 1, dtype: phi.dtype, device: phi.device);
        var weights = k * 2.0 - (n + 1);
        var total = phi.sum();
        // ε keeps an all-zero φ (a model with no attribution at all) finite instead of 0/0.
        return ((weights * sorted).sum() / (total * n + 1e-12)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public Tensor Loss(Tensor attributions, PriorContext context)
    {
        using var scope = NewDisposeScope();
        var phi = attributions.reshape(attributions.size(0), -1).abs().mean(0);
        return Gini(phi).neg().MoveToOuterDisposeScope();
    }
}
