using AttrDsl.Tests.Infrastructure;

namespace AttrDsl.Tests.Gradients;

/// <summary>Single-input-channel conv2d takes the im2col path (thnn_conv2d); it must agree with the general path and differentiate correctly.</summary>
public class SingleChannelConvTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    public void MatchesTheGeneralPathAndFiniteDifferences(long stride, long padding)
    {
        manual_seed(9);
        using var x = randn([3, 1, 7, 6], ScalarType.Float64);
        using var w = randn([4, 1, 3, 3], ScalarType.Float64);
        using var b = randn([4], ScalarType.Float64);
        using var single = functional.conv2d(x, w, b, stride, padding);
        // the same convolution with a zero second input channel goes through libtorch's own backend choice
        using var x2 = cat([x, zeros_like(x)], 1);
        using var w2 = cat([w, randn([4, 1, 3, 3], ScalarType.Float64)], 1);
        using var general = functional.conv2d(x2, w2, b, stride, padding);
        Assert.True(allclose(single, general, 1e-12, 1e-12));
        GradCheck.Check(t => functional.conv2d(t[0], t[1], t[2], stride, padding), [x, w, b]);
    }
}
