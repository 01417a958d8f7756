using AttrDsl.Torch.Native;

namespace AttrDsl.Torch;

// Reductions, linear algebra and sorting.
public unsafe partial class Tensor
{
    /// <summary>Sum of all elements.</summary>
    public Tensor sum(ScalarType? type = null) => new(NativeOps.sum(Handle, Opt(type)));
    /// <summary>Sum over one dimension.</summary>
    public Tensor sum(long dim, bool keepdim = false, ScalarType? type = null) => sum([dim], keepdim, type);
    /// <summary>Sum over dimensions.</summary>
    public Tensor sum(long[] dims, bool keepdim = false, ScalarType? type = null) { fixed (long* p = dims) return new(NativeOps.sum_dim_IntList(Handle, p, dims.Length, keepdim ? 1 : 0, Opt(type))); }
    /// <summary>Sum over one dimension (an <c>int</c> literal would otherwise bind to the dtype overload).</summary>
    public Tensor sum(int dim, bool keepdim = false, ScalarType? type = null) => sum([(long)dim], keepdim, type);
    /// <summary>Mean of all elements.</summary>
    public Tensor mean(ScalarType? type = null) => new(NativeOps.mean(Handle, Opt(type)));
    /// <summary>Mean over one dimension.</summary>
    public Tensor mean(long dim, bool keepdim = false, ScalarType? type = null) => mean([dim], keepdim, type);
    /// <summary>Mean over dimensions.</summary>
    public Tensor mean(long[] dims, bool keepdim = false, ScalarType? type = null) { fixed (long* p = dims) return new(NativeOps.mean_dim(Handle, p, dims.Length, keepdim ? 1 : 0, Opt(type))); }
    /// <summary>Mean over one dimension.</summary>
    public Tensor mean(int dim, bool keepdim = false, ScalarType? type = null) => mean([(long)dim], keepdim, type);
    /// <summary>Product of all elements.</summary>
    public Tensor prod(ScalarType? type = null) => new(NativeOps.prod(Handle, Opt(type)));
    /// <summary>Product over one dimension.</summary>
    public Tensor prod(long dim, bool keepdim = false, ScalarType? type = null) => new(NativeOps.prod_dim_int(Handle, dim, keepdim ? 1 : 0, Opt(type)));
    /// <summary>Product over one dimension.</summary>
    public Tensor prod(int dim, bool keepdim = false, ScalarType? type = null) => prod((long)dim, keepdim, type);
    /// <summary>Largest element.</summary>
    public Tensor max() => new(NativeOps.max(Handle));
    /// <summary>Largest values and their indices along <paramref name="dim"/>.</summary>
    public (Tensor values, Tensor indexes) max(long dim, bool keepdim = false) { var (v, i) = NativeOps.max_dim(Handle, dim, keepdim ? 1 : 0); return (new(v), new(i)); }
    /// <summary>Smallest element.</summary>
    public Tensor min() => new(NativeOps.min(Handle));
    /// <summary>Smallest values and their indices along <paramref name="dim"/>.</summary>
    public (Tensor values, Tensor indexes) min(long dim, bool keepdim = false) { var (v, i) = NativeOps.min_dim(Handle, dim, keepdim ? 1 : 0); return (new(v), new(i)); }
    /// <summary>Largest values over dimensions (no indices).</summary>
    public Tensor amax(long[] dims, bool keepdim = false) { fixed (long* p = dims) return new(NativeOps.amax(Handle, p, dims.Length, keepdim ? 1 : 0)); }
    /// <summary>Smallest values over dimensions (no indices).</summary>
    public Tensor amin(long[] dims, bool keepdim = false) { fixed (long* p = dims) return new(NativeOps.amin(Handle, p, dims.Length, keepdim ? 1 : 0)); }
    /// <summary>Index of the largest element (flattened when <paramref name="dim"/> is null).</summary>
    public Tensor argmax(long? dim = null, bool keepdim = false) => new(NativeOps.argmax(Handle, dim ?? 0, dim.HasValue ? 1 : 0, keepdim ? 1 : 0));
    /// <summary>Index of the smallest element (flattened when <paramref name="dim"/> is null).</summary>
    public Tensor argmin(long? dim = null, bool keepdim = false) => new(NativeOps.argmin(Handle, dim ?? 0, dim.HasValue ? 1 : 0, keepdim ? 1 : 0));
    /// <summary>Standard deviation (Bessel-corrected unless <paramref name="unbiased"/> is false).</summary>
    public Tensor std(bool unbiased = true) { Scalar c = unbiased ? 1L : 0L; return new(NativeOps.std_correction(Handle, null, -1, &c, 0)); }
    /// <summary>Standard deviation over dimensions.</summary>
    public Tensor std(long[] dims, bool unbiased = true, bool keepdim = false) { Scalar c = unbiased ? 1L : 0L; fixed (long* p = dims) return new(NativeOps.std_correction(Handle, p, dims.Length, &c, keepdim ? 1 : 0)); }
    /// <summary>Standard deviation over one dimension.</summary>
    public Tensor std(long dim, bool unbiased = true, bool keepdim = false) => std([dim], unbiased, keepdim);
    /// <summary>Variance (Bessel-corrected unless <paramref name="unbiased"/> is false).</summary>
    public Tensor var(bool unbiased = true) { Scalar c = unbiased ? 1L : 0L; return new(NativeOps.var_correction(Handle, null, -1, &c, 0)); }
    /// <summary>Variance over dimensions.</summary>
    public Tensor var(long[] dims, bool unbiased = true, bool keepdim = false) { Scalar c = unbiased ? 1L : 0L; fixed (long* p = dims) return new(NativeOps.var_correction(Handle, p, dims.Length, &c, keepdim ? 1 : 0)); }
    /// <summary>Variance over one dimension.</summary>
    public Tensor var(long dim, bool unbiased = true, bool keepdim = false) => var([dim], unbiased, keepdim);
    /// <summary>The p-norm of all elements (p = 2 by default; ∞ allowed).</summary>
    public Tensor norm(double p = 2) { Scalar s = p; return new(NativeOps.linalg_vector_norm(Handle, &s, null, -1, 0, -1)); }
    /// <summary>The p-norm over dimensions.</summary>
    public Tensor norm(long[] dims, double p = 2, bool keepdim = false) { Scalar s = p; fixed (long* d = dims) return new(NativeOps.linalg_vector_norm(Handle, &s, d, dims.Length, keepdim ? 1 : 0, -1)); }
    /// <summary>The p-norm over one dimension: <c>x.norm(2, 1)</c> as PyTorch's <c>x.norm(p=2, dim=1)</c> (p comes first, so <c>x.norm(1)</c> is the 1-norm).</summary>
    public Tensor norm(double p, long dim, bool keepdim = false) => norm([dim], p, keepdim);
    /// <summary>Running sum along <paramref name="dim"/>.</summary>
    public Tensor cumsum(long dim, ScalarType? type = null) => new(NativeOps.cumsum(Handle, dim, Opt(type)));
    /// <summary>Running product along <paramref name="dim"/>.</summary>
    public Tensor cumprod(long dim, ScalarType? type = null) => new(NativeOps.cumprod(Handle, dim, Opt(type)));
    /// <summary>log Σ exp over dimensions, computed stably.</summary>
    public Tensor logsumexp(long[] dims, bool keepdim = false) { fixed (long* p = dims) return new(NativeOps.logsumexp(Handle, p, dims.Length, keepdim ? 1 : 0)); }
    /// <summary>log Σ exp over one dimension.</summary>
    public Tensor logsumexp(long dim, bool keepdim = false) => logsumexp([dim], keepdim);
    /// <summary>True if every element is non-zero.</summary>
    public Tensor all() => new(NativeOps.all(Handle));
    /// <summary>True if any element is non-zero.</summary>
    public Tensor any() => new(NativeOps.any(Handle));
    /// <summary>All along a dimension.</summary>
    public Tensor all(long dim, bool keepdim = false) => new(NativeOps.all_dim(Handle, dim, keepdim ? 1 : 0));
    /// <summary>Any along a dimension.</summary>
    public Tensor any(long dim, bool keepdim = false) => new(NativeOps.any_dim(Handle, dim, keepdim ? 1 : 0));
    /// <summary>The lower median of all elements.</summary>
    public Tensor median() => new(NativeOps.median(Handle));
    /// <summary>Number of non-zero elements.</summary>
    public Tensor count_nonzero(long? dim = null) => new(NativeOps.count_nonzero(Handle, dim ?? 0, dim.HasValue ? 1 : 0));

