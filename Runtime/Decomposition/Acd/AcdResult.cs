namespace AttrDsl.Decomposition.Acd;

/// <summary>
/// The hierarchy ACD built for one input: its levels (seed, growth steps, then one level per merge down to a single
/// component), the single-tile scores, and the level map saying at which level each position joined a component.
/// </summary>
public sealed class AcdResult
{
    private readonly Tiling _tiling;

    internal AcdResult(Tiling tiling, IReadOnlyList<AcdLevel> levels, double[] tileScores, int[] tileLevels, int scorerCalls, long scoredRegions)
    {
        _tiling = tiling;
        Levels = levels;
        TileScores = tileScores;
        TileLevels = tileLevels;
        ScorerCalls = scorerCalls;
        ScoredRegions = scoredRegions;
        LevelMap = [.. tiling.TileOf.Select(t => tileLevels[t])];
    }

    /// <summary>The levels in the order they were built: <see cref="AcdLevelKind.Seed"/>, growth steps, merges.</summary>
    public IReadOnlyList<AcdLevel> Levels { get; }

    /// <summary>The score of each tile alone (row-major on the tile grid).</summary>
    public IReadOnlyList<double> TileScores { get; }

    /// <summary>The tile grid: [H / tile, W / tile] for images, [segments] for sequences.</summary>
    public long[] TileGridShape => _tiling.TileGridShape;

    /// <summary>The level at which each tile joined a component; −1 for tiles that never joined (merges add no tiles).</summary>
    public IReadOnlyList<int> TileLevels { get; }

    /// <summary>
    /// The level map: for each position of the tiled dimensions (pixels [H, W] row-major, or tokens [T]) the level at
    /// which it joined a component, −1 where it never did. Its shape is <see cref="LevelMapShape"/>.
    /// </summary>
    public IReadOnlyList<int> LevelMap { get; }

    /// <summary>The shape of <see cref="LevelMap"/>: [H, W] for images, [T] for sequences.</summary>
    public long[] LevelMapShape => _tiling.TiledShape;

    /// <summary>How many times the scorer was called.</summary>
    public int ScorerCalls { get; }

    /// <summary>How many regions were scored in all.</summary>
    public long ScoredRegions { get; }

    /// <summary>The component's mask, shaped like the input sample (float32, 1 inside).</summary>
    public Tensor Mask(AcdComponent component)
    {
        ArgumentNullException.ThrowIfNull(component);
        var sel = new float[_tiling.Count];
        foreach (var t in component.Tiles)
        {
            if (t < 0 || t >= sel.Length)
                throw new ArgumentOutOfRangeException(nameof(component), t, $"tile {t} is outside this result's {sel.Length} tiles; pass a component of this result");
            sel[t] = 1;
        }
        using var scope = NewDisposeScope();
        return _tiling.Masks(sel, 1).squeeze(0).MoveToOuterDisposeScope();
    }
}
