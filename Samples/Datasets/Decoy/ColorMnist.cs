namespace AttrDsl.Datasets.Decoy;

/// <summary>
/// ColorMNIST (CDEP, Rieger et al. 2020) built from the real MNIST digits: each grey digit x [1, 28, 28] becomes the
/// three-channel image x · rgb_c [3, 28, 28], coloured with the colour of class c from a fixed palette of ten
/// (<see cref="Palette"/>). In the training part c is the label, so the colour alone identifies the digit; in the test
/// part c is drawn uniformly and independently of the label, so a model that learned colour instead of shape falls
/// towards chance (the paper's vanilla model: ≈ 0 %).
/// </summary>
/// <remarks>
/// <para>
/// The mask concept: the cue here is not a region but the colour, spread over every digit pixel, so there is no
/// per-image spatial mask (<see cref="DecoySet.Masks"/> is null). CDEP penalises colour by decomposing along the
/// channels: each of the three single-channel masks of <see cref="ChannelMasks"/> (1 on all pixels of channel k,
/// 0 on the others) is one masked region s, and the penalty is summed over the three — the relevant share of every
/// logit that comes from one colour channel alone. A model that uses shape relies on all channels jointly (the digit's
/// shape is present in each), so it pays less than one that keys on a channel's intensity ratio. In training:
/// <c>new FixedMasksPenalty(new CdepPenalty(cd), ColorMnist.ChannelMasks())</c> (AttrDsl.Decomposition.Penalties),
/// which sums the penalty over the three masks and ignores the per-batch mask.
/// </para>
/// <para>Deterministic: the test colours come from <see cref="Random"/>(<c>seed</c>), in image order.</para>
/// </remarks>
public static class ColorMnist
{
    /// <summary>The colour of each class, RGB in [0, 1] (distinct, bright enough that every digit stays visible).</summary>
    public static IReadOnlyList<(float R, float G, float B)> Palette { get; } =
    [
        (1.00f, 0.00f, 0.00f), (0.00f, 1.00f, 0.00f), (0.00f, 0.00f, 1.00f), (1.00f, 1.00f, 0.00f), (1.00f, 0.00f, 1.00f),
        (0.00f, 1.00f, 1.00f), (1.00f, 0.50f, 0.00f), (0.50f, 0.00f, 1.00f), (1.00f, 1.00f, 1.00f), (0.50f, 1.00f, 0.50f),
    ];

    /// <summary>Builds ColorMNIST from MNIST digits ([N, 1, H, W] floats in [0, 1], int64 labels 0 … 9).</summary>
    /// <param name="images">The grey digits.</param>
    /// <param name="labels">Their labels.</param>
    /// <param name="part">Training (colour = label) or test (colour independent of the label).</param>
    /// <param name="seed">Seeds the random test colours.</param>
    /// <param name="reversedTest">Test part only: colour the digit y with class 9 − y's colour, as CDEP's reference does
    /// (never the label's colour, so a model that reads only colour scores exactly 0 %), instead of a random colour.</param>
    /// <exception cref="ArgumentException">The images or labels are not shaped as above, or a label lies outside 0 … 9.</exception>
    public static DecoySet Create(Tensor images, Tensor labels, DecoyPart part, int seed, bool reversedTest = false)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        var (n, h, w) = DecoyMnist.CheckDigits(images, labels, "ColorMnist.Create");
        var y = labels.cpu().contiguous().data<long>().ToArray();
        var random = new Random(seed);
        var cues = new long[n];
        var colours = new float[n * 3];
        for (var i = 0; i < n; i++)
        {
            cues[i] = part == DecoyPart.Train ? y[i] : reversedTest ? 9 - y[i] : random.Next(10);
            var (r, g, b) = Palette[(int)cues[i]];
            (colours[3 * i], colours[3 * i + 1], colours[3 * i + 2]) = (r, g, b);
        }
        using var scope = NewDisposeScope();
        var grey = images.detach().cpu().to(ScalarType.Float32);
        var rgb = tensor(colours, [n, 3, 1, 1]);
        var coloured = (grey * rgb).contiguous();                      // [N, 1, H, W] · [N, 3, 1, 1] → [N, 3, H, W]
        return new DecoySet(coloured, labels.detach().cpu().clone(), null, cues, []);
    }

    /// <summary>
    /// The three single-channel masks, float32 [3, 3, <paramref name="height"/>, <paramref name="width"/>]: mask k is 1 on
    /// every pixel of channel k and 0 elsewhere. Each row broadcasts over a batch ([1, 3, H, W] after <c>narrow</c>).
    /// </summary>
    public static Tensor ChannelMasks(int height = Mnist.ImageSize, int width = Mnist.ImageSize)
    {
        using var scope = NewDisposeScope();
        var eye3 = eye(3, dtype: ScalarType.Float32).reshape(3, 3, 1, 1);
        return eye3.expand(3, 3, height, width).contiguous().MoveToOuterDisposeScope();
    }
}
