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
        AttrDsl.Attribution.Checks.Live(phi, "GiniSparsity.Gini", nameof(phi));
        if (phi.dim() != 1) throw new ArgumentException($"GiniSparsity.Gini: needs a vector, got shape {Format.Shape(phi)}", nameof(phi));
        if (phi.numel() == 0) throw new ArgumentException("GiniSparsity.Gini: the vector is empty; the Gini coefficient of nothing is undefined", nameof(phi));
        if (!phi.is_floating_point()) throw new ArgumentException($"GiniSparsity.Gini: needs a floating-point vector, got {phi.dtype}", nameof(phi));
        AttrDsl.Attribution.Checks.Finite(phi, "GiniSparsity.Gini", nameof(phi));
        using (var noGrad = no_grad())
        using (var negative = phi.detach().lt(0).any())
            if (negative.item<bool>())
                throw new ArgumentException("GiniSparsity.Gini: the vector has negative values; the Gini coefficient is defined for non-negative values (e.g. mean |attribution| per feature)", nameof(phi));
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
        PriorChecks.Attributions(attributions, context, nameof(GiniSparsity), 2, "attributions [B, features...] (sparsity is measured over features, averaged over the batch)");
        using var scope = NewDisposeScope();
        var phi = attributions.reshape(attributions.size(0), -1).abs().mean(0);
        return Gini(phi).neg().MoveToOuterDisposeScope();
    }
}
