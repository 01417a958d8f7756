using System.Collections;

namespace AttrDsl.Torch;

/// <summary>
/// Iterates a <see cref="Dataset"/> in mini-batches, as PyTorch's <c>torch.utils.data.DataLoader</c>. Each
/// enumeration is one epoch; each element is one tensor per dataset field, with the batch as dimension 0.
/// Create it with <see cref="torch.utils.data.DataLoader"/>.
/// </summary>
/// <remarks>
/// <para><b>Shuffling.</b> With <c>seed</c> set, the loader owns a <see cref="System.Random"/> seeded once at
/// construction and draws one Fisher–Yates permutation from it per epoch: successive epochs differ, and a loader
/// built with the same seed replays exactly the same sequence of epoch orders. Without a seed, each epoch's
/// order is <see cref="torch.randperm"/> from libtorch's global generator, so <see cref="torch.manual_seed"/>
/// makes it reproducible (PyTorch's default).</para>
/// <para><b>Memory.</b> A batch's tensors are created when the enumerator advances to it, so they belong to the
/// <see cref="DisposeScope"/> the caller has open around the loop. With <c>disposeBatch</c> (the default, as in
/// TorchSharp) the loader also frees each batch when the enumerator moves past it or ends, so a loop body may
/// not keep batch tensors beyond its iteration: clone what you keep, or pass <c>disposeBatch: false</c>.</para>
/// <para>The loader does not own the dataset; dispose the dataset yourself.</para>
/// </remarks>
public sealed class DataLoader : IEnumerable<Tensor[]>
{
    private readonly Dataset _dataset;
    private readonly bool _disposeBatch;
    private readonly Random? _random;

    /// <summary>A loader over <paramref name="dataset"/>; see the class remarks for shuffling and memory.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch (≥ 1); the last batch is smaller unless <paramref name="drop_last"/>.</param>
    /// <param name="shuffle">Visit the samples in a new random order every epoch.</param>
    /// <param name="drop_last">Skip the final batch when it has fewer than <paramref name="batchSize"/> samples.</param>
    /// <param name="seed">Seed for the shuffling order; null uses libtorch's global generator.</param>
    /// <param name="disposeBatch">Free each batch when the enumerator moves past it.</param>
    public DataLoader(Dataset dataset, int batchSize, bool shuffle = false, bool drop_last = false, int? seed = null, bool disposeBatch = true)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batch size must be at least 1, but is {batchSize}");
        _dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = drop_last;
        _disposeBatch = disposeBatch;
        if (shuffle && seed is { } s) _random = new Random(s);
    }

    /// <summary>The dataset being iterated.</summary>
    public Dataset Dataset => _dataset;

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the samples in a new random order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a final, smaller batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>Number of batches per epoch.</summary>
    public long Count
    {
        get
        {
            var n = _dataset.Count;
            return DropLast ? n / BatchSize : (n + BatchSize - 1) / BatchSize;
        }
    }

    /// <summary>Starts an epoch: the batches in order (a new shuffled order per epoch when shuffling).</summary>
    public IEnumerator<Tensor[]> GetEnumerator() => Epoch().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerable<Tensor[]> Epoch()
    {
        var n = _dataset.Count;
        var batches = Count;
        if (batches == 0) yield break;
        var order = Order(n);
        Tensor[]? previous = null;
        try
        {
            for (long b = 0; b < batches; b++)
            {
                if (_disposeBatch && previous is not null) Release(previous);
                previous = null;
                var start = b * BatchSize;
                var length = (int)Math.Min(BatchSize, n - start);
                Tensor[] batch;
                using (var indices = torch.tensor(new ReadOnlySpan<long>(order, (int)start, length)))
                    batch = _dataset.GetBatch(indices);
                previous = batch;
                yield return batch;
            }
        }
        finally
        {
            if (_disposeBatch && previous is not null) Release(previous);
        }
    }

    private long[] Order(long n)
    {
        if (n > Array.MaxLength) throw new NotSupportedException($"DataLoader supports at most {Array.MaxLength} samples, not {n}");
        if (!Shuffle)
        {
            var identity = new long[n];
            for (long i = 0; i < n; i++) identity[i] = i;
            return identity;
        }
        if (_random is null)
        {
            using var perm = torch.randperm(n);
            return perm.ToArray<long>();
        }
        var order = new long[n];
        for (long i = 0; i < n; i++) order[i] = i;
        lock (_random)
        {
            for (var i = n - 1; i > 0; i--)
            {
                var j = _random.NextInt64(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        return order;
    }

    private static void Release(Tensor[] batch)
    {
        foreach (var t in batch) t?.Dispose();
    }
}
