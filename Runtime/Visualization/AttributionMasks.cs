using AttrDsl.Attribution;
using AttrDsl.Internal;

namespace AttrDsl.Visualization;

/// <summary>
/// Masks and normalisations for showing attributions, after lib-attribution's visualisations and the outlier
/// normalisation of the attribution-priors papers.
/// </summary>
/// <remarks>
/// Samples: a tensor of rank 3 or more is a batch whose dimension 0 indexes samples ([N, H, W], [N, C, H, W], as the
/// attribution methods return them), and each sample is treated on its own; a tensor of rank 1 or 2 ([D], [H, W]) is one
/// sample. To treat one [C, H, W] attribution as a single sample, pass it as [1, C, H, W] (<c>a.unsqueeze(0)</c>).
/// The results have the input's shape and floating dtype and live on its device. The attribution must be a live,
/// non-empty, finite floating-point tensor of at least one dimension: an integer tensor (class indices, a mask) or one
/// with NaN or ±Inf has no meaningful ranking, so each is refused naming the argument.
/// </remarks>
public static class AttributionMasks
{
    /// <summary>
    /// 1 at the round(<paramref name="fraction"/> × n) elements of largest |a| in each sample of n elements, 0 elsewhere
    /// (exactly that many, ties broken arbitrarily). fraction is in [0, 1].
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="attribution"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="attribution"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="attribution"/> is 0-dim, empty, not floating point, contains NaN
    /// or ±Inf, or is too large to rank (more than 2^31 − 1 elements per sample, or more than this process's memory).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is outside [0, 1].</exception>
    public static Tensor TopK(Tensor attribution, double fraction)
    {
        CheckFraction(fraction);
        CheckAttribution(attribution, "AttributionMasks.TopK", nameof(attribution), bytesPerElement: 24);
        using var scope = NewDisposeScope();
        var (flat, _) = Flatten(attribution.detach().abs());
        return TopKFlat(flat, fraction).reshape(attribution.shape).to_type(FloatType(attribution)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// lib-attribution's "units with blur" visualisation mask: |a| summed over channels (for [N, C, H, W]), blurred with a
    /// Gaussian of standard deviation <paramref name="sigma"/> pixels over the last two dimensions (H, W), then 1 at the
    /// top <paramref name="fraction"/> of positions of each sample (as <see cref="TopK"/>), broadcast back over the
    /// channels. Needs a spatial input ([H, W], [N, H, W] or [N, C, H, W]); sigma 0 means no blur.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="attribution"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="attribution"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="attribution"/> is not [H, W], [N, H, W] or [N, C, H, W], is empty,
    /// not floating point, contains NaN or ±Inf, or is too large (more than 2^31 − 1 positions per sample, or more than this
    /// process's memory).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is outside [0, 1] or <paramref name="sigma"/>
    /// is negative, NaN or infinite.</exception>
    public static Tensor UnitsWithBlur(Tensor attribution, double fraction, double sigma = 1.0)
    {
        CheckFraction(fraction);
        if (!(sigma >= 0) || double.IsInfinity(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"AttributionMasks.UnitsWithBlur: sigma = {sigma}; the blur's standard deviation must be a finite number ≥ 0 (0: no blur)");
        ArgumentNullException.ThrowIfNull(attribution);
        Checks.Live(attribution, "AttributionMasks.UnitsWithBlur", nameof(attribution));
        var rank = attribution.dim();
        if (rank is < 2 or > 4)
            throw new ArgumentException(
                $"AttributionMasks.UnitsWithBlur: attribution has shape {Format.Shape(attribution)} ({(rank == 0 ? "a 0-dim tensor" : $"{rank} dimensions")}); it needs a spatial attribution [H, W], [N, H, W] or [N, C, H, W]" +
                (rank > 4 ? " (squeeze the extra dimensions or pick a sample)" : ""), nameof(attribution));
        CheckAttribution(attribution, "AttributionMasks.UnitsWithBlur", nameof(attribution), bytesPerElement: 48);
        using var scope = NewDisposeScope();
        var a = attribution.detach().abs().to_type(ScalarType.Float64);
        // To [N, 1, H, W]: one plane per sample, channels summed.
        var planes = rank switch { 2 => a.unsqueeze(0).unsqueeze(0), 3 => a.unsqueeze(1), _ => a.sum(dim: 1, keepdim: true) };
        var blurred = sigma > 0 ? Blur(planes, sigma) : planes;
        var mask = TopKFlat(blurred.flatten(1), fraction).reshape(planes.shape);
        var shaped = rank switch { 2 => mask.squeeze(0).squeeze(0), 3 => mask.squeeze(1), _ => mask.expand(attribution.shape) };
        return shaped.contiguous().to_type(FloatType(attribution)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="a"/> divided by the <paramref name="percentile"/>-th percentile of |a| of each sample (linear
    /// interpolation, as NumPy's default), clipped to [−1, 1]. A sample whose percentile is 0 is divided by 1.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="a"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> is 0-dim, empty, not floating point, contains NaN or ±Inf,
    /// or is too large (more than 2^31 − 1 elements per sample, or more than this process's memory).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is outside (0, 100].</exception>
    public static Tensor OutlierNormalize(Tensor a, double percentile = 99)
    {
        if (!(percentile > 0 && percentile <= 100))
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, $"AttributionMasks.OutlierNormalize: the percentile is {percentile}; it must be in (0, 100] (99 by default)");
        CheckAttribution(a, "AttributionMasks.OutlierNormalize", nameof(a), bytesPerElement: 48);
        using var scope = NewDisposeScope();
        var x = a.detach().to_type(ScalarType.Float64);
        var (flat, _) = Flatten(x);
        var n = flat.shape[1];
        var sorted = flat.abs().sort(dim: 1).Values;
        var pos = percentile / 100.0 * (n - 1);
        var lo = (long)Math.Floor(pos);
        var hi = Math.Min(lo + 1, n - 1);
        var q = sorted[.., lo] + (sorted[.., hi] - sorted[.., lo]) * (pos - lo);
        q = where(q > 0, q, ones_like(q)).unsqueeze(1);
        return (flat / q).clamp(-1, 1).reshape(a.shape).to_type(FloatType(a)).MoveToOuterDisposeScope();
    }

    private static Tensor TopKFlat(Tensor flat, double fraction)
    {
        var n = flat.shape[1];
        var k = (long)Math.Round(fraction * n, MidpointRounding.AwayFromZero);
        var mask = zeros(flat.shape, ScalarType.Float32, flat.device);
        if (k == 0) return mask;
        var index = flat.topk((int)k, dim: 1).indexes;
        return mask.scatter_(1, index, ones(index.shape, ScalarType.Float32, flat.device));
    }

    private static (Tensor Flat, long[] Shape) Flatten(Tensor t)
    {
        var shape = t.shape;
        return (shape.Length >= 3 ? t.flatten(1) : t.reshape(1, -1), shape);
    }

    private static Tensor Blur(Tensor planes, double sigma)
    {
        var radius = (int)Math.Ceiling(3 * sigma);
        var taps = Enumerable.Range(-radius, 2 * radius + 1).Select(i => Math.Exp(-i * i / (2 * sigma * sigma))).ToArray();
        var total = taps.Sum();
        var k = tensor(taps.Select(v => v / total).ToArray(), ScalarType.Float64, planes.device);
        // Separable: a row kernel then a column kernel, zero padding (the image outside is 0 attribution).
        var row = nn.functional.conv2d(planes, k.reshape(1, 1, 1, -1), padding: [0, radius]);
        return nn.functional.conv2d(row, k.reshape(1, 1, -1, 1), padding: [radius, 0]);
    }

    private static ScalarType FloatType(Tensor t) => t.is_floating_point() ? t.dtype : ScalarType.Float32;

    private static void CheckFraction(double fraction)
    {
        if (!(fraction >= 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"the fraction is {fraction}; it must be in [0, 1] (the share of elements to keep)");
    }

    /// <summary>
    /// The argument rules of every mask, checked before anything is allocated: live, at least one dimension, not empty,
    /// floating point, small enough to work on (<paramref name="bytesPerElement"/>: the working memory per element), finite.
    /// </summary>
    private static void CheckAttribution(Tensor t, string method, string name, int bytesPerElement)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        Checks.Live(t, method, name);
        var shape = Format.Shape(t);
        if (t.dim() == 0)
            throw new ArgumentException($"{method}: {name} is a 0-dim tensor (a single number, shape []); pass an attribution [D], [H, W] or a batch [N, ...]", name);
        if (t.numel() == 0)
            throw new ArgumentException($"{method}: {name} is empty (shape {shape}); pass an attribution with at least one sample and one element", name);
        if (!t.is_floating_point())
            throw new ArgumentException($"{method}: {name} has dtype {t.dtype} (shape {shape}); masks rank floating-point attributions, not class indices or masks: " +
                "pass the attribution itself, or convert it with to_type(ScalarType.Float32)", name);
        var perSample = t.dim() >= 3 ? t.numel() / t.size(0) : t.numel();
        if (perSample > int.MaxValue)
            throw new ArgumentException($"{method}: {name} has shape {shape}, {perSample} elements per sample; at most {int.MaxValue} can be ranked. " +
                "Downsample the attribution (e.g. avg_pool2d) or split it into smaller samples.", name);
        double bytes = (double)t.numel() * bytesPerElement;
        double available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available <= 0) available = 1L << 40;
        if (bytes > available)
            throw new ArgumentException($"{method}: {name} has shape {shape}, {t.numel()} elements; working on it needs about {bytes / (1L << 30):G3} GiB, " +
                $"more than the {available / (1L << 30):G3} GiB of memory this process can use. Downsample the attribution or process fewer samples at a time.", name);
        Checks.Finite(t, method, name);
    }
}
