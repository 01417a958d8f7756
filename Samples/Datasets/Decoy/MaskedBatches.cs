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
        foreach (var batch in AttrDsl.Data.Batches.Rows([_inputs, _labels, _masks], BatchSize, _random))
            yield return (batch[0], batch[1], batch[2]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
