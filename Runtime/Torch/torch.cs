using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AttrDsl.Torch.Native;

namespace AttrDsl.Torch;

/// <summary>
/// The entry point, shaped like TorchSharp's <c>torch</c>: tensor creation, joining, grad-mode scopes,
/// seeding, and the nested <see cref="nn"/>, <see cref="optim"/>, <see cref="autograd"/> and <see cref="utils"/> classes.
/// </summary>
public static unsafe partial class torch
{
#pragma warning disable CS1591
    public const ScalarType float32 = ScalarType.Float32;
    public const ScalarType float64 = ScalarType.Float64;
    public const ScalarType float16 = ScalarType.Float16;
    public const ScalarType int64 = ScalarType.Int64;
    public const ScalarType int32 = ScalarType.Int32;
    public const ScalarType int16 = ScalarType.Int16;
    public const ScalarType int8 = ScalarType.Int8;
    public const ScalarType uint8 = ScalarType.Byte;
    public const ScalarType @bool = ScalarType.Bool;
#pragma warning restore CS1591

    private static ScalarType s_defaultType = ScalarType.Float32;

    /// <summary>The element type of tensors created from shapes (zeros, rand, ...) when none is given.</summary>
    public static ScalarType get_default_dtype() => s_defaultType;

    /// <summary>Sets the default floating-point type (float32 or float64).</summary>
    public static void set_default_dtype(ScalarType type)
    {
        if (!type.IsFloatingPoint()) throw new ArgumentException($"the default dtype must be floating point, not {type}");
        s_defaultType = type;
    }

    private static int D(ScalarType? t) => (int)(t ?? s_defaultType);

    // ------------------------------------------------------------------ from .NET data

    /// <summary>A tensor holding a copy of <paramref name="data"/>, with the given shape (default: 1-D).</summary>
    public static Tensor tensor<T>(ReadOnlySpan<T> data, long[]? shape = null, ScalarType? dtype = null, bool requires_grad = false) where T : unmanaged
    {
        shape ??= [data.Length];
        long n = 1;
        foreach (var s in shape) n *= s;
        if (n != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {n} elements but {data.Length} values were given");
        var t = Empty(shape, ScalarTypeExtensions.Of<T>());
        if (n > 0) data.CopyTo(new Span<T>(t.DataPointer, data.Length));
        if (dtype is { } dt && dt != t.dtype)
        {
            var converted = t.to(dt);
            t.Dispose();
            t = converted;
        }
        if (requires_grad) t.requires_grad = true;
        return t;
    }

    /// <summary>A 1-D tensor holding a copy of <paramref name="data"/> (or reshaped to <paramref name="shape"/>).</summary>
    public static Tensor tensor<T>(T[] data, long[]? shape = null, ScalarType? dtype = null, bool requires_grad = false) where T : unmanaged =>
        tensor((ReadOnlySpan<T>)data, shape, dtype, requires_grad);

    /// <summary>A tensor from a .NET array of any rank (<c>float[,]</c>, <c>double[,,]</c>, ...), same shape.</summary>
    public static Tensor tensor(Array data, ScalarType? dtype = null, bool requires_grad = false)
    {
        var elem = data.GetType().GetElementType()!;
        var type = ScalarTypeExtensions.Of(elem);
        var shape = new long[data.Rank];
        for (var i = 0; i < shape.Length; i++) shape[i] = data.GetLength(i);
        var t = Empty(shape, type);
        var bytes = (long)data.Length * type.ElementSize();
        if (bytes > 0)
        {
            ref var src = ref MemoryMarshal.GetArrayDataReference(data);
            fixed (byte* p = &src) Buffer.MemoryCopy(p, t.DataPointer, bytes, bytes);
        }
        if (dtype is { } dt && dt != type) { var c = t.to(dt); t.Dispose(); t = c; }
        if (requires_grad) t.requires_grad = true;
        return t;
    }

    /// <summary>A 0-dim tensor holding one value.</summary>
    public static Tensor tensor(double value, ScalarType? dtype = null, bool requires_grad = false) =>
        tensor(new[] { value }, [], dtype ?? s_defaultType, requires_grad);

    /// <summary>Same as <see cref="tensor{T}(T[], long[], ScalarType?, bool)"/>.</summary>
    public static Tensor from_array<T>(T[] data, params long[] shape) where T : unmanaged => tensor(data, shape.Length == 0 ? null : shape);

    internal static Tensor Empty(long[] shape, ScalarType type)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (var i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= Math.Max(shape[i], 1); }
        nint h;
        fixed (long* ps = shape) fixed (long* pst = strides)
            NativeOps.CheckAoti(NativeOps.aoti_torch_empty_strided(shape.Length, ps, pst, (int)type, 0, 0, &h), $"empty_strided([{string.Join(", ", shape)}], {type})");
        return new Tensor(h);
    }

