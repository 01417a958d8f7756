namespace AttrDsl.Training;

/// <summary>
/// Where a process's batch lies in the global batch of a data-parallel step: its samples are the global samples
/// <see cref="Offset"/> … <see cref="Offset"/> + B − 1 of <see cref="GlobalCount"/>. The trainer weights its losses by
/// B / <see cref="GlobalCount"/> (so averaged gradients are the global batch's, also for unequal splits) and draws each
/// sample's expected-gradient references from a generator keyed by its global index (so the draws do not depend on how
/// the batch is split).
/// </summary>
public sealed record BatchShard
{
    /// <summary>Creates the shard.</summary>
    /// <param name="offset">The global index of the batch's first sample (0 or more).</param>
    /// <param name="globalCount">The number of samples in the global batch, over all processes (1 or more).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative or not below <paramref name="globalCount"/>, or <paramref name="globalCount"/> is below 1.</exception>
    public BatchShard(long offset, long globalCount)
    {
        if (globalCount < 1)
            throw new ArgumentOutOfRangeException(nameof(globalCount), globalCount, "BatchShard: globalCount (samples in the global batch, over all processes) must be at least 1");
        if (offset < 0 || offset >= globalCount)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"BatchShard: offset (the global index of this process's first sample) must lie in [0, {globalCount - 1}] for a global batch of {globalCount}");
        (Offset, GlobalCount) = (offset, globalCount);
    }

    /// <summary>The global index of the batch's first sample.</summary>
    public long Offset { get; }

    /// <summary>The number of samples in the global batch.</summary>
    public long GlobalCount { get; }

    /// <summary>
    /// The contiguous shard of <paramref name="rank"/> when <paramref name="globalCount"/> samples are split over
    /// <paramref name="size"/> ranks as evenly as possible (the first globalCount mod size ranks get one more).
    /// </summary>
    /// <returns>The shard and its sample count (0 when there are more ranks than samples: that rank has no shard).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> below 1, <paramref name="rank"/> outside [0, size), or <paramref name="globalCount"/> below 1.</exception>
    public static (BatchShard? Shard, long Count) Split(long globalCount, int rank, int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "BatchShard.Split: size (the number of ranks) must be at least 1");
        if (rank < 0 || rank >= size) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"BatchShard.Split: rank must lie in [0, {size - 1}]");
        if (globalCount < 1) throw new ArgumentOutOfRangeException(nameof(globalCount), globalCount, "BatchShard.Split: globalCount must be at least 1");
        var (per, extra) = (globalCount / size, globalCount % size);
        var count = per + (rank < extra ? 1 : 0);
        var offset = rank * per + Math.Min(rank, extra);
        return count == 0 ? (null, 0) : (new BatchShard(offset, globalCount), count);
    }
}
