namespace AttrDsl.Decomposition.Acd;

/// <summary>
/// How an input is cut into tiles, the units ACD agglomerates: which tile each position of the tiled dimensions
/// belongs to, which tiles neighbour each other, and how a set of tiles becomes a mask shaped like the input (the
/// untiled leading dimensions, e.g. image channels, are covered whole).
/// </summary>
internal sealed class Tiling
{
    private readonly long[] _tileOf;       // tile index of each position of the tiled dimensions, row-major
    private readonly bool _tiledLeading;   // sequences tile the first dimension, images the last two

    public Tiling(long[] inputShape, long[] tiledShape, long[] tileOf, int[][] neighbours, long[] tileGridShape, bool tiledLeading)
    {
        _tiledLeading = tiledLeading;
        InputShape = inputShape;
        TiledShape = tiledShape;
        _tileOf = tileOf;
        Neighbours = neighbours;
        TileGridShape = tileGridShape;
    }

    /// <summary>The shape of one input sample (what every mask row looks like).</summary>
    public long[] InputShape { get; }

    /// <summary>The trailing dimensions that are tiled: [H, W] for images, [T] for sequences.</summary>
    public long[] TiledShape { get; }

    /// <summary>The tile grid: [H / tile, W / tile] for images, [segments] for sequences.</summary>
    public long[] TileGridShape { get; }

    /// <summary>The number of tiles.</summary>
    public int Count => Neighbours.Length;

    /// <summary>The tiles adjacent to each tile (4-neighbourhood on an image grid, previous/next segment in a sequence).</summary>
    public int[][] Neighbours { get; }

    /// <summary>The tile of each position of the tiled dimensions (row-major).</summary>
    public IReadOnlyList<long> TileOf => _tileOf;

    /// <summary>
    /// Masks [M, ...input shape] (float32, 0/1) for M tile selections given as a 0/1 matrix [M, tiles]: one gather
    /// from the tile map, then broadcast over the untiled leading dimensions.
    /// </summary>
    public Tensor Masks(float[] selections, int m)
    {
        using var scope = NewDisposeScope();
        var sel = tensor(selections, [m, Count]);
        var map = tensor(_tileOf, [_tileOf.Length]);
        var tiled = sel.index_select(1, map).reshape([m, .. TiledShape]);
        var untiled = InputShape.Length - TiledShape.Length;
        for (var i = 0; i < untiled; i++) tiled = _tiledLeading ? tiled.unsqueeze(-1) : tiled.unsqueeze(1);
        return tiled.expand([m, .. InputShape]).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>A 2-D tiling of the last two dimensions of <paramref name="shape"/> into square tiles, 4-neighbourhood.</summary>
    public static Tiling Image(long[] shape, int tileSize, string who)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length is not (2 or 3))
            throw new ArgumentException($"{who}: image shape [{string.Join(", ", shape)}] has {shape.Length} dimensions; pass [H, W] or [C, H, W] (one sample, no batch dimension)", nameof(shape));
        CheckNotEmpty(shape, who);
        long h = shape[^2], w = shape[^1];
        if (tileSize < 1)
            throw new ArgumentOutOfRangeException(nameof(tileSize), tileSize, $"{who}: tileSize must be at least 1 (1 = single pixels)");
        if (tileSize > h || tileSize > w || h % tileSize != 0 || w % tileSize != 0)
            throw new ArgumentOutOfRangeException(nameof(tileSize), tileSize,
                $"{who}: tileSize {tileSize} does not tile the {h}×{w} image; pick a size that divides both H and W (e.g. 1, or a common divisor of {h} and {w})");
        long gh = h / tileSize, gw = w / tileSize;
        var tileOf = new long[h * w];
        for (long r = 0; r < h; r++)
            for (long c = 0; c < w; c++)
                tileOf[r * w + c] = r / tileSize * gw + c / tileSize;
        var neighbours = new int[gh * gw][];
        for (long r = 0; r < gh; r++)
            for (long c = 0; c < gw; c++)
            {
                var list = new List<int>(4);
                if (r > 0) list.Add((int)((r - 1) * gw + c));
                if (c > 0) list.Add((int)(r * gw + c - 1));
                if (c < gw - 1) list.Add((int)(r * gw + c + 1));
                if (r < gh - 1) list.Add((int)((r + 1) * gw + c));
                neighbours[r * gw + c] = [.. list];
            }
        return new Tiling(shape, [h, w], tileOf, neighbours, [gh, gw], tiledLeading: false);
    }

    /// <summary>A 1-D tiling of the first dimension of <paramref name="shape"/> into contiguous segments of the given lengths.</summary>
    public static Tiling Sequence(long[] shape, long[] segmentLengths, string who)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(segmentLengths);
        if (shape.Length < 1)
            throw new ArgumentException($"{who}: a sequence shape needs at least one dimension, [T] or [T, ...]", nameof(shape));
        CheckNotEmpty(shape, who);
        var t = shape[0];
        if (segmentLengths.Length == 0 || segmentLengths.Any(l => l < 1) || segmentLengths.Sum() != t)
            throw new ArgumentException(
                $"{who}: segment lengths [{string.Join(", ", segmentLengths)}] must be positive and add up to the sequence length {t}", nameof(segmentLengths));
        var tileOf = new long[t];
        long pos = 0;
        for (var s = 0; s < segmentLengths.Length; s++)
            for (long i = 0; i < segmentLengths[s]; i++) tileOf[pos++] = s;
        var n = segmentLengths.Length;
        var neighbours = new int[n][];
        for (var s = 0; s < n; s++)
            neighbours[s] = s == 0 ? (n > 1 ? [1] : []) : s == n - 1 ? [s - 1] : [s - 1, s + 1];
        // The tiled dimension is the first one; the trailing ones (e.g. embedding features) are covered whole.
        return new Tiling(shape, [t], tileOf, neighbours, [n], tiledLeading: true);
    }

    private static void CheckNotEmpty(long[] shape, string who)
    {
        if (shape.Any(d => d < 1))
            throw new ArgumentException($"{who}: the input shape [{string.Join(", ", shape)}] is empty; pass a non-empty input", nameof(shape));
    }
}
