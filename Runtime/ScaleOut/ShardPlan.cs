namespace AttrDsl.ScaleOut;

/// <summary>
/// Which samples each shard of a data set explains: the global index space 0..N−1 is cut into chunks of
/// <see cref="ChunkSize"/> samples (the last one may be shorter), and every shard takes a contiguous run of whole chunks.
/// </summary>
/// <remarks>
/// Shards are made of whole chunks of the <em>global</em> index space so that a shard feeds the model exactly the batches
/// a single-process run would: the samples of a batch change the floating-point bits of its results (BLAS picks kernels
/// and summation orders by batch shape), so aligning every batch to the same chunk boundaries makes sharded attributions
/// bit-for-bit equal to unsharded ones. Shard <c>i</c> of <c>S</c> takes chunks ⌊i·C/S⌋ up to ⌊(i+1)·C/S⌋ (C chunks in
/// all), so shard sizes differ by at most one chunk and the plan depends on (N, S, chunk size) alone.
/// </remarks>
public sealed class ShardPlan
{
    /// <summary>Plans <paramref name="sampleCount"/> samples in <paramref name="shards"/> shards of whole chunks.</summary>
    /// <param name="sampleCount">N, the number of samples in the data set (at least 1).</param>
    /// <param name="shards">S, the number of shards (at least 1, at most the number of chunks ⌈N / chunkSize⌉).</param>
    /// <param name="chunkSize">Samples per chunk, the batch the model sees (at least 1; default 64).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is below 1, or there are more shards than chunks.</exception>
    public ShardPlan(long sampleCount, int shards, int chunkSize = 64)
    {
        if (sampleCount < 1)
            throw new ArgumentOutOfRangeException(nameof(sampleCount), sampleCount, $"ShardPlan: sampleCount must be at least 1, got {sampleCount}; there is nothing to explain in an empty data set");
        if (chunkSize < 1)
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, $"ShardPlan: chunkSize must be at least 1, got {chunkSize}; 64 is a good start on a CPU");
        if (shards < 1)
            throw new ArgumentOutOfRangeException(nameof(shards), shards, $"ShardPlan: shards must be at least 1, got {shards}");
        var chunks = (sampleCount + chunkSize - 1) / chunkSize;
        if (shards > chunks)
            throw new ArgumentOutOfRangeException(nameof(shards), shards,
                $"ShardPlan: {shards} shards but only {chunks} chunk(s) of {chunkSize} samples in {sampleCount} samples, so some shards would be empty; use at most {chunks} shards or a smaller chunkSize");
        SampleCount = sampleCount;
        Shards = shards;
        ChunkSize = chunkSize;
        ChunkCount = chunks;
    }

    /// <summary>N, the number of samples.</summary>
    public long SampleCount { get; }

    /// <summary>S, the number of shards.</summary>
    public int Shards { get; }

    /// <summary>Samples per chunk.</summary>
    public int ChunkSize { get; }

    /// <summary>⌈N / chunk size⌉, the number of chunks.</summary>
    public long ChunkCount { get; }

    /// <summary>The samples of shard <paramref name="shard"/>: global indices [Start, End).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shard"/> is outside [0, <see cref="Shards"/>).</exception>
    public (long Start, long End) Range(int shard)
    {
        CheckShard(shard);
        var (first, last) = ChunkRange(shard);
        return (first * ChunkSize, Math.Min(last * ChunkSize, SampleCount));
    }

    /// <summary>The chunks of shard <paramref name="shard"/> in order, each as global indices [Start, End).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shard"/> is outside [0, <see cref="Shards"/>).</exception>
    public IReadOnlyList<(long Start, long End)> Chunks(int shard)
    {
        CheckShard(shard);
        var (first, last) = ChunkRange(shard);
        var list = new List<(long, long)>((int)(last - first));
        for (var c = first; c < last; c++)
            list.Add((c * ChunkSize, Math.Min((c + 1) * ChunkSize, SampleCount)));
        return list;
    }

    private (long First, long Last) ChunkRange(int shard) =>
        // Integer arithmetic in 128 bits: shard · chunks can exceed a long for absurd but valid inputs.
        ((long)((Int128)shard * ChunkCount / Shards), (long)((Int128)(shard + 1) * ChunkCount / Shards));

    private void CheckShard(int shard)
    {
        if (shard < 0 || shard >= Shards)
            throw new ArgumentOutOfRangeException(nameof(shard), shard, $"ShardPlan: shard must be in [0, {Shards}) for {Shards} shard(s), got {shard}; shards are numbered from 0");
    }
}
