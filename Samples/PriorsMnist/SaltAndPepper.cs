using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Samples.PriorsMnist;

/// <summary>
/// Salt-and-pepper noise as in the attribution-priors MNIST robustness experiment: in every image a given fraction
/// of the pixels is chosen uniformly without replacement, and each chosen pixel is set to 0 (pepper) or 1 (salt)
/// with probability ½. Deterministic for a seed, so two models can be scored on exactly the same noisy images.
/// </summary>
public static class SaltAndPepper
{
    /// <summary>The noise fractions of the seed's table.</summary>
    public static readonly double[] Fractions = [0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30];

    /// <summary>
    /// A noisy copy of <paramref name="images"/> ([N, ...], float32, values in [0, 1]): in each image
    /// round(<paramref name="fraction"/> · pixels) pixels, chosen uniformly without replacement, are set to 0 or 1
    /// (each with probability ½). The draws come from <c>System.Random(seed)</c> alone, image by image.
    /// </summary>
    public static Tensor Apply(Tensor images, double fraction, int seed)
    {
        if (!(fraction >= 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the noise fraction must lie in [0, 1]");
        if (images.dtype != ScalarType.Float32) throw new ArgumentException($"expected float32 images, got {images.dtype}", nameof(images));
        var shape = images.shape;
        var n = checked((int)shape[0]);
        var pixels = n == 0 ? 0 : checked((int)(images.numel() / n));
        float[] values;
        using (var scope = NewDisposeScope())
            values = images.detach().cpu().contiguous().data<float>().ToArray();
        var flips = (int)Math.Round(fraction * pixels, MidpointRounding.AwayFromZero);
        var random = new Random(seed);
        var order = new int[pixels];
        for (var image = 0; image < n; image++)
        {
            for (var i = 0; i < pixels; i++) order[i] = i;
            // Partial Fisher–Yates: the first `flips` entries become a uniform sample without replacement.
            for (var i = 0; i < flips; i++)
            {
                var j = i + random.Next(pixels - i);
                (order[i], order[j]) = (order[j], order[i]);
                values[image * pixels + order[i]] = random.Next(2) == 0 ? 0f : 1f;
            }
        }
        return torch.tensor(values, shape);
    }

    /// <summary>The seed used for noise level <paramref name="level"/> (index into the fractions) under run seed <paramref name="seed"/>.</summary>
    public static int LevelSeed(int seed, int level) => unchecked(seed * 1_000_003 + 7919 * (level + 1));
}
