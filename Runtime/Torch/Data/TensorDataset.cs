namespace AttrDsl.Torch;

/// <summary>
/// A dataset over tensors that share their first dimension, as PyTorch's <c>TensorDataset</c>: sample i is
/// <c>(t[i] for t in tensors)</c>. Create it with <see cref="torch.utils.data.TensorDataset"/>.
/// </summary>
/// <remarks>
/// The dataset keeps its own handles to the tensors (same storage, outside every <see cref="DisposeScope"/>), so
/// it stays usable after the caller disposes the tensors it passed in; <see cref="Dataset.Dispose()"/> releases them.
/// </remarks>
public sealed class TensorDataset : Dataset
{
    private readonly Tensor[] _tensors;
    private readonly long _count;

    /// <summary>A dataset whose sample i is row i of every tensor in <paramref name="tensors"/>.</summary>
    /// <exception cref="ArgumentException">No tensors, a 0-dim tensor, or tensors of different lengths along dim 0.</exception>
    public TensorDataset(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("TensorDataset needs at least one tensor", nameof(tensors));
        var lengths = new long[tensors.Length];
        for (var i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"tensor {i} is null");
            if (t.IsInvalid) throw new ArgumentException($"tensor {i} was disposed", nameof(tensors));
            if (t.dim() == 0) throw new ArgumentException($"tensor {i} is 0-dim; every tensor of a TensorDataset needs a first (sample) dimension", nameof(tensors));
            lengths[i] = t.size(0);
        }
        if (lengths.Distinct().Count() > 1)
            throw new ArgumentException($"all tensors of a TensorDataset must have the same length along dim 0, but the lengths are [{string.Join(", ", lengths)}]", nameof(tensors));
        _count = lengths[0];
        _tensors = tensors.Select(t => t.alias().DetachFromDisposeScope()).ToArray();
    }

    /// <inheritdoc/>
    public override long Count => _count;

    /// <summary>The tensors the samples are taken from (the dataset's own handles; do not dispose them).</summary>
    public IReadOnlyList<Tensor> Tensors => _tensors;

    /// <summary>Row <paramref name="index"/> of every tensor, as views of the dataset's storage.</summary>
    public override Tensor[] GetItem(long index)
    {
        if (index < 0 || index >= _count)
            throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is out of range for a dataset of {_count} samples");
        return _tensors.Select(t => t.select(0, index)).ToArray();
    }

    /// <summary>The rows at <paramref name="indices"/> of every tensor, gathered with one <c>index_select</c> each (copies).</summary>
    public override Tensor[] GetBatch(Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var batch = new Tensor[_tensors.Length];
        try
        {
            for (var i = 0; i < batch.Length; i++) batch[i] = _tensors[i].index_select(0, indices);
            return batch;
        }
        catch
        {
            foreach (var t in batch) t?.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        foreach (var t in _tensors) t.Dispose();
    }
}
