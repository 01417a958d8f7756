using AttrDsl.Decomposition.Penalties;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Samples.CdepColor;

/// <summary>
/// CDEP's colour penalty for ColorMNIST: each step draws <c>count</c> single pixels (all three channels of one
/// position), with probability proportional to how often that position is part of a training digit, and sums the
/// inner penalty over those one-pixel regions. A colour can be read off one pixel, a digit's shape cannot, so a
/// large relevant share of one pixel is the signature of a colour rule. The batch's own mask is ignored.
/// </summary>
public sealed class RandomPixelsPenalty : IExplanationPenalty
{
    private readonly IExplanationPenalty _inner;
    private readonly double[] _cumulative;
    private readonly int _count;
    private readonly long _height;
    private readonly long _width;
    private readonly Random _random;

    /// <summary>Creates the penalty.</summary>
    /// <param name="inner">The penalty of one region (CDEP).</param>
    /// <param name="images">Training images [N, C, H, W]; a position's weight is the fraction of images where any channel differs from the image's corner value (the background).</param>
    /// <param name="count">Pixels per step (CDEP's reference: 8).</param>
    /// <param name="seed">Seeds the draws.</param>
    public RandomPixelsPenalty(IExplanationPenalty inner, Tensor images, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        (_inner, _count, _random) = (inner, count, new Random(seed));
        (_height, _width) = (images.size(2), images.size(3));
        using var scope = NewDisposeScope();
        // The background is whatever value the top-left pixel holds (0, or −mean/std after standardising).
        var background = images[.., .., 0, 0].unsqueeze(-1).unsqueeze(-1);
        var occupied = (images - background).abs().amax([1]).gt(1e-6).to(ScalarType.Float64).mean([0]).flatten();
        var weights = occupied.data<double>().ToArray();
        var total = weights.Sum();
        if (!(total > 0)) throw new ArgumentException("RandomPixelsPenalty: no image has a non-background pixel", nameof(images));
        _cumulative = new double[weights.Length];
        double run = 0;
        for (var i = 0; i < weights.Length; i++) _cumulative[i] = run += weights[i] / total;
    }

    /// <inheritdoc/>
    public string Name => $"CDEP ({_count} random pixels)";

    /// <inheritdoc/>
    public Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Tensor mask)
    {
        using var scope = NewDisposeScope();
        Tensor? total = null;
        for (var k = 0; k < _count; k++)
        {
            var at = Array.BinarySearch(_cumulative, _random.NextDouble());
            at = Math.Min(at < 0 ? ~at : at, _cumulative.Length - 1);
            var region = zeros([1, 1, _height, _width], dtype: x.dtype, device: x.device);
            region[0, 0, at / _width, at % _width] = 1;   // one position, every channel (broadcast over C)
            var value = _inner.Loss(model, x, y, region);
            total = total is null ? value : total + value;
        }
        return total!.MoveToOuterDisposeScope();
    }
}