    // ------------------------------------------------------------------ factories

    /// <summary>Uninitialised values.</summary>
    public static Tensor empty(long[] size, ScalarType? dtype = null) => Empty(size, dtype ?? s_defaultType);
    /// <summary>All zeros.</summary>
    public static Tensor zeros(long[] size, ScalarType? dtype = null, bool requires_grad = false) { fixed (long* p = size) return Grad(new(NativeOps.zeros(p, size.Length, D(dtype), -1, -1, -1)), requires_grad); }
    /// <summary>All zeros.</summary>
    public static Tensor zeros(params long[] size) => zeros(size, null);
    /// <summary>All ones.</summary>
    public static Tensor ones(long[] size, ScalarType? dtype = null, bool requires_grad = false) { fixed (long* p = size) return Grad(new(NativeOps.ones(p, size.Length, D(dtype), -1, -1, -1)), requires_grad); }
    /// <summary>All ones.</summary>
    public static Tensor ones(params long[] size) => ones(size, null);
    /// <summary>Every element <paramref name="value"/>.</summary>
    public static Tensor full(long[] size, Scalar value, ScalarType? dtype = null, bool requires_grad = false)
    {
        var type = dtype ?? (value.IsFloatingPoint ? s_defaultType : ScalarType.Int64);
        fixed (long* p = size) return Grad(new(NativeOps.full(p, size.Length, &value, (int)type, -1, -1, -1)), requires_grad);
    }
    /// <summary>start, start+step, ... below stop. Integral arguments give int64 unless a dtype is given.</summary>
    public static Tensor arange(Scalar start, Scalar stop, Scalar? step = null, ScalarType? dtype = null)
    {
        var st = step ?? 1L;
        var type = dtype ?? (start.IsFloatingPoint || stop.IsFloatingPoint || st.IsFloatingPoint ? s_defaultType : ScalarType.Int64);
        return new(NativeOps.arange_start_step(&start, &stop, &st, (int)type, -1, -1, -1));
    }
    /// <summary>0, 1, ..., stop−1.</summary>
    public static Tensor arange(Scalar stop, ScalarType? dtype = null) => arange(0L, stop, 1L, dtype);
    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor linspace(double start, double end, long steps, ScalarType? dtype = null)
    {
        Scalar a = start, b = end;
        return new(NativeOps.linspace(&a, &b, steps, D(dtype), -1, -1, -1));
    }
    /// <summary>Identity matrix n×m (m defaults to n).</summary>
    public static Tensor eye(long n, long? m = null, ScalarType? dtype = null) => new(NativeOps.eye_m(n, m ?? n, D(dtype), -1, -1, -1));
    /// <summary>U(0, 1) samples from the global generator.</summary>
    public static Tensor rand(long[] size, ScalarType? dtype = null, bool requires_grad = false) { fixed (long* p = size) return Grad(new(NativeOps.rand(p, size.Length, D(dtype), -1, -1, -1)), requires_grad); }
    /// <summary>U(0, 1) samples.</summary>
    public static Tensor rand(params long[] size) => rand(size, null);
    /// <summary>N(0, 1) samples from the global generator.</summary>
    public static Tensor randn(long[] size, ScalarType? dtype = null, bool requires_grad = false) { fixed (long* p = size) return Grad(new(NativeOps.randn(p, size.Length, D(dtype), -1, -1, -1)), requires_grad); }
    /// <summary>N(0, 1) samples.</summary>
    public static Tensor randn(params long[] size) => randn(size, null);
    /// <summary>Uniform integers in [low, high).</summary>
    public static Tensor randint(long low, long high, long[] size, ScalarType? dtype = null) { fixed (long* p = size) return new(NativeOps.randint_low(low, high, p, size.Length, (int)(dtype ?? ScalarType.Int64), -1, -1, -1)); }
    /// <summary>Uniform integers in [0, high).</summary>
    public static Tensor randint(long high, long[] size, ScalarType? dtype = null) => randint(0, high, size, dtype);
    /// <summary>A random permutation of 0..n−1.</summary>
    public static Tensor randperm(long n, ScalarType? dtype = null) => new(NativeOps.randperm(n, (int)(dtype ?? ScalarType.Int64), -1, -1, -1));
    /// <summary>Zeros shaped like <paramref name="t"/>.</summary>
    public static Tensor zeros_like(Tensor t, ScalarType? dtype = null) => new(NativeOps.zeros_like(t.Handle, Tensor.Opt(dtype), -1, -1, -1, -1));
    /// <summary>Ones shaped like <paramref name="t"/>.</summary>
    public static Tensor ones_like(Tensor t, ScalarType? dtype = null) => new(NativeOps.ones_like(t.Handle, Tensor.Opt(dtype), -1, -1, -1, -1));
    /// <summary>A constant shaped like <paramref name="t"/>.</summary>
    public static Tensor full_like(Tensor t, Scalar value, ScalarType? dtype = null) => new(NativeOps.full_like(t.Handle, &value, Tensor.Opt(dtype), -1, -1, -1, -1));
    /// <summary>U(0, 1) shaped like <paramref name="t"/>.</summary>
    public static Tensor rand_like(Tensor t, ScalarType? dtype = null) => new(NativeOps.rand_like(t.Handle, Tensor.Opt(dtype), -1, -1, -1, -1));
    /// <summary>N(0, 1) shaped like <paramref name="t"/>.</summary>
    public static Tensor randn_like(Tensor t, ScalarType? dtype = null) => new(NativeOps.randn_like(t.Handle, Tensor.Opt(dtype), -1, -1, -1, -1));
    /// <summary>Uninitialised, shaped like <paramref name="t"/>.</summary>
    public static Tensor empty_like(Tensor t, ScalarType? dtype = null) => new(NativeOps.empty_like(t.Handle, Tensor.Opt(dtype), -1, -1, -1, -1));

