namespace AttrDsl.Datasets.Decoy;

/// <summary>
/// A data set with a planted spurious cue: the images, their labels, the mask of where the cue sits (1 inside the
/// cue, 0 elsewhere; what the explanation penalties are told to keep the model away from) and, per image, the class
/// whose cue value was planted. The tensors belong to this object, outside every dispose scope: dispose it to free them.
/// </summary>
public sealed class DecoySet : IDisposable
{
    internal DecoySet(Tensor images, Tensor labels, Tensor? masks, long[] cueClasses, int[] corners)
    {
        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        Masks = masks?.DetachFromDisposeScope();
        CueClasses = cueClasses;
        Corners = corners;
    }

    /// <summary>The images, float32 [N, C, 28, 28], values in [0, 1].</summary>
    public Tensor Images { get; }

    /// <summary>The digit of each image, int64 [N].</summary>
    public Tensor Labels { get; }

    /// <summary>
    /// Where the cue is, float32 [N, C, 28, 28] (1 inside, 0 outside), for DecoyMNIST; null for ColorMNIST, whose cue
    /// (the colour) is not a region of the image: use <see cref="ColorMnist.ChannelMasks"/> there.
    /// </summary>
    public Tensor? Masks { get; }

    /// <summary>
    /// The class whose cue each image carries (the grey shade 255 − 25·c, or the colour of class c): the label in
    /// the training part, an independent uniform draw in the test part.
    /// </summary>
    public IReadOnlyList<long> CueClasses { get; }

    /// <summary>DecoyMNIST: the corner of each image's patch (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right); empty for ColorMNIST.</summary>
    public IReadOnlyList<int> Corners { get; }

    /// <summary>Number of images.</summary>
    public long Count => Labels.size(0);

    /// <summary>
    /// Mini-batches of (images, labels, masks) — the form <c>AttributionPriorTrainer.Fit</c> takes for explanation
    /// penalties. Each batch is disposed when the enumeration moves on.
    /// </summary>
    /// <exception cref="InvalidOperationException">The set has no per-image masks (ColorMNIST).</exception>
    public MaskedBatches ToMaskedBatches(int batchSize, bool shuffle = false, int? seed = null) =>
        new(Images, Labels, Masks ?? throw new InvalidOperationException(
            "this set has no per-image masks (ColorMNIST's cue is the colour, not a region): pass ColorMnist.ChannelMasks() to the penalty instead"),
            batchSize, shuffle, seed);

    /// <summary>Mini-batches of (images, labels), for plain training and evaluation.</summary>
    public AttrDsl.Data.Batches ToBatches(int batchSize, bool shuffle = false, int? seed = null) =>
        new(Images, Labels, batchSize, shuffle, seed);

    /// <summary>
    /// A copy whose images are mapped affinely, <c>scale · x + shift</c> (e.g. 2, −1 for CDEP's inputs in [−1, 1]); labels,
    /// masks and cues are copied unchanged. The caller owns (disposes) the copy.
    /// </summary>
    public DecoySet Rescaled(double scale, double shift)
    {
        using var scope = NewDisposeScope();
        return new DecoySet(Images * scale + shift, Labels.clone(), Masks?.clone(), [.. CueClasses], [.. Corners]);
    }

    /// <summary>
    /// A copy whose images are mapped affinely per channel, <c>(x − mean_c) / std_c</c> (CDEP's ColorMNIST inputs); labels,
    /// masks and cues are copied unchanged. The caller owns (disposes) the copy.
    /// </summary>
    /// <param name="mean">One value per channel.</param>
    /// <param name="std">One positive value per channel.</param>
    /// <exception cref="ArgumentException">The lists do not have one entry per channel, or a std is not positive.</exception>
    public DecoySet Standardised(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        var c = Images.size(1);
        if (mean.Count != c || std.Count != c || std.Any(v => !(v > 0)))
            throw new ArgumentException($"DecoySet.Standardised: give {c} means and {c} positive stds (one per channel), got {mean.Count} and {std.Count}");
        using var scope = NewDisposeScope();
        var m = tensor(mean.ToArray(), [1, c, 1, 1]);
        var s = tensor(std.ToArray(), [1, c, 1, 1]);
        return new DecoySet((Images - m) / s, Labels.clone(), Masks?.clone(), [.. CueClasses], [.. Corners]);
    }

    /// <summary>The per-channel mean and standard deviation of the images (over images and pixels).</summary>
    public (float[] Mean, float[] Std) ChannelStatistics()
    {
        using var scope = NewDisposeScope();
        var mean = Images.mean([0, 2, 3]).data<float>().ToArray();
        var std = Images.std([0, 2, 3]).data<float>().ToArray();
        return (mean, std);
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
        Masks?.Dispose();
    }
}
