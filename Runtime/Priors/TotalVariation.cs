using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Priors;

/// <summary>
/// Image smoothness prior (attribution priors, MNIST): per image the anisotropic total variation
/// Σ|a[c, i+1, j] − a[c, i, j]| + Σ|a[c, i, j+1] − a[c, i, j]| summed over channels (as tf.image.total_variation),
/// on attributions first standardised per image — (a − mean)/max(std, 1/√N), as tf.image.per_image_standardization —
/// then averaged over the batch.
/// </summary>
public sealed class TotalVariation : IAttributionPrior
{
    /// <summary>Standardise each image's attributions before measuring variation (the seed's choice; default true).</summary>
    public bool Standardize { get; init; } = true;

    /// <inheritdoc/>
    public string Name => "total variation";

    /// <summary>Total variation needs images: samples [C, H, W] or [H, W].</summary>
    /// <exception cref="ArgumentException">The samples are not images.</exception>
    public void CheckSampleShape(IReadOnlyList<long> sampleShape)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (sampleShape.Count is not (2 or 3))
            throw new ArgumentException(
                $"the total variation prior needs image inputs, samples [C, H, W] or [H, W], but the samples have shape [{string.Join(", ", sampleShape)}]; " +
                "use it on images, or pick a prior for feature vectors (L1, L2, Gini sparsity, graph Laplacian)", nameof(sampleShape));
    }

    /// <inheritdoc/>
    public Tensor Loss(Tensor attributions, PriorContext context)
    {
        PriorChecks.Attributions(attributions, context, nameof(TotalVariation), 3, "image attributions [B, C, H, W] or [B, H, W]");
        if (attributions.dim() is not (3 or 4))
            throw new ArgumentException($"TotalVariation.Loss: total variation needs image attributions [B, C, H, W] or [B, H, W], got {Format.Shape(attributions)}", nameof(attributions));
        using var scope = NewDisposeScope();
        var a = attributions.dim() == 3 ? attributions.unsqueeze(1) : attributions;
        if (Standardize) a = StandardizePerImage(a);
        var h = a.size(2);
        var w = a.size(3);
        var vertical = (a.narrow(2, 1, h - 1) - a.narrow(2, 0, h - 1)).abs().sum([1, 2, 3]);
        var horizontal = (a.narrow(3, 1, w - 1) - a.narrow(3, 0, w - 1)).abs().sum([1, 2, 3]);
        return (vertical + horizontal).mean().MoveToOuterDisposeScope();
    }

    /// <summary>(a − mean)/max(std, 1/√N) per image, N = C·H·W, std the population standard deviation.</summary>
    public static Tensor StandardizePerImage(Tensor a)
    {
        AttrDsl.Attribution.Checks.Live(a, "TotalVariation.StandardizePerImage", nameof(a));
        if (a.dim() != 4)
            throw new ArgumentException($"TotalVariation.StandardizePerImage: needs images [B, C, H, W], got {Format.Shape(a)}", nameof(a));
        using var scope = NewDisposeScope();
        var n = a.size(1) * a.size(2) * a.size(3);
        var mean = a.mean([1, 2, 3], keepdim: true);
        var std = a.std([1, 2, 3], unbiased: false, keepdim: true);
        var adjusted = std.clamp(min: 1 / Math.Sqrt(n));
        return ((a - mean) / adjusted).MoveToOuterDisposeScope();
    }
}
