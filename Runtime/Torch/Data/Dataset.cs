namespace AttrDsl.Torch;

/// <summary>
/// A map-style dataset, as PyTorch's <c>torch.utils.data.Dataset</c>: a fixed number of samples, each a
/// tuple of tensors. <see cref="DataLoader"/> reads it in batches through <see cref="GetBatch"/>.
/// </summary>
public abstract class Dataset : IDisposable
{
    /// <summary>Number of samples.</summary>
    public abstract long Count { get; }

    /// <summary>Sample <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>): one tensor per field.</summary>
    public abstract Tensor[] GetItem(long index);

    /// <summary>
    /// The samples at <paramref name="indices"/> (a 1-D int64 tensor), one tensor per field with the batch as
    /// dimension 0. The default stacks <see cref="GetItem"/> rows; override it with something faster when you can.
    /// </summary>
    public virtual Tensor[] GetBatch(Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var ids = indices.ToArray<long>();
        if (ids.Length == 0) throw new ArgumentException("a batch needs at least one index", nameof(indices));
        var rows = new Tensor[ids.Length][];
        try
        {
            for (var i = 0; i < ids.Length; i++) rows[i] = GetItem(ids[i]);
            var fields = rows[0].Length;
            var batch = new Tensor[fields];
            for (var f = 0; f < fields; f++)
                batch[f] = torch.stack(rows.Select(r => r[f]).ToArray());
            return batch;
        }
        finally
        {
            foreach (var row in rows)
                if (row is not null) foreach (var t in row) t.Dispose();
        }
    }

    /// <summary>Releases what the dataset holds.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Override to release tensors the dataset owns.</summary>
    protected virtual void Dispose(bool disposing) { }
}
