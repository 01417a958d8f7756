using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Faithfulness;

/// <summary>
/// ROAD's noisy linear imputation against closed forms: a removed pixel with only kept neighbours takes their weighted
/// mean (1/6 direct, 1/12 diagonal, over the neighbours inside the image); jointly removed pixels solve the linear system.
/// </summary>
[Collection(Infrastructure.GlobalRngCollection.Name)]
public class RoadTests
{
    private static Tensor Image(int h, int w, params double[] values) => tensor(values, [1, 1, h, w]);

    private static Tensor Removed(int h, int w, params int[] pixels)
    {
        var m = new bool[h * w];
        foreach (var p in pixels) m[p] = true;
        return tensor(m, [1, 1, h, w]);
    }

    [Fact]
    public void AnInteriorPixelTakesTheWeightedMeanOfItsEightNeighbours()
    {
        using var scope = NewDisposeScope();
        // [[1, 0, 2], [3, ·, 5], [4, 7, 6]]: direct neighbours 0 + 3 + 5 + 7 = 15, diagonals 1 + 2 + 4 + 6 = 13, weights sum
        // to 4/6 + 4/12 = 1: 15/6 + 13/12 = 43/12.
        var image = Image(3, 3, 1, 0, 2, 3, 100, 5, 4, 7, 6);
        var imputed = Road.Impute(image, Removed(3, 3, 4), noise: 0);
        Assert.Equal(43.0 / 12, imputed[0, 0, 1, 1].item<double>(), 12);
        // Every kept pixel is returned unchanged.
        var keep = Removed(3, 3, 4).logical_not();
        Assert.True(imputed.masked_select(keep).eq(image.masked_select(keep)).all().item<bool>());
    }

    [Fact]
    public void ABorderPixelUsesOnlyTheNeighboursInsideTheImage()
    {
        using var scope = NewDisposeScope();
        // Top-left corner: right r = 2 and down d = 3 (1/6 each), diagonal g = 5 (1/12); weights sum 5/12:
        // (r/6 + d/6 + g/12)/(5/12) = (2r + 2d + g)/5 = (4 + 6 + 5)/5 = 3.
        var image = Image(2, 2, 9, 2, 3, 5);
        Assert.Equal(3, Road.Impute(image, Removed(2, 2, 0), noise: 0)[0, 0, 0, 0].item<double>(), 12);
        // Top-middle of [[1, ·, 2], [3, 9, 5]]: left 1, right 2, down 9 (1/6 each), diagonals 3 and 5 (1/12); weights 2/3:
        // ((1 + 2 + 9)/6 + 8/12)/(2/3) = 4.
        var wide = Image(2, 3, 1, 0, 2, 3, 9, 5);
        Assert.Equal(4, Road.Impute(wide, Removed(2, 3, 1), noise: 0)[0, 0, 0, 1].item<double>(), 12);
    }

    [Fact]
    public void AdjacentRemovedPixelsAreSolvedJointly()
    {
        using var scope = NewDisposeScope();
        // Row [a, u, v, b]: 2u − v = a and 2v − u = b, so u = (2a + b)/3 and v = (a + 2b)/3: the straight line from a to b.
        var image = Image(1, 4, 3, 0, 0, 9);
        var imputed = Road.Impute(image, Removed(1, 4, 1, 2), noise: 0);
        Assert.Equal(5, imputed[0, 0, 0, 1].item<double>(), 10);
        Assert.Equal(7, imputed[0, 0, 0, 2].item<double>(), 10);
    }

    [Fact]
    public void ALinearGradientImageStaysOnTheGradient()
    {
        using var scope = NewDisposeScope();
        // I(y, x) = 0.2 + 0.1·x + 0.05·y: the stencil is symmetric, so at every interior pixel the weighted mean of a linear
        // function is its value there, and the imputation of interior pixels — a block and scattered ones — is exact.
        const int h = 10, w = 12;
        var values = new double[h * w];
        for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) values[y * w + x] = 0.2 + 0.1 * x + 0.05 * y;
        var removed = new List<int>();
        for (var y = 3; y <= 6; y++) for (var x = 2; x <= 6; x++) removed.Add(y * w + x);
        removed.AddRange([1 * w + 9, 8 * w + 1, 8 * w + 10, 5 * w + 9]);
        var image = Image(h, w, values);
        var imputed = Road.Impute(image, Removed(h, w, [.. removed]), noise: 0);
        Assert.True(imputed.sub(image).abs().max().item<double>() < 1e-9, $"max deviation {imputed.sub(image).abs().max().item<double>()}");
    }

    [Fact]
    public void EverythingRemovedFallsBackToZero()
    {
        using var scope = NewDisposeScope();
        var image = Image(2, 2, 1, 2, 3, 4);
        Assert.Equal(0, Road.Impute(image, Removed(2, 2, 0, 1, 2, 3), noise: 0).abs().max().item<double>());
    }

    [Fact]
    public void NoiseIsAddedToImputedPixelsOnly()
    {
        using var scope = NewDisposeScope();
        var image = rand(1, 3, 20, 20, dtype: float64);
        var mask = rand(1, 1, 20, 20).lt(0.5);
        var exact = Road.Impute(image, mask, noise: 0);
        manual_seed(5);
        var noisy = Road.Impute(image, mask, noise: 0.3);
        var diff = noisy - exact;
        var removed = mask.expand(1, 3, 20, 20);
        Assert.Equal(0, diff.masked_select(removed.logical_not()).abs().max().item<double>());
        var std = diff.masked_select(removed).std().item<double>();
        Assert.InRange(std, 0.25, 0.35);   // ~600 draws of N(0, 0.3²)
    }

    [Fact]
    public void MoRFAndLeRFOfALinearModelAreTheHandComputedOnes()
    {
        using var scope = NewDisposeScope();
        // f = [Σ pixels, 0]; image [[1, 0, 2], [3, 9, 5], [4, 7, 6]] (Σ 37), attributions = the image.
        // 1/9 of the pixels: MoRF removes the centre (9), imputed 15/6 + 13/12 = 43/12: 37 − 9 + 43/12.
        // LeRF removes the top-middle (0), imputed ((1 + 2 + 9)/6 + (3 + 5)/12)/(2/3) = 4: 37 + 4 = 41.
        var image = Image(3, 3, 1, 0, 2, 3, 9, 5, 4, 7, 6);
        Tensor F(Tensor x) { var s = x.sum([1, 2, 3]).unsqueeze(1); return cat([s, zeros_like(s)], 1); }
        var result = Road.Compute(F, image, image.clone(), 0, percentages: [1.0 / 9], noise: 0, score: CurveScore.Logit);
        Assert.Equal(37 - 9 + 43.0 / 12, result.MostRelevantFirst[0][0], 10);
        Assert.Equal(41, result.LeastRelevantFirst[0][0], 10);
        Assert.Equal(41 - (37 - 9 + 43.0 / 12), result.Gap, 10);
    }
}
