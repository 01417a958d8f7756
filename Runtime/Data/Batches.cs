using System.Collections;

namespace AttrDsl.Data;

/// <summary>
/// Mini-batches of (inputs, labels) over two tensors that hold a whole data set, for
/// <see cref="AttrDsl.Training.AttributionPriorTrainer.Fit(IEnumerable{ValueTuple{Tensor, Tensor}}, int, bool)"/> and hand-written loops. Re-enumerable: every enumeration
/// is one epoch; with <c>shuffle</c> each epoch draws a new permutation from a generator seeded once, so a run with the
/// same seed sees the same batches in the same order.
/// </summary>
/// <remarks>
/// As TorchSharp's <c>DataLoader</c>, each batch is disposed when the enumeration moves to the next one (or ends);
/// <c>clone()</c> a batch to keep it. Batches live on the device of the data.
/// </remarks>
public sealed class Batches : IReadOnlyCollection<(Tensor Inputs, Tensor Labels)>
{
    private readonly Tensor _inputs;
    private readonly Tensor _labels;
    private readonly Random? _random;

    /// <summary>Batches of <paramref name="batchSize"/> rows of <paramref name="inputs"/> [N, ...] and <paramref name="labels"/> [N, ...].</summary>
    /// <param name="inputs">All inputs, samples along dimension 0.</param>
    /// <param name="labels">All labels (or targets), one row per sample.</param>
    /// <param name="batchSize">Rows per batch (≥ 1); the last batch may be smaller unless <paramref name="dropLast"/>.</param>
    /// <param name="shuffle">Visit the samples in a new random order every epoch.</param>
    /// <param name="seed">Seed of the shuffling (null: a random seed).</param>
    /// <param name="dropLast">Skip a last batch smaller than <paramref name="batchSize"/>.</param>
    public Batches(Tensor inputs, Tensor labels, int batchSize, bool shuffle = false, int? seed = null, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        if (inputs.dim() < 1 || labels.dim() < 1)
            throw new ArgumentException("inputs and labels must have the samples along dimension 0");
        if (inputs.size(0) != labels.size(0))
            throw new ArgumentException($"inputs have {inputs.size(0)} samples but labels have {labels.size(0)}; give one label row per sample", nameof(labels));
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "the batch size must be at least 1");
        _inputs = inputs;
        _labels = labels;
        BatchSize = batchSize;
        DropLast = dropLast;
        _random = shuffle ? (seed is int s ? new Random(s) : new Random()) : null;
    }

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether a short last batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>Number of samples.</summary>
    public long Samples => _inputs.size(0);

    /// <summary>Batches per epoch (what <see cref="AttrDsl.Training.AttributionPriorTrainer.Fit(IEnumerable{ValueTuple{Tensor, Tensor}}, int, bool)"/>'s progress bar counts to).</summary>
    public int Count => (int)(DropLast ? Samples / BatchSize : (Samples + BatchSize - 1) / BatchSize);

    /// <inheritdoc/>
    public IEnumerator<(Tensor Inputs, Tensor Labels)> GetEnumerator()
    {
        var n = Samples;
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
            if (DropLast && length < BatchSize) yield break;
            Tensor x, y;
            using (var scope = NewDisposeScope())
            {
                if (order is null)
                {
                    x = _inputs.narrow(0, start, length).MoveToOuterDisposeScope();
                    y = _labels.narrow(0, start, length).MoveToOuterDisposeScope();
                }
                else
                {
                    var idx = tensor(order.AsSpan((int)start, (int)length).ToArray(), device: _inputs.device);
                    x = _inputs.index_select(0, idx).MoveToOuterDisposeScope();
                    y = _labels.index_select(0, idx.to(_labels.device)).MoveToOuterDisposeScope();
                }
            }
            // Detached from any scope of the caller's: this enumerator owns the batch until the next one.
            x.DetachFromDisposeScope();
            y.DetachFromDisposeScope();
            try
            {
                yield return (x, y);
            }
            finally
            {
                x.Dispose();
                y.Dispose();
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
