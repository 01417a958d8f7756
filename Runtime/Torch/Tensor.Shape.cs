using AttrDsl.Torch.Native;

namespace AttrDsl.Torch;

// Views, shaping, joining, selection and dtype conversion.
public unsafe partial class Tensor
{
    internal static Tensor[] Wrap(nint[] handles)
    {
        var result = new Tensor[handles.Length];
        for (var i = 0; i < handles.Length; i++) result[i] = new Tensor(handles[i]);
        return result;
    }

    internal static nint[] Handles(IReadOnlyList<Tensor> tensors)
    {
        var h = new nint[tensors.Count];
        for (var i = 0; i < h.Length; i++) h[i] = tensors[i].Handle;
        return h;
    }

    /// <summary>Converts to another element type (a no-op copy-free view when it already is).</summary>
    public Tensor to(ScalarType type, bool copy = false) => new(NativeOps.to_dtype(Handle, (int)type, 0, copy ? 1 : 0, -1));
    /// <summary>Moves to a device; only "cpu" exists in this build.</summary>
    public Tensor to(string device)
    {
        if (device != "cpu") throw new NotSupportedException($"device '{device}' is not available: AttrDsl runs on the CPU build of libtorch; use \"cpu\".");
        return alias();
    }
    /// <summary>Converts to float32.</summary>
    public Tensor @float() => to(ScalarType.Float32);
    /// <summary>Converts to float64.</summary>
    public Tensor @double() => to(ScalarType.Float64);
    /// <summary>Converts to int64.</summary>
    public Tensor @long() => to(ScalarType.Int64);
    /// <summary>Converts to int32.</summary>
    public Tensor @int() => to(ScalarType.Int32);
    /// <summary>Converts to bool.</summary>
    public Tensor @bool() => to(ScalarType.Bool);
    /// <summary>Another handle to the same tensor (shares storage and autograd identity).</summary>
    public Tensor alias() { nint h; NativeOps.CheckAoti(NativeOps.aoti_torch_new_tensor_handle(Handle, &h), "new_tensor_handle"); return new(h); }
    /// <summary>A densely laid-out tensor with the same values (this tensor's storage when already contiguous).</summary>
    public Tensor contiguous() => new(NativeOps.contiguous(Handle, 0));
    /// <summary>A copy that still records the autograd history.</summary>
    public Tensor clone() => new(NativeOps.clone(Handle, -1));

