namespace AttrDsl.Torch;

/// <summary>
/// One entry of a tensor index, as in Python's <c>x[0, 1:3, ..., None, idx]</c>. Built implicitly
/// from an integer, a C# <see cref="Range"/> (<c>1..^1</c>), or a tensor (int64 indices or a bool mask).
/// </summary>
public readonly struct TensorIndex
{
    internal enum Kind { Single, Slice, Ellipsis, None, Tensor }

    internal Kind IndexKind { get; private init; }
    internal long Value { get; private init; }
    internal long? Start { get; private init; }
    internal long? Stop { get; private init; }
    internal long Step { get; private init; }
    internal Tensor? Indices { get; private init; }

    /// <summary>Python's <c>...</c>: as many full slices as needed.</summary>
    public static readonly TensorIndex Ellipsis = new() { IndexKind = Kind.Ellipsis };
    /// <summary>Python's <c>None</c>: a new dimension of size 1.</summary>
    public static readonly TensorIndex None = new() { IndexKind = Kind.None };
    /// <summary>Python's <c>:</c>.</summary>
    public static readonly TensorIndex Colon = Slice();

    /// <summary>Python's <c>start:stop:step</c> (negative values count from the end).</summary>
    public static TensorIndex Slice(long? start = null, long? stop = null, long step = 1) =>
        step <= 0 ? throw new ArgumentOutOfRangeException(nameof(step), "slice step must be positive (use flip() to reverse)") :
        new() { IndexKind = Kind.Slice, Start = start, Stop = stop, Step = step };

#pragma warning disable CS1591
    public static implicit operator TensorIndex(long i) => new() { IndexKind = Kind.Single, Value = i };
    public static implicit operator TensorIndex(int i) => new() { IndexKind = Kind.Single, Value = i };
    public static implicit operator TensorIndex(Index i) => new() { IndexKind = Kind.Single, Value = i.IsFromEnd ? -i.Value : i.Value };
    public static implicit operator TensorIndex(Range r) => Slice(
        r.Start.IsFromEnd ? -r.Start.Value : r.Start.Value,
        r.End.IsFromEnd ? (r.End.Value == 0 ? null : -r.End.Value) : r.End.Value);
    public static implicit operator TensorIndex(Tensor t) => new() { IndexKind = Kind.Tensor, Indices = t };
#pragma warning restore CS1591
}

public partial class Tensor
{
    /// <summary>
    /// Python-style indexing: <c>x[0]</c>, <c>x[.., 1..3]</c>, <c>x[TensorIndex.Ellipsis, 0]</c>,
    /// <c>x[idx]</c> with an int64 index vector, <c>x[mask]</c> with a bool mask (1-D result).
    /// Integer and range indices give views; assigning writes through them.
    /// </summary>
    public Tensor this[params TensorIndex[] indices]
    {
        get => Index(indices);
        set
        {
            if (indices is [{ IndexKind: TensorIndex.Kind.Tensor, Indices: { } mask }] && mask.dtype == ScalarType.Bool)
            {
                using var merged = value.where(mask, this);   // value where the mask holds, else the current values
                copy_(merged);
                return;
            }
            var k = Array.FindIndex(indices, i => i.IndexKind == TensorIndex.Kind.Tensor);
            if (k < 0)
            {
                using var view = Index(indices);
                view.copy_(value);
                return;
            }
            // Integer and range indices give views, an index tensor a copy: write through index_copy_
            // on the view selected by everything before it.
            if (k != indices.Length - 1)
                throw new NotSupportedException("assigning through an index tensor is supported when it is the last index (x[.., idx] = v); reorder with permute() first");
            var ix = indices[k].Indices!;
            using var target = Index(indices[..k]);
            var d = DimsConsumed(indices[..k], dim());
            var shape = target.shape;
            shape[d] = ix.numel();
            using var src = value.expand(shape);
            target.index_copy_(d, ix, src);
        }
    }

    /// <summary>The index_copy_ in place: rows of <paramref name="source"/> written at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor index_copy_(long dim, Tensor index, Tensor source)
    {
        AttrDsl.Torch.Native.NativeOps.index_copy_(Handle, dim, index.Handle, source.Handle);
        return this;
    }

    private static long DimsConsumed(TensorIndex[] prefix, long rank)
    {
        var consumed = prefix.Count(i => i.IndexKind is TensorIndex.Kind.Single or TensorIndex.Kind.Slice or TensorIndex.Kind.Tensor);
        long d = 0;
        foreach (var i in prefix)
            d += i.IndexKind switch
            {
                TensorIndex.Kind.Slice or TensorIndex.Kind.None => 1,
                TensorIndex.Kind.Ellipsis => rank - consumed - 1,   // the index tensor after the prefix consumes one more dim
                _ => 0,
            };
        return d;
    }

    private Tensor Index(TensorIndex[] indices)
    {
        if (indices is [{ IndexKind: TensorIndex.Kind.Tensor, Indices: { } m }] && m.dtype == ScalarType.Bool)
            return masked_select(m);

        var consumed = indices.Count(i => i.IndexKind is TensorIndex.Kind.Single or TensorIndex.Kind.Slice or TensorIndex.Kind.Tensor);
        if (indices.Count(i => i.IndexKind == TensorIndex.Kind.Ellipsis) > 1) throw new ArgumentException("an index can contain at most one Ellipsis");
        var rank = dim();
        if (consumed > rank) throw new IndexOutOfRangeException($"too many indices ({consumed}) for a tensor with {rank} dimensions");

        var current = alias();
        long d = 0;
        foreach (var idx in indices)
        {
            Tensor next;
            switch (idx.IndexKind)
            {
                case TensorIndex.Kind.Single:
                    next = current.select(d, idx.Value);
                    break;
                case TensorIndex.Kind.Slice:
                    next = current.slice(d, idx.Start, idx.Stop, idx.Step);
                    d++;
                    break;
                case TensorIndex.Kind.None:
                    next = current.unsqueeze(d);
                    d++;
                    break;
                case TensorIndex.Kind.Ellipsis:
                    d += rank - consumed;
                    continue;
                default:
                    var ix = idx.Indices!;
                    if (ix.dtype is not (ScalarType.Int64 or ScalarType.Int32) || ix.dim() != 1)
                        throw new ArgumentException($"a tensor index must be a 1-D int64 vector (got {ix}) or, alone, a bool mask");
                    next = current.index_select(d, ix);
                    d++;
                    break;
            }
            current.Dispose();
            current = next;
        }
        return current;
    }
}
