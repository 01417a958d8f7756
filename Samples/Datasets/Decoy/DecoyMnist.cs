namespace AttrDsl.Datasets.Decoy;

/// <summary>
/// DecoyMNIST (Ross et al. 2017, "Right for the right reasons"; used by CDEP, Rieger et al. 2020) built from the real
/// MNIST digits: every image gets a square grey patch in one of its four corners (the corner drawn at random per
/// image). In the training part the patch's grey value encodes the label, (255 − 25·y) / 255; in the test part it
/// encodes an independent, uniformly drawn class c, (255 − 25·c) / 255, so a model that learned the patch instead of
/// the digit loses its accuracy at test. <see cref="DecoySet.Masks"/> marks the patch (1 inside), the region the
/// explanation penalties (CDEP, RRR, the expected-gradients penalty) keep the model away from.
/// </summary>
/// <remarks>
/// The issue and Ross et al. use a 4×4 patch (the default); ALGORITHMS.md §5 quotes 5×5 for CDEP's code, so the size
/// is a parameter. The patch overwrites the pixels under it (MNIST's corners are background). Deterministic: the
/// corners and the test shades come from <see cref="Random"/>(<c>seed</c>), in image order (corner, then shade).
/// </remarks>
public static class DecoyMnist
{
    /// <summary>The default patch side, in pixels (Ross et al., the issue).</summary>
    public const int DefaultPatchSize = 4;

    /// <summary>The grey value, in [0, 1], of the patch that encodes class <paramref name="c"/>: (255 − 25·c) / 255.</summary>
    public static float Shade(long c) => (255f - 25f * c) / 255f;

    /// <summary>Builds DecoyMNIST from MNIST digits.</summary>
    /// <param name="images">Digits, [N, 1, 28, 28] float in [0, 1] (e.g. <see cref="Mnist.Images"/>).</param>
    /// <param name="labels">Their labels, int64 [N], 0 … 9.</param>
    /// <param name="part">Training (shade = label) or test (shade independent of the label).</param>
    /// <param name="seed">Seeds the corners and the test shades.</param>
    /// <param name="patchSize">The patch side, 1 … 14 pixels.</param>
    /// <exception cref="ArgumentException">The images or labels are not shaped as above, or a label lies outside 0 … 9.</exception>
    public static DecoySet Create(Tensor images, Tensor labels, DecoyPart part, int seed, int patchSize = DefaultPatchSize)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        var (n, h, w) = CheckDigits(images, labels, "DecoyMnist.Create");
        ArgumentOutOfRangeException.ThrowIfLessThan(patchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(patchSize, (int)Math.Min(h, w) / 2);

        var pixels = images.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var y = labels.cpu().contiguous().data<long>().ToArray();
        var mask = new float[pixels.Length];
        var cues = new long[n];
        var corners = new int[n];
        var random = new Random(seed);
        var plane = (int)(h * w);
        for (var i = 0; i < n; i++)
        {
            var corner = random.Next(4);
            var cue = part == DecoyPart.Train ? y[i] : random.Next(10);
            corners[i] = corner;
            cues[i] = cue;
            var top = corner < 2 ? 0 : (int)h - patchSize;
            var left = corner % 2 == 0 ? 0 : (int)w - patchSize;
            var shade = Shade(cue);
            for (var r = top; r < top + patchSize; r++)
                for (var c = left; c < left + patchSize; c++)
                {
                    var at = i * plane + r * (int)w + c;
                    pixels[at] = shade;
                    mask[at] = 1f;
                }
        }
        using var scope = NewDisposeScope();
        long[] shape = [n, 1, h, w];
        return new DecoySet(tensor(pixels, shape), labels.detach().cpu().clone(), tensor(mask, shape), cues, corners);
    }

    /// <summary>The shared shape rules of the MNIST-based builders; returns (N, H, W).</summary>
    internal static (long N, long H, long W) CheckDigits(Tensor images, Tensor labels, string method)
    {
        if (images.IsInvalid || labels.IsInvalid) throw new ArgumentException($"{method}: the images or labels were disposed; pass live tensors");
        if (images.dim() != 4 || images.size(1) != 1 || !images.is_floating_point())
            throw new ArgumentException($"{method}: images of shape [{string.Join(", ", images.shape)}] ({images.dtype}) are not grey digits [N, 1, H, W] of floats in [0, 1] (e.g. Mnist.Images)", nameof(images));
        if (labels.dim() != 1 || labels.size(0) != images.size(0) || labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"{method}: labels of shape [{string.Join(", ", labels.shape)}] ({labels.dtype}) are not int64 [N] for the {images.size(0)} images", nameof(labels));
        if (labels.numel() > 0)
        {
            using var scope = NewDisposeScope();
            if (labels.min().item<long>() < 0 || labels.max().item<long>() > 9)
                throw new ArgumentException($"{method}: the labels must be digits 0 … 9 (they pick the cue's class), got {labels.min().item<long>()} … {labels.max().item<long>()}", nameof(labels));
        }
        return (images.size(0), images.size(2), images.size(3));
    }
}