    /// <summary>A view with another shape (one dimension may be −1).</summary>
    public Tensor view(params long[] shape) { fixed (long* p = shape) return new(NativeOps.view(Handle, p, shape.Length)); }
    /// <summary>Another shape, viewing when possible and copying otherwise.</summary>
    public Tensor reshape(params long[] shape) { fixed (long* p = shape) return new(NativeOps.reshape(Handle, p, shape.Length)); }
    /// <summary>Flattens dimensions start_dim..end_dim into one.</summary>
    public Tensor flatten(long start_dim = 0, long end_dim = -1) => new(NativeOps.flatten_using_ints(Handle, start_dim, end_dim));
    /// <summary>Splits dimension <paramref name="dim"/> into <paramref name="sizes"/>.</summary>
    public Tensor unflatten(long dim, params long[] sizes) { fixed (long* p = sizes) return new(NativeOps.unflatten_int(Handle, dim, p, sizes.Length)); }
    /// <summary>Removes all dimensions of size 1.</summary>
    public Tensor squeeze() => new(NativeOps.squeeze(Handle));
    /// <summary>Removes dimension <paramref name="dim"/> if its size is 1.</summary>
    public Tensor squeeze(long dim) => new(NativeOps.squeeze_dim(Handle, dim));
    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/>.</summary>
    public Tensor unsqueeze(long dim) => new(NativeOps.unsqueeze(Handle, dim));
    /// <summary>Reorders dimensions.</summary>
    public Tensor permute(params long[] dims) { fixed (long* p = dims) return new(NativeOps.permute(Handle, p, dims.Length)); }
    /// <summary>Swaps two dimensions.</summary>
    public Tensor transpose(long dim0, long dim1) => new(NativeOps.transpose_int(Handle, dim0, dim1));
    /// <summary>Transpose of a matrix (≤ 2 dims).</summary>
    public Tensor t() => new(NativeOps.t(Handle));
    /// <summary>Transpose of a matrix (≤ 2 dims).</summary>
    public Tensor T => t();
    /// <summary>Broadcasts size-1 dimensions to <paramref name="sizes"/> without copying (−1 keeps a size).</summary>
    public Tensor expand(params long[] sizes) { fixed (long* p = sizes) return new(NativeOps.expand(Handle, p, sizes.Length, 0)); }
    /// <summary>Broadcasts to the shape of <paramref name="other"/>.</summary>
    public Tensor expand_as(Tensor other) => new(NativeOps.expand_as(Handle, other.Handle));
    /// <summary>Tiles the tensor <paramref name="repeats"/> times along each dimension (copies).</summary>
    public Tensor repeat(params long[] repeats) { fixed (long* p = repeats) return new(NativeOps.repeat(Handle, p, repeats.Length)); }
    /// <summary>Pieces of size <paramref name="split_size"/> along <paramref name="dim"/> (the last may be smaller).</summary>
    public Tensor[] split(long split_size, long dim = 0) => Wrap(NativeOps.split_Tensor(Handle, split_size, dim));
    /// <summary>Pieces with the given sizes along <paramref name="dim"/>.</summary>
    public Tensor[] split(long[] sizes, long dim = 0) { fixed (long* p = sizes) return Wrap(NativeOps.split_with_sizes(Handle, p, sizes.Length, dim)); }
    /// <summary><paramref name="chunks"/> nearly equal pieces along <paramref name="dim"/>.</summary>
    public Tensor[] chunk(long chunks, long dim = 0) => Wrap(NativeOps.chunk(Handle, chunks, dim));
    /// <summary>The slices along <paramref name="dim"/>, each without that dimension.</summary>
    public Tensor[] unbind(long dim = 0) => Wrap(NativeOps.unbind_int(Handle, dim));
    /// <summary>A view of <paramref name="length"/> entries from <paramref name="start"/> along <paramref name="dim"/>.</summary>
    public Tensor narrow(long dim, long start, long length) => new(NativeOps.narrow(Handle, dim, start, length));
    /// <summary>The slice at <paramref name="index"/> along <paramref name="dim"/> (that dimension removed).</summary>
    public Tensor select(long dim, long index) => new(NativeOps.select_int(Handle, dim, index));
    /// <summary>Python's <c>x[start:end:step]</c> along <paramref name="dim"/>; null bounds mean the ends.</summary>
    public Tensor slice(long dim, long? start, long? end, long step = 1) =>
        new(NativeOps.slice_Tensor(Handle, dim, start ?? 0, start.HasValue ? 1 : 0, end ?? 0, end.HasValue ? 1 : 0, step));
    /// <summary>Rows (entries along <paramref name="dim"/>) picked by an int64 index vector.</summary>
    public Tensor index_select(long dim, Tensor index) => new(NativeOps.index_select(Handle, dim, index.Handle));
    /// <summary>out[i][j] = this[i][index[i][j]] (for dim 1).</summary>
    public Tensor gather(long dim, Tensor index) => new(NativeOps.gather(Handle, dim, index.Handle, 0));
    /// <summary>A copy with src written at index positions along <paramref name="dim"/>.</summary>
    public Tensor scatter(long dim, Tensor index, Tensor src) => new(NativeOps.scatter_src(Handle, dim, index.Handle, src.Handle));
    /// <summary>A copy with <paramref name="value"/> written at index positions along <paramref name="dim"/>.</summary>
    public Tensor scatter(long dim, Tensor index, Scalar value) => new(NativeOps.scatter_value(Handle, dim, index.Handle, &value));
    /// <summary>A copy with src added at index positions along <paramref name="dim"/>.</summary>
    public Tensor scatter_add(long dim, Tensor index, Tensor src) => new(NativeOps.scatter_add(Handle, dim, index.Handle, src.Handle));
    /// <summary>A copy with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public Tensor masked_fill(Tensor mask, Scalar value) => new(NativeOps.masked_fill_Scalar(Handle, mask.Handle, &value));
    /// <summary>A copy with a 0-dim tensor's value where <paramref name="mask"/> is true (differentiable in it).</summary>
    public Tensor masked_fill(Tensor mask, Tensor value) => new(NativeOps.masked_fill_Tensor(Handle, mask.Handle, value.Handle));
    /// <summary>The elements where <paramref name="mask"/> is true, as a 1-D tensor.</summary>
    public Tensor masked_select(Tensor mask) => new(NativeOps.masked_select(Handle, mask.Handle));
    /// <summary>Reverses the order along <paramref name="dims"/>.</summary>
    public Tensor flip(params long[] dims) { fixed (long* p = dims) return new(NativeOps.flip(Handle, p, dims.Length)); }
    /// <summary>Rolls elements along <paramref name="dims"/> by <paramref name="shifts"/>, wrapping around.</summary>
    public Tensor roll(long[] shifts, long[] dims) { fixed (long* s = shifts) fixed (long* d = dims) return new(NativeOps.roll(Handle, s, shifts.Length, d, dims.Length)); }
    /// <summary>Rolls by <paramref name="shift"/> along <paramref name="dim"/>.</summary>
    public Tensor roll(long shift, long dim) => roll([shift], [dim]);
    /// <summary>Lower triangle.</summary>
    public Tensor tril(long diagonal = 0) => new(NativeOps.tril(Handle, diagonal));
    /// <summary>Upper triangle.</summary>
    public Tensor triu(long diagonal = 0) => new(NativeOps.triu(Handle, diagonal));
    /// <summary>Diagonal matrix from a vector, or the diagonal of a matrix.</summary>
    public Tensor diag(long diagonal = 0) => new(NativeOps.diag(Handle, diagonal));
    /// <summary>Indices of the non-zero elements, one row per element.</summary>
    public Tensor nonzero() => new(NativeOps.nonzero(Handle));
}
