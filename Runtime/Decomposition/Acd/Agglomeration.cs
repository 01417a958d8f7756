namespace AttrDsl.Decomposition.Acd;

/// <summary>
/// Agglomerative contextual decomposition (ACD; Singh, Murdoch &amp; Yu, "Hierarchical interpretations for neural
/// network predictions", ICLR 2019): a hierarchy of regions of one input, built bottom-up from the tiles a
/// <see cref="RegionScorer"/> rates highest. The scorer is anything that rates a batch of region masks; the paper's
/// is contextual decomposition's relevant score (<see cref="Scorers.FromDecomposition"/>), and the build-up and
/// occlusion scorers of <see cref="Scorers"/> are its baselines.
/// </summary>
public static class Agglomeration
{
    /// <summary>
    /// ACD on an image: square tiles of <paramref name="tileSize"/> pixels over the last two dimensions (1 = single
    /// pixels; channels are kept or removed together), 4-neighbourhood on the tile grid.
    /// </summary>
    /// <param name="scorer">Rates a batch of masks [M, ...shape]; see <see cref="Scorers"/>.</param>
    /// <param name="shape">One sample's shape, [H, W] or [C, H, W] (the masks the scorer gets have it).</param>
    /// <param name="tileSize">The tile side; must divide H and W.</param>
    /// <param name="options">Percentile, growth iterations, regions per scorer call (defaults: 99, 5, all at once).</param>
    /// <exception cref="ArgumentException">A shape that is not [H, W] / [C, H, W] or is empty, a tile size that does not divide H and W, bad options.</exception>
    /// <exception cref="InvalidOperationException">The scorer returned null, a wrong shape or non-finite scores.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <param name="cancellationToken">Checked before any work, before every scorer call and before every level: once it
    /// is cancelled, <see cref="OperationCanceledException"/> is thrown and no result is returned.</param>
    public static AcdResult Image(RegionScorer scorer, long[] shape, int tileSize = 1, AcdOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        const string who = "Agglomeration.Image";
        ArgumentNullException.ThrowIfNull(scorer);
        options ??= new AcdOptions();
        Agglomerator.CheckOptions(options, who);
        return new Agglomerator(scorer, Tiling.Image(shape, tileSize, who), options, who, cancellationToken).Run();
    }

    /// <summary>
    /// ACD on a sequence: contiguous segments of <paramref name="segmentLength"/> positions of the first dimension
    /// (1 = single tokens), each segment adjacent to the previous and the next.
    /// </summary>
    /// <param name="scorer">Rates a batch of masks [M, ...shape].</param>
    /// <param name="shape">One sample's shape, [T] (token ids or values) or [T, ...] (e.g. [T, embedding]).</param>
    /// <param name="segmentLength">Positions per segment; must divide T.</param>
    /// <param name="options">Percentile, growth iterations, regions per scorer call.</param>
    /// <param name="cancellationToken">Checked before any work, before every scorer call and before every level: once it
    /// is cancelled, <see cref="OperationCanceledException"/> is thrown and no result is returned.</param>
    public static AcdResult Sequence(RegionScorer scorer, long[] shape, int segmentLength = 1, AcdOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        const string who = "Agglomeration.Sequence";
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length >= 1 && shape[0] >= 1 && (segmentLength < 1 || segmentLength > shape[0] || shape[0] % segmentLength != 0))
            throw new ArgumentOutOfRangeException(nameof(segmentLength), segmentLength,
                $"{who}: segmentLength {segmentLength} does not tile the sequence of {shape[0]} positions; pick a divisor of {shape[0]} (1 = single tokens) or pass the segment lengths");
        var count = shape.Length >= 1 && shape[0] >= 1 ? shape[0] / segmentLength : 0;
        return Sequence(scorer, shape, [.. Enumerable.Repeat((long)segmentLength, (int)count)], options, who, cancellationToken);
    }

    /// <summary>ACD on a sequence cut into contiguous segments of the given lengths (e.g. one per word of a tokenised sentence).</summary>
    /// <param name="scorer">Rates a batch of masks [M, ...shape].</param>
    /// <param name="shape">One sample's shape, [T] or [T, ...].</param>
    /// <param name="segmentLengths">The segments' lengths in order; positive, adding up to T.</param>
    /// <param name="options">Percentile, growth iterations, regions per scorer call.</param>
    /// <param name="cancellationToken">Checked before any work, before every scorer call and before every level: once it
    /// is cancelled, <see cref="OperationCanceledException"/> is thrown and no result is returned.</param>
    public static AcdResult Sequence(RegionScorer scorer, long[] shape, long[] segmentLengths, AcdOptions? options = null, CancellationToken cancellationToken = default) =>
        Sequence(scorer, shape, segmentLengths, options, "Agglomeration.Sequence", cancellationToken);

    private static AcdResult Sequence(RegionScorer scorer, long[] shape, long[] segmentLengths, AcdOptions? options, string who, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(scorer);
        options ??= new AcdOptions();
        Agglomerator.CheckOptions(options, who);
        return new Agglomerator(scorer, Tiling.Sequence(shape, segmentLengths, who), options, who, cancellationToken).Run();
    }
}
