using System.Collections;
using AttrDsl.Attribution;
using AttrDsl.Internal;

namespace AttrDsl.Data;

/// <summary>
/// Mini-batches of (inputs, labels) over two tensors that hold a whole data set, for
/// <see cref="AttrDsl.Training.AttributionPriorTrainer.Fit(IEnumerable{ValueTuple{Tensor, Tensor}}, int, IProgress{AttrDsl.Training.TrainingProgress}?, System.Threading.CancellationToken)"/> and hand-written loops. Re-enumerable: every enumeration
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
    /// <exception cref="ArgumentNullException"><paramref name="inputs"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="inputs"/> or <paramref name="labels"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="inputs"/> or <paramref name="labels"/> is 0-dim, or they differ in
    /// the number of samples.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1.</exception>
    public Batches(Tensor inputs, Tensor labels, int batchSize, bool shuffle = false, int? seed = null, bool dropLast = false)
    {
        Checks.Live(inputs, "Batches", nameof(inputs));
        Checks.Live(labels, "Batches", nameof(labels));
        if (inputs.dim() < 1)
            throw new ArgumentException("Batches: inputs is a 0-dim tensor (shape []); pass all inputs with the samples along dimension 0 ([N, ...])", nameof(inputs));
        if (labels.dim() < 1)
            throw new ArgumentException("Batches: labels is a 0-dim tensor (shape []); pass one label row per sample ([N] or [N, ...])", nameof(labels));
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
    /// <exception cref="ObjectDisposedException">The inputs were disposed after this was made.</exception>
    public long Samples
    {
        get
        {
            Checks.Live(_inputs, "Batches.Samples", "inputs");
            return _inputs.size(0);
        }
    }

    /// <summary>Batches per epoch (what <see cref="AttrDsl.Training.AttributionPriorTrainer.Fit(IEnumerable{ValueTuple{Tensor, Tensor}}, int, IProgress{AttrDsl.Training.TrainingProgress}?, System.Threading.CancellationToken)"/>'s progress reports count to).</summary>
    public int Count => (int)(DropLast ? Samples / BatchSize : (Samples + BatchSize - 1) / BatchSize);

    /// <summary>One epoch of batches (see the class remarks on their lifetime).</summary>
    /// <exception cref="ObjectDisposedException">The inputs or labels were disposed after this was made (checked when
    /// the enumeration starts).</exception>
    public IEnumerator<(Tensor Inputs, Tensor Labels)> GetEnumerator()
    {
        Checks.Live(_inputs, "Batches.GetEnumerator", "inputs");
        Checks.Live(_labels, "Batches.GetEnumerator", "labels");
        return Epoch();
    }

    private IEnumerator<(Tensor Inputs, Tensor Labels)> Epoch()
    {
        foreach (var batch in Rows([_inputs, _labels], BatchSize, _random, DropLast))
            yield return (batch[0], batch[1]);
    }

    /// <summary>
    /// The engine of <see cref="Batches"/> and of other row-aligned batchers (inputs, labels and masks, say): the same rows of
    /// every tensor in <paramref name="parts"/>, <paramref name="batchSize"/> at a time, in order or in a permutation drawn
    /// from <paramref name="random"/> for this enumeration. Each batch is owned by the enumerator and disposed when it moves
    /// on (or ends); <c>clone()</c> a tensor to keep it.
    /// </summary>
    /// <param name="parts">Tensors with the same number of rows along dimension 0.</param>
    /// <param name="batchSize">Rows per batch, ≥ 1.</param>
    /// <param name="random">Shuffles the rows when given; null keeps their order.</param>
    /// <param name="dropLast">Skip a last batch smaller than <paramref name="batchSize"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parts"/> or one of its tensors is null.</exception>
    /// <exception cref="ObjectDisposedException">One of the tensors was disposed.</exception>
    /// <exception cref="ArgumentException">A tensor is 0-dim, or the tensors differ in the number of rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1.</exception>
    public static IEnumerable<Tensor[]> Rows(IReadOnlyList<Tensor> parts, int batchSize, Random? random, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"Batches.Rows: batchSize is {batchSize}; a batch has at least 1 row");
        for (var p = 0; p < parts.Count; p++)
        {
            Checks.Live(parts[p], "Batches.Rows", $"parts[{p}]");
            if (parts[p].dim() < 1)
                throw new ArgumentException($"Batches.Rows: parts[{p}] is a 0-dim tensor (shape []); every part needs its rows along dimension 0", nameof(parts));
            if (parts[p].size(0) != parts[0].size(0))
                throw new ArgumentException(
                    $"Batches.Rows: parts[{p}] has {parts[p].size(0)} rows (shape {Format.Shape(parts[p])}) but parts[0] has {parts[0].size(0)} (shape {Format.Shape(parts[0])}); " +
                    "every part needs the same rows along dimension 0 (one per sample)", nameof(parts));
        }
        return RowsOf(parts, batchSize, random, dropLast);
    }

    private static IEnumerable<Tensor[]> RowsOf(IReadOnlyList<Tensor> parts, int batchSize, Random? random, bool dropLast)
    {
        if (parts.Count == 0) yield break;
        var n = parts[0].size(0);
        long[]? order = null;
        if (random is not null)
        {
            order = new long[n];
            for (var i = 0; i < n; i++) order[i] = i;
            random.Shuffle(order);
        }
        for (var start = 0L; start < n; start += batchSize)
        {
            var length = Math.Min(batchSize, n - start);
            if (dropLast && length < batchSize) yield break;
            var batch = new Tensor[parts.Count];
            using (var scope = NewDisposeScope())
            {
                var idx = order is null ? null : tensor(order.AsSpan((int)start, (int)length).ToArray(), device: parts[0].device);
                for (var p = 0; p < parts.Count; p++)
                    batch[p] = (idx is null ? parts[p].narrow(0, start, length) : parts[p].index_select(0, idx.to(parts[p].device))).MoveToOuterDisposeScope();
            }
            // Detached from any scope of the caller's: this enumerator owns the batch until the next one.
            foreach (var t in batch) t.DetachFromDisposeScope();
            try
            {
                yield return batch;
            }
            finally
            {
                foreach (var t in batch) t.Dispose();
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
