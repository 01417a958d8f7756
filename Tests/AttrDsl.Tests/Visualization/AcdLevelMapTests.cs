using AttrDsl.Decomposition.Acd;
using AttrDsl.Visualization;

namespace AttrDsl.Tests.Visualization;

public class AcdLevelMapTests
{
    [Fact]
    public void An_AcdResult_is_drawn_level_by_level_with_never_joined_pixels_grey()
    {
        // A linear scorer over a planted weight map: a strong 2 × 2 blob, a weaker ramp, negative weights elsewhere.
        using var weights = full(8, 8, -0.2, dtype: ScalarType.Float64);
        weights[1..3, 1..3] = tensor(3.0, ScalarType.Float64);
        weights[5.., 4..] = tensor(0.5, ScalarType.Float64);
        weights[6, 7] = tensor(1.0, ScalarType.Float64);
        RegionScorer scorer = masks =>
        {
            using var scope = NewDisposeScope();
            return (masks.to(ScalarType.Float64).reshape(-1, 8, 8) * weights).flatten(1).sum(dim: 1).MoveToOuterDisposeScope();
        };
        var result = Agglomeration.Image(scorer, [8, 8], 1);
        var levels = result.LevelMap;
        Assert.Contains(levels, l => l >= 0);
        Assert.Contains(levels, l => l < 0);
        Assert.True(levels.Where(l => l >= 0).Distinct().Count() >= 2, $"levels: {string.Join(",", levels)}");

        using var png = new Png(HeatMaps.LevelMap(result, scale: 3));
        Assert.Equal(24, png.Width);
        Assert.Equal(24, png.Height);
        var byLevel = new Dictionary<int, (byte, byte, byte)>();
        for (var i = 0; i < 64; i++)
        {
            var c = png.Cell(i / 8, i % 8, 3);
            if (levels[i] < 0) { Assert.Equal(HeatMaps.NoComponent, c); continue; }
            Assert.NotEqual(HeatMaps.NoComponent, c);
            if (byLevel.TryGetValue(levels[i], out var seen)) Assert.Equal(seen, c);
            else byLevel[levels[i]] = c;
        }
        Assert.Equal(byLevel.Count, byLevel.Values.Distinct().Count());
        // The blob joined at the first level, drawn in the first palette colour.
        Assert.Equal(0, levels[1 * 8 + 1]);
        Assert.Equal(HeatMaps.LevelColor(0), png.Cell(1, 1, 3));
        // Same picture as the tensor overload with levels shifted by one.
        using var shifted = tensor(levels.Select(l => l + 1L).ToArray()).reshape(8, 8);
        Assert.Equal(HeatMaps.LevelMap(shifted, scale: 3), HeatMaps.LevelMap(result, scale: 3));
    }
}