    private static Tensor Grad(Tensor t, bool requiresGrad)
    {
        if (requiresGrad) t.requires_grad = true;
        return t;
    }

    // ------------------------------------------------------------------ joining and free functions

    /// <summary>Concatenates along an existing dimension.</summary>
    public static Tensor cat(IReadOnlyList<Tensor> tensors, long dim = 0) { var h = Tensor.Handles(tensors); fixed (nint* p = h) return new(NativeOps.cat(p, h.Length, dim)); }
    /// <summary>Stacks along a new dimension.</summary>
    public static Tensor stack(IReadOnlyList<Tensor> tensors, long dim = 0) { var h = Tensor.Handles(tensors); fixed (nint* p = h) return new(NativeOps.stack(p, h.Length, dim)); }
    /// <summary>Einstein summation, e.g. <c>einsum("ij,jk->ik", a, b)</c>.</summary>
    public static Tensor einsum(string equation, params Tensor[] tensors)
    {
        var eq = System.Text.Encoding.UTF8.GetBytes(equation);
        var h = Tensor.Handles(tensors);
        fixed (byte* pe = eq) fixed (nint* ph = h) return new(NativeOps.einsum(pe, eq.Length, ph, h.Length, null, -1));
    }
    /// <summary>Elementwise choice: x where condition holds, else y.</summary>
    public static Tensor where(Tensor condition, Tensor x, Tensor y) => new(NativeOps.where_self(condition.Handle, x.Handle, y.Handle));
    /// <summary>One-hot int64 encoding of class indices.</summary>
    public static Tensor one_hot(Tensor indices, long num_classes = -1) => new(NativeOps.one_hot(indices.Handle, num_classes));
    /// <summary>Matrix product.</summary>
    public static Tensor matmul(Tensor a, Tensor b) => a.matmul(b);
    /// <summary>2-D matrix product.</summary>
    public static Tensor mm(Tensor a, Tensor b) => a.mm(b);
    /// <summary>Batched matrix product.</summary>
    public static Tensor bmm(Tensor a, Tensor b) => a.bmm(b);
    /// <summary>Elementwise maximum.</summary>
    public static Tensor maximum(Tensor a, Tensor b) => a.maximum(b);
    /// <summary>Elementwise minimum.</summary>
    public static Tensor minimum(Tensor a, Tensor b) => a.minimum(b);
    /// <summary>Pairwise p-norm distances between the rows of a and b.</summary>
    public static Tensor cdist(Tensor a, Tensor b, double p = 2) => new(NativeOps.cdist(a.Handle, b.Handle, p, 0, 0));
    /// <summary>True when all |a − b| ≤ atol + rtol·|b|.</summary>
    public static bool allclose(Tensor a, Tensor b, double rtol = 1e-5, double atol = 1e-8)
    {
        using var scope = NewDisposeScope();
        return ((a - b).abs() <= (b.abs() * rtol + atol)).all().item<bool>();
    }

