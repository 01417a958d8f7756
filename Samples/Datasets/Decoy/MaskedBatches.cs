using System.Collections;

namespace AttrDsl.Datasets.Decoy;

/// <summary>
/// Re-enumerable mini-batches of (inputs, labels, masks) over three tensors with the samples along dimension 0, in
/// order or shuffled by a seeded <see cref="Random"/> (a new permutation per enumeration). Each batch's tensors are
/// owned by the enumerator and disposed when it moves on, as <see cref="AttrDsl.Data.Batches"/> does.
/// </summary>
public sealed class MaskedBatches : IReadOnlyCollection<(Tensor Inputs, Tensor Labels, Tensor Masks)>
{
    private readonly Tensor _inputs, _labels, _masks;
    private readonly Random? _random;

    /// <summary>Creates the batches.</summary>
    /// <exception cref="ArgumentException">The tensors do not hold the same number of samples.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> &lt; 1.</exception>
    public MaskedBatches(Tensor inputs, Tensor labels, Tensor masks, int batchSize, bool shuffle = false, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(masks);
        if (inputs.dim() < 1 || labels.dim() < 1 || masks.dim() < 1 || labels.size(0) != inputs.size(0) || masks.size(0) != inputs.size(0))
            throw new ArgumentException(
                $"inputs [{string.Join(", ", inputs.shape)}], labels [{string.Join(", ", labels.shape)}] and masks [{string.Join(", ", masks.shape)}] " +
                "must hold the same number of samples along dimension 0");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        (_inputs, _labels, _masks, BatchSize) = (inputs, labels, masks, batchSize);
        _random = shuffle ? (seed is int s ? new Random(s) : new Random()) : null;
    }

    /// <summary>Samples per batch (the last batch may be smaller).</summary>
    public int BatchSize { get; }

    /// <summary>Batches per enumeration.</summary>
    public int Count => (int)((_inputs.size(0) + BatchSize - 1) / BatchSize);

    /// <inheritdoc/>
    public IEnumerator<(Tensor Inputs, Tensor Labels, Tensor Masks)> GetEnumerator()
    {
        var n = _inputs.size(0);
        long[]? order = null;
        if (_random is not null)
        {
            order = new long[n];
            for (var i = 0; i < n; i++) order[i] = i;
            _random.Shuffle(order);
        }
        for (var start = 0L; start < n; start += BatchSize)
        {
            var length = Math.Min(BatchSize, n - start);
            Tensor x, y, m;
            using (var scope = NewDisposeScope())
            {
                if (order is null)
                    (x, y, m) = (_inputs.narrow(0, start, length), _labels.narrow(0, start, length), _masks.narrow(0, start, length));
                else
                {
                    var idx = tensor(order.AsSpan((int)start, (int)length).ToArray(), device: _inputs.device);
                    (x, y, m) = (_inputs.index_select(0, idx), _labels.index_select(0, idx.to(_labels.device)), _masks.index_select(0, idx.to(_masks.device)));
                }
                x.MoveToOuterDisposeScope();
                y.MoveToOuterDisposeScope();
                m.MoveToOuterDisposeScope();
            }
            x.DetachFromDisposeScope();
            y.DetachFromDisposeScope();
            m.DetachFromDisposeScope();
            try
            {
                yield return (x, y, m);
            }
            finally
            {
                x.Dispose();
                y.Dispose();
                m.Dispose();
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
