using AttrDsl.Decomposition.Acd;

namespace AttrDsl.Tests.Decomposition.Acd;

/// <summary>
/// ACD's bookkeeping on a linear scorer, where every choice is predictable by hand: a region scores the sum of its
/// contributions, a neighbour's gain is its own contribution, and a merge gains min(score(C1), score(C2)).
/// </summary>
public sealed class AgglomerationLinearTests
{
    // 4×4 contributions (row-major tile indices 0..15). With percentile 90 each step takes the top 2 free tiles:
    // over 16 values the threshold lies between the 14th and 15th smallest, over 14 between the 12th and 13th, ...
    private static readonly double[] Grid =
    [
        10, 1, 2, 9,
        3, 4, 5, 8.5,
        0.5, 6, 0.1, 0.2,
        7, 0.3, 0.4, 0.6,
    ];

    private static AcdResult Run(int? regionsPerCall = null)
    {
        using var c = tensor(Grid, [4, 4], float64);
        return Agglomeration.Image(TestScorers.Linear(c), [4, 4], 1, new AcdOptions { Percentile = 90, Iterations = 2, RegionsPerCall = regionsPerCall });
    }

    private static void AssertLevel(AcdLevel level, AcdLevelKind kind, params (int[] Tiles, double Score)[] expected)
    {
        Assert.Equal(kind, level.Kind);
        Assert.Equal(expected.Length, level.Components.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Tiles, level.Components[i].Tiles);
            Assert.Equal(expected[i].Score, level.Components[i].Score, 12);
        }
    }

    [Fact]
    public void SeedGrowthAndMergeLevelsMatchTheHandComputation()
    {
        var r = Run();
        Assert.Equal(6, r.Levels.Count);
        Assert.Equal(Enumerable.Range(0, 6), r.Levels.Select(l => l.Index));
        // Seed: tiles 0 (10) and 3 (9), not adjacent.
        AssertLevel(r.Levels[0], AcdLevelKind.Seed, ([0], 10), ([3], 9));
        // Growth 1: tiles 7 (8.5, joins 3 below it) and 12 (7, alone).
        AssertLevel(r.Levels[1], AcdLevelKind.Growth, ([3, 7], 17.5), ([0], 10), ([12], 7));
        // Growth 2: tiles 9 (6, alone) and 6 (5, joins {3, 7}).
        AssertLevel(r.Levels[2], AcdLevelKind.Growth, ([3, 6, 7], 22.5), ([0], 10), ([12], 7), ([9], 6));
        // Merges by the largest min(score) pair: {0} + {3,6,7}; then {12}; then {9}.
        AssertLevel(r.Levels[3], AcdLevelKind.Merge, ([0, 3, 6, 7], 32.5), ([12], 7), ([9], 6));
        AssertLevel(r.Levels[4], AcdLevelKind.Merge, ([0, 3, 6, 7, 12], 39.5), ([9], 6));
        AssertLevel(r.Levels[5], AcdLevelKind.Merge, ([0, 3, 6, 7, 9, 12], 45.5));
    }

    [Fact]
    public void TileScoresAndLevelMapRecordWhenEachPixelJoined()
    {
        var r = Run();
        Assert.Equal(Grid, r.TileScores.Select(s => Math.Round(s, 12)));
        Assert.Equal([4L, 4L], r.LevelMapShape);
        int[] expected = [0, -1, -1, 0, -1, -1, 2, 1, -1, 2, -1, -1, 1, -1, -1, -1];
        Assert.Equal(expected, r.LevelMap);
        Assert.Equal(expected, r.TileLevels);
    }

    [Fact]
    public void ComponentMaskCoversItsTilesOnly()
    {
        var r = Run();
        using var mask = r.Mask(r.Levels[2].Components[0]);
        Assert.Equal([4L, 4L], mask.shape);
        var values = mask.data<float>().ToArray();
        Assert.Equal(Enumerable.Range(0, 16).Select(i => i is 3 or 6 or 7 ? 1f : 0f), values);
    }

    [Fact]
    public void TilesLargerThanOnePixelScoreTheirBlocksOverAllChannels()
    {
        // [2, 4, 4] input, 2×2 tiles: a tile's score is the sum over its 2×2 block in both channels.
        using var c = arange(32, float64).reshape(2, 4, 4);
        var r = Agglomeration.Image(TestScorers.Linear(c), [2, 4, 4], 2, new AcdOptions { Percentile = 50, Iterations = 1 });
        Assert.Equal([2L, 2L], r.TileGridShape);
        double Block(int tr, int tc) => Enumerable.Range(0, 2).Sum(ch =>
            Enumerable.Range(0, 2).Sum(dr => Enumerable.Range(0, 2).Sum(dc => ch * 16 + (tr * 2 + dr) * 4 + tc * 2 + dc)));
        Assert.Equal(new[] { Block(0, 0), Block(0, 1), Block(1, 0), Block(1, 1) }, r.TileScores);
        // Percentile 50 of 4 tile scores: the threshold is halfway between the 2nd and 3rd: tiles 2 and 3 (the bottom row).
        Assert.Equal([2, 3], r.Levels[0].Components.Single().Tiles);
        // Growth: free tiles 0 (gain 84) and 1 (gain 100); percentile 50 of the two is 92 → tile 1 joins at level 1.
        // The level map is per pixel: the bottom two pixel rows at level 0, the top-right block at 1, the rest never.
        Assert.Equal(Enumerable.Range(0, 16).Select(p => p / 4 >= 2 ? 0 : p % 4 >= 2 ? 1 : -1), r.LevelMap);
        using var mask = r.Mask(r.Levels[0].Components[0]);
        Assert.Equal([2L, 4L, 4L], mask.shape);
        Assert.Equal(16f, mask.sum().item<float>());
    }

    [Fact]
    public void SequencesGrowContiguousSegments()
    {
        // Tokens with contributions; segments of 2 tokens: [1, 0 | 5, 5 | 0, 0 | 4, 4 | 3, 0] → segment scores 1, 10, 0, 8, 3.
        using var c = tensor(new double[] { 1, 0, 5, 5, 0, 0, 4, 4, 3, 0 }, [10], float64);
        var r = Agglomeration.Sequence(TestScorers.Linear(c), [10], 2, new AcdOptions { Percentile = 75, Iterations = 1 });
        Assert.Equal(new double[] { 1, 10, 0, 8, 3 }, r.TileScores);
        // Percentile 75 of 5: threshold = 8 → segments 1 and 3 (not adjacent: 2 lies between).
        AssertLevel(r.Levels[0], AcdLevelKind.Seed, ([1], 10), ([3], 8));
        // Free: 0 (1, borders 1), 2 (0, borders both), 4 (3, borders 3); percentile 75 of {1, 0, 3} = 2 → segment 4.
        AssertLevel(r.Levels[1], AcdLevelKind.Growth, ([3, 4], 11), ([1], 10));
        AssertLevel(r.Levels[2], AcdLevelKind.Merge, ([1, 3, 4], 21));
        Assert.Equal([-1, -1, 0, 0, -1, -1, 0, 0, 1, 1], r.LevelMap);
    }

    [Fact]
    public void SequenceSegmentsOfGivenLengthsCoverTrailingDimensions()
    {
        // [5, 2] (5 tokens of 2 features); words of 2, 1 and 2 tokens.
        using var c = tensor(new double[] { 1, 1, 0, 0, 9, 0, 2, 2, 0, 1 }, [5, 2], float64);
        var r = Agglomeration.Sequence(TestScorers.Linear(c), [5, 2], [2L, 1L, 2L], new AcdOptions { Percentile = 60, Iterations = 0 });
        Assert.Equal(new double[] { 2, 9, 5 }, r.TileScores);
        Assert.Equal([5L], r.LevelMapShape);
        using var mask = r.Mask(r.Levels[0].Components[0]);
        Assert.Equal([5L, 2L], mask.shape);
        Assert.Equal(new float[] { 0, 0, 0, 0, 1, 1, 0, 0, 0, 0 }, mask.data<float>().ToArray());
    }

    [Fact]
    public void OneRegionPerCallGivesTheSameHierarchyWithOneCallPerRegion()
    {
        var batched = Run();
        var single = Run(regionsPerCall: 1);
        Assert.Equal(single.ScoredRegions, single.ScorerCalls);
        Assert.Equal(batched.ScoredRegions, single.ScoredRegions);
        // Batched: one call for the tile scores, one per growth step for the candidates and one per merge for the new
        // pairs: 1 + 2 + 3 = 6. The components' own scores are never asked again: the seeds are single tiles and each
        // grown component here was a growth candidate, so their scores come from the cache.
        Assert.Equal(6, batched.ScorerCalls);
        // Regions: 16 tiles; growth 1: {0} + 1, 4 and {3} + 2, 7 (4); growth 2: {3, 7} + 2, 6, 11 and {12} + 8, 13 (5 new;
        // {0} + 1, 4 are cached); merges: 6 pairs of 4 components, then 2, then 1. 16 + 4 + 5 + 6 + 2 + 1 = 34.
        Assert.Equal(34, batched.ScoredRegions);
        Assert.Equal(batched.Levels.Count, single.Levels.Count);
        for (var l = 0; l < batched.Levels.Count; l++)
            Assert.Equal(batched.Levels[l].Components.Select(c => (string.Join(",", c.Tiles), c.Score)),
                single.Levels[l].Components.Select(c => (string.Join(",", c.Tiles), c.Score)));
    }
}