    /// <summary>Matrix product of two 2-D tensors.</summary>
    public Tensor mm(Tensor other) => new(NativeOps.mm(Handle, other.Handle));
    /// <summary>NumPy-style matrix product with broadcasting batch dimensions.</summary>
    public Tensor matmul(Tensor other) => new(NativeOps.matmul(Handle, other.Handle));
    /// <summary>Batched matrix product of two 3-D tensors.</summary>
    public Tensor bmm(Tensor other) => new(NativeOps.bmm(Handle, other.Handle));
    /// <summary>beta·this + alpha·(m1 @ m2).</summary>
    public Tensor addmm(Tensor m1, Tensor m2, Scalar? beta = null, Scalar? alpha = null) { var b = beta ?? One; var a = alpha ?? One; return new(NativeOps.addmm(Handle, m1.Handle, m2.Handle, &b, &a)); }
    /// <summary>Outer product of two vectors.</summary>
    public Tensor outer(Tensor other) => new(NativeOps.outer(Handle, other.Handle));
    /// <summary>Dot product of two vectors.</summary>
    public Tensor dot(Tensor other) => new(NativeOps.dot(Handle, other.Handle));

    /// <summary>Sorted values and the permutation that sorts.</summary>
    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false) { var (v, i) = NativeOps.sort(Handle, dim, descending ? 1 : 0); return (new(v), new(i)); }
    /// <summary>The permutation that sorts along <paramref name="dim"/>.</summary>
    public Tensor argsort(long dim = -1, bool descending = false) => new(NativeOps.argsort(Handle, dim, descending ? 1 : 0));
    /// <summary>The k largest (or smallest) values and their indices.</summary>
    public (Tensor values, Tensor indices) topk(long k, long dim = -1, bool largest = true, bool sorted = true) { var (v, i) = NativeOps.topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0); return (new(v), new(i)); }
    /// <summary>The k-th smallest value and its index along <paramref name="dim"/>.</summary>
    public (Tensor values, Tensor indices) kthvalue(long k, long dim = -1, bool keepdim = false) { var (v, i) = NativeOps.kthvalue(Handle, k, dim, keepdim ? 1 : 0); return (new(v), new(i)); }

    /// <summary>softmax along <paramref name="dim"/>.</summary>
    public Tensor softmax(long dim, ScalarType? type = null) => new(NativeOps.softmax_int(Handle, dim, Opt(type)));
    /// <summary>log softmax along <paramref name="dim"/>.</summary>
    public Tensor log_softmax(long dim, ScalarType? type = null) => new(NativeOps.log_softmax_int(Handle, dim, Opt(type)));
}
