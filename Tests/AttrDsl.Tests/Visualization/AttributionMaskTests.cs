using AttrDsl.Visualization;

namespace AttrDsl.Tests.Visualization;

public class AttributionMaskTests
{
    [Theory]
    [InlineData(0.1, 78)]   // round(0.1 × 784) = 78
    [InlineData(0.5, 392)]
    [InlineData(0.0, 0)]
    [InlineData(1.0, 784)]
    public void TopK_marks_round_fraction_times_n_elements_per_sample(double fraction, int expected)
    {
        using var a = randn(3, 1, 28, 28);
        using var mask = AttributionMasks.TopK(a, fraction);
        Assert.Equal(a.shape, mask.shape);
        Assert.Equal(a.dtype, mask.dtype);
        using var perSample = mask.flatten(1).sum(dim: 1);
        for (var i = 0; i < 3; i++) Assert.Equal(expected, perSample[i].item<float>());
        using var values = mask.unique().Item1;
        Assert.True(values.data<float>().ToArray().All(v => v is 0 or 1));
    }

    [Fact]
    public void TopK_selects_the_largest_magnitudes_of_either_sign()
    {
        using var a = tensor(new float[] { 0.1f, -5f, 0.2f, 3f, -0.3f, 0.05f, 4f, 0f, 0.01f, 0.02f }).reshape(2, 5);
        using var mask = AttributionMasks.TopK(a, 0.3);   // 3 of 10: −5, 4, 3 (a [2, 5] tensor is one sample)
        Assert.Equal(new float[] { 0, 1, 0, 1, 0, 0, 1, 0, 0, 0 }, mask.flatten().data<float>().ToArray());
        // As a batch of two 5-element samples, round(0.4 × 5) = 2 each: −5 and 3, then 4 and 0.05.
        using var batch = AttributionMasks.TopK(a.reshape(2, 1, 5), 0.4);
        Assert.Equal(new float[] { 0, 1, 0, 1, 0, 1, 1, 0, 0, 0 }, batch.flatten().data<float>().ToArray());
    }

    [Fact]
    public void UnitsWithBlur_keeps_the_blurred_blob_and_drops_isolated_spikes()
    {
        // A 3 × 3 block of moderate attribution and one isolated spike larger than any single block pixel: TopK alone
        // takes the spike; after a blur the block wins its place in the top 9 and the spike does not.
        using var a = zeros(1, 1, 16, 16);
        a[0, 0, 3..6, 3..6] = tensor(1.0f);
        a[0, 0, 12, 12] = tensor(2.0f);
        using var plain = AttributionMasks.TopK(a, 9.0 / 256);
        Assert.Equal(1, plain[0, 0, 12, 12].item<float>());
        using var blurred = AttributionMasks.UnitsWithBlur(a, 9.0 / 256, sigma: 1.0);
        Assert.Equal(a.shape, blurred.shape);
        Assert.Equal(9, blurred.sum().item<float>());
        Assert.Equal(0, blurred[0, 0, 12, 12].item<float>());
        Assert.Equal(1, blurred[0, 0, 4, 4].item<float>());
        // Channels share one mask; sigma 0 is TopK of the channel sum.
        using var c3 = a.expand(2, 3, 16, 16).contiguous();
        using var m3 = AttributionMasks.UnitsWithBlur(c3, 9.0 / 256, sigma: 1.0);
        Assert.Equal(new long[] { 2, 3, 16, 16 }, m3.shape);
        Assert.True(m3[0, 0].equal(m3[1, 2]).all().item<bool>());
        using var noBlur = AttributionMasks.UnitsWithBlur(a.squeeze(0), 1.0 / 256, sigma: 0);
        Assert.Equal(1, noBlur[0, 12, 12].item<float>());
        using var plane = AttributionMasks.UnitsWithBlur(a[0, 0], 9.0 / 256);
        Assert.Equal(new long[] { 16, 16 }, plane.shape);
        using var vec = randn(5);
        Assert.Throws<ArgumentException>(() => AttributionMasks.UnitsWithBlur(vec, 0.5));
    }

    [Fact]
    public void OutlierNormalize_divides_by_the_percentile_per_sample_and_clips()
    {
        // Sample 0: 1..100; the 99th percentile (linear) of 1..100 is 99.01. Sample 1: ten times larger, same result.
        var s0 = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();
        using var a = tensor(s0.Concat(s0.Select(v => -10 * v)).ToArray()).reshape(2, 1, 10, 10);
        using var n = AttributionMasks.OutlierNormalize(a, 99);
        Assert.Equal(a.shape, n.shape);
        Assert.Equal(ScalarType.Float64, n.dtype);
        Assert.Equal(50 / 99.01, n[0, 0, 4, 9].item<double>(), 9);
        Assert.Equal(-50 / 99.01, n[1, 0, 4, 9].item<double>(), 9);
        Assert.Equal(1.0, n[0, 0, 9, 9].item<double>());
        Assert.Equal(-1.0, n[1, 0, 9, 9].item<double>());
        Assert.True(n.abs().max().item<double>() <= 1.0);
        using var z = zeros(4, 4);
        using var nz = AttributionMasks.OutlierNormalize(z);
        Assert.Equal(0, nz.abs().sum().item<float>());
    }

    [Fact]
    public void Bad_fractions_throw()
    {
        using var a = randn(2, 4, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => AttributionMasks.TopK(a, -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttributionMasks.TopK(a, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttributionMasks.UnitsWithBlur(a, 0.1, sigma: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttributionMasks.OutlierNormalize(a, 0));
    }
}
