using AttrDsl.Decomposition.Acd;

namespace AttrDsl.Tests.Decomposition.Acd;

/// <summary>Bad arguments and misbehaving scorers give clear .NET exceptions naming the problem and the fix.</summary>
public sealed class AgglomerationArgumentTests
{
    private static RegionScorer Sum => masks =>
    {
        using var scope = NewDisposeScope();
        return masks.flatten(1).sum(dim: 1).to(float64).MoveToOuterDisposeScope();
    };

    [Theory]
    [InlineData(3)]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(-1)]
    public void TileSizesThatDoNotTileTheImageAreRejected(int tileSize)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Agglomeration.Image(Sum, [4, 6], tileSize));
        Assert.Contains("tileSize", e.Message);
    }

    [Fact]
    public void ATileSizeThatDividesOnlyOneSideIsRejectedWithTheDivisorHint()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Agglomeration.Image(Sum, [4, 6], 3));
        Assert.Contains("does not tile the 4×6 image; pick a size that divides both H and W", e.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(100.0)]
    [InlineData(-5.0)]
    [InlineData(150.0)]
    [InlineData(double.NaN)]
    public void PercentilesOutsideTheOpenRangeAreRejected(double p)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Agglomeration.Image(Sum, [4, 4], 1, new AcdOptions { Percentile = p }));
        Assert.Contains("is outside (0, 100)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Agglomeration.Sequence(Sum, [4], 1, new AcdOptions { Percentile = p }));
    }

    [Fact]
    public void OtherBadOptionsAreRejected()
    {
        Assert.Contains("Iterations", Assert.Throws<ArgumentOutOfRangeException>(() =>
            Agglomeration.Image(Sum, [4, 4], 1, new AcdOptions { Iterations = -1 })).Message);
        Assert.Contains("RegionsPerCall", Assert.Throws<ArgumentOutOfRangeException>(() =>
            Agglomeration.Image(Sum, [4, 4], 1, new AcdOptions { RegionsPerCall = 0 })).Message);
    }

    [Fact]
    public void EmptyOrMisshapenInputsAreRejected()
    {
        Assert.Contains("is empty", Assert.Throws<ArgumentException>(() => Agglomeration.Image(Sum, [0, 4])).Message);
        Assert.Contains("is empty", Assert.Throws<ArgumentException>(() => Agglomeration.Image(Sum, [1, 4, 0])).Message);
        Assert.Contains("is empty", Assert.Throws<ArgumentException>(() => Agglomeration.Sequence(Sum, [0])).Message);
        Assert.Contains("pass [H, W] or [C, H, W]", Assert.Throws<ArgumentException>(() => Agglomeration.Image(Sum, [16])).Message);
        Assert.Contains("at least one dimension", Assert.Throws<ArgumentException>(() => Agglomeration.Sequence(Sum, [])).Message);
        Assert.Throws<ArgumentNullException>(() => Agglomeration.Image(null!, [4, 4]));
    }

    [Fact]
    public void BadSegmentationsAreRejected()
    {
        Assert.Contains("pick a divisor of 10", Assert.Throws<ArgumentOutOfRangeException>(() => Agglomeration.Sequence(Sum, [10], 3)).Message);
        Assert.Contains("add up to the sequence length 10",
            Assert.Throws<ArgumentException>(() => Agglomeration.Sequence(Sum, [10], [3L, 3L, 3L])).Message);
        Assert.Contains("must be positive", Assert.Throws<ArgumentException>(() => Agglomeration.Sequence(Sum, [4], [5L, -1L])).Message);
    }

    [Fact]
    public void ScorersReturningWrongShapesAreRejected()
    {
        RegionScorer perElement = masks => masks.flatten(1).to(float64);
        var e = Assert.Throws<InvalidOperationException>(() => Agglomeration.Image(perElement, [4, 4]));
        Assert.Contains("Agglomeration.Image: the scorer returned shape [16, 16] for 16 masks; it must return one score per mask, shape [16]", e.Message);
        RegionScorer scalar = masks => masks.sum();
        Assert.Contains("one score per mask", Assert.Throws<InvalidOperationException>(() => Agglomeration.Sequence(scalar, [5])).Message);
        RegionScorer nothing = masks => null!;
        Assert.Contains("returned null", Assert.Throws<InvalidOperationException>(() => Agglomeration.Image(nothing, [4, 4])).Message);
        RegionScorer integers = masks => masks.flatten(1).sum(dim: 1).to(int64);
        Assert.Contains("floating-point", Assert.Throws<InvalidOperationException>(() => Agglomeration.Image(integers, [4, 4])).Message);
    }

    [Fact]
    public void NonFiniteScoresAreRejectedWithTheMaskIndex()
    {
        RegionScorer nan = masks =>
        {
            using var scope = NewDisposeScope();
            var s = masks.flatten(1).sum(dim: 1).to(float64);
            s[5] = tensor(double.PositiveInfinity);
            return s.MoveToOuterDisposeScope();
        };
        var e = Assert.Throws<InvalidOperationException>(() => Agglomeration.Image(nan, [4, 4]));
        Assert.Contains("non-finite score (Infinity) for mask 5 of 16", e.Message);
    }
}