    // ------------------------------------------------------------------ global state

    /// <summary>Seeds the global CPU generator (rand, randn, dropout, init, shuffling).</summary>
    public static void manual_seed(long seed) => NativeOps.Check(NativeOps.ad_manual_seed(unchecked((ulong)seed)));
    /// <summary>Sets the number of intra-op threads libtorch uses.</summary>
    public static void set_num_threads(int threads) => NativeOps.Check(NativeOps.ad_set_num_threads(threads));
    /// <summary>The number of intra-op threads libtorch uses.</summary>
    public static int get_num_threads() => NativeOps.ad_get_num_threads();

    /// <summary>Opens a <see cref="DisposeScope"/>: every tensor created until it is disposed is freed with it.</summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>True when operations are being recorded for autograd on this thread.</summary>
    public static bool is_grad_enabled() => NativeOps.aoti_torch_grad_mode_is_enabled();
    /// <summary>Turns autograd recording off until the returned scope is disposed.</summary>
    public static IDisposable no_grad() => new GradModeScope(false);
    /// <summary>Turns autograd recording on until the returned scope is disposed.</summary>
    public static IDisposable enable_grad() => new GradModeScope(true);
    /// <summary>Sets the grad mode until the returned scope is disposed.</summary>
    public static IDisposable set_grad_enabled(bool enabled) => new GradModeScope(enabled);

    private sealed class GradModeScope : IDisposable
    {
        private readonly bool _previous;
        private bool _disposed;
        public GradModeScope(bool enabled)
        {
            _previous = NativeOps.aoti_torch_grad_mode_is_enabled();
            NativeOps.aoti_torch_grad_mode_set_enabled(enabled);
        }
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            NativeOps.aoti_torch_grad_mode_set_enabled(_previous);
        }
    }

    /// <summary>CPU device queries (the only device of this build).</summary>
    public static class cuda
    {
        /// <summary>Always false: AttrDsl binds the CPU build of libtorch.</summary>
        public static bool is_available() => false;
    }
}
