using AttrDsl.Decomposition.Acd;
using AttrDsl.Tests.Infrastructure;

namespace AttrDsl.Tests.Decomposition.Acd;

/// <summary>
/// The batched path (every region of a step in one scorer call, or in chunks) builds exactly the hierarchy of the
/// reference's one-region-per-pass loop, for a nonlinear scorer that treats rows independently.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class AgglomerationBatchingTests
{
    private static string Fingerprint(AcdResult r) => string.Join("\n", r.Levels.Select(l =>
        $"{l.Kind}: " + string.Join(" | ", l.Components.Select(c => $"{string.Join(",", c.Tiles)}={c.Score:R}"))))
        + "\nmap " + string.Join(",", r.LevelMap);

    [Theory]
    [InlineData(1, 95.0)]
    [InlineData(2, 80.0)]
    public void ImageHierarchyIsIdenticalForAnyRegionsPerCall(int tileSize, double percentile)
    {
        manual_seed(3);
        using var a = randn(2, 8, 8, float64);
        using var b = randn(2, 8, 8, float64);
        var scorer = TestScorers.Nonlinear(a, b);
        AcdResult Run(int? per) => Agglomeration.Image(scorer, [2, 8, 8], tileSize, new AcdOptions { Percentile = percentile, Iterations = 3, RegionsPerCall = per });
        var single = Run(1);
        var expected = Fingerprint(single);
        Assert.Equal(single.ScoredRegions, single.ScorerCalls);
        foreach (var per in new int?[] { null, 7 })
        {
            var batched = Run(per);
            Assert.Equal(expected, Fingerprint(batched));
            Assert.Equal(single.ScoredRegions, batched.ScoredRegions);
            Assert.True(batched.ScorerCalls < single.ScorerCalls / 2, $"{batched.ScorerCalls} batched calls vs {single.ScorerCalls}");
        }
        Assert.True(single.Levels.Count > 2);
        Assert.Single(single.Levels[^1].Components);
    }

    [Fact]
    public void SequenceHierarchyIsIdenticalForAnyRegionsPerCall()
    {
        manual_seed(4);
        using var a = randn(20, float64);
        using var b = randn(20, float64);
        var scorer = TestScorers.Nonlinear(a, b);
        AcdResult Run(int? per) => Agglomeration.Sequence(scorer, [20], 1, new AcdOptions { Percentile = 85, RegionsPerCall = per });
        Assert.Equal(Fingerprint(Run(1)), Fingerprint(Run(null)));
    }

    [Fact]
    public void ModelScorersChunkRowsWithoutChangingScores()
    {
        // A float64 linear "model" so the chunking of maxRowsPerCall is the only difference between the calls.
        manual_seed(5);
        using var w = randn(3, 16, float64);
        using var x = randn(1, 4, 4, float64);
        Func<Tensor, Tensor> forward = rows => rows.flatten(1).mm(w.t());
        using var masks = (rand(9, 1, 4, 4) > 0.5).to(float32);
        foreach (var make in new Func<int?, RegionScorer>[]
                 {
                     per => Scorers.BuildUp(forward, x, 2, baseline: 0.5, maxRowsPerCall: per),
                     per => Scorers.Occlusion(forward, x, 2, baseline: 0.5, maxRowsPerCall: per),
                 })
        {
            using var all = make(null)(masks);
            using var chunked = make(2)(masks);
            Assert.True(all.allclose(chunked, rtol: 0, atol: 1e-12));
        }
    }
}
