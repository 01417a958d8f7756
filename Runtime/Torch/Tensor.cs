using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using AttrDsl.Torch.Native;

namespace AttrDsl.Torch;

/// <summary>
/// A libtorch tensor. Owns one native handle (a heap <c>at::Tensor</c>); several C# tensors may share
/// storage (views). Freed by <see cref="Dispose"/>, by the <see cref="DisposeScope"/> it was created in,
/// or, as the last resort, by the finalizer. The API mirrors TorchSharp's (and PyTorch's) names.
/// </summary>
public unsafe partial class Tensor : IDisposable
{
    private nint _handle;

    internal Tensor(nint handle) : this(handle, registerInScope: true) { }

    /// <summary>Wraps a handle; <paramref name="registerInScope"/> false is for parameters and buffers, which outlive scopes.</summary>
    private protected Tensor(nint handle, bool registerInScope)
    {
        if (handle == 0) throw new ArgumentException("null tensor handle", nameof(handle));
        _handle = handle;
        if (!registerInScope) return;
        OwningScope = DisposeScope.Current;
        OwningScope?.Register(this);
    }

    /// <summary>
    /// Points this object at another native tensor and releases the old one: lets a parameter keep
    /// its identity (optimizers hold it) while its storage changes dtype or is loaded.
    /// </summary>
    private protected void ReplaceHandle(nint handle)
    {
        var old = Interlocked.Exchange(ref _handle, handle);
        if (old != 0) NativeOps.aoti_torch_delete_tensor_object(old);
    }

    /// <summary>Takes the native handle out of this object, leaving it disposed (used to move ownership).</summary>
    internal nint StealHandle()
    {
        var h = Interlocked.Exchange(ref _handle, 0);
        if (h == 0) throw new ObjectDisposedException(nameof(Tensor));
        OwningScope?.Remove(this);
        OwningScope = null;
        GC.SuppressFinalize(this);
        return h;
    }

    /// <summary>The scope that will free this tensor, if any.</summary>
    internal DisposeScope? OwningScope { get; set; }

    /// <summary>The native handle; throws once disposed.</summary>
    internal nint Handle
    {
        get
        {
            var h = _handle;
            if (h == 0) throw new ObjectDisposedException(nameof(Tensor), "This tensor was disposed (explicitly or by its DisposeScope). Move tensors you keep out of the scope with MoveToOuterDisposeScope() or DetachFromDisposeScope().");
            return h;
        }
    }

    /// <summary>True once the native tensor has been released.</summary>
    public bool IsInvalid => _handle == 0;

    /// <summary>Releases the native tensor now.</summary>
    public void Dispose()
    {
        var h = Interlocked.Exchange(ref _handle, 0);
        if (h == 0) return;
        OwningScope?.Remove(this);
        OwningScope = null;
        NativeOps.aoti_torch_delete_tensor_object(h);
        GC.SuppressFinalize(this);
    }

    /// <summary>Last resort for tensors never disposed: release the native reference.</summary>
    ~Tensor()
    {
        var h = Interlocked.Exchange(ref _handle, 0);
        if (h != 0) NativeOps.aoti_torch_delete_tensor_object(h);
    }

    /// <summary>Hands this tensor to the scope outside its current one (or to none) and returns it.</summary>
    public Tensor MoveToOuterDisposeScope()
    {
        OwningScope?.MoveToOuter(this);
        return this;
    }

    /// <summary>Removes this tensor from every dispose scope: you dispose it (or the finalizer does).</summary>
    public Tensor DetachFromDisposeScope()
    {
        OwningScope?.Remove(this);
        OwningScope = null;
        return this;
    }

    // ---------------------------------------------------------------- metadata

    /// <summary>Number of dimensions.</summary>
    public long dim() { long d; NativeOps.CheckAoti(NativeOps.aoti_torch_get_dim(Handle, &d), "get_dim"); return d; }

    /// <summary>Number of dimensions.</summary>
    public long ndim => dim();

    /// <summary>Number of dimensions.</summary>
    public long Dimensions => dim();

    /// <summary>The sizes of all dimensions.</summary>
    public long[] shape
    {
        get
        {
            var n = dim();
            long* sizes;
            NativeOps.CheckAoti(NativeOps.aoti_torch_get_sizes(Handle, &sizes), "get_sizes");
            return new ReadOnlySpan<long>(sizes, (int)n).ToArray();
        }
    }

    /// <summary>The strides (in elements) of all dimensions.</summary>
    public long[] stride()
    {
        var n = dim();
        long* s;
        NativeOps.CheckAoti(NativeOps.aoti_torch_get_strides(Handle, &s), "get_strides");
        return new ReadOnlySpan<long>(s, (int)n).ToArray();
    }

    /// <summary>The size of dimension <paramref name="d"/> (negative counts from the end).</summary>
    public long size(long d)
    {
        var s = shape;
        var k = d < 0 ? d + s.Length : d;
        if (k < 0 || k >= s.Length) throw new ArgumentOutOfRangeException(nameof(d), $"dimension {d} is out of range for a tensor of shape [{string.Join(", ", s)}]");
        return s[k];
    }

    /// <summary>The sizes of all dimensions.</summary>
    public long[] size() => shape;

    /// <summary>Total number of elements.</summary>
    public long numel() { long n; NativeOps.CheckAoti(NativeOps.aoti_torch_get_numel(Handle, &n), "get_numel"); return n; }

    /// <summary>Total number of elements.</summary>
    public long NumberOfElements => numel();

    /// <summary>The element type.</summary>
    public ScalarType dtype { get { int t; NativeOps.CheckAoti(NativeOps.aoti_torch_get_dtype(Handle, &t), "get_dtype"); return (ScalarType)t; } }

    /// <summary>The device; this build of libtorch is CPU-only.</summary>
    public string device => "cpu";

    /// <summary>True for float16/32/64 and bfloat16.</summary>
    public bool is_floating_point() => dtype.IsFloatingPoint();

    // ---------------------------------------------------------------- reading back

    /// <summary>Copies the elements (row-major, any rank) into a new array.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        CheckElementType<T>();
        using var c = contiguous();
        var n = c.numel();
        var result = new T[n];
        if (n == 0) return result;
        void* p;
        NativeOps.CheckAoti(NativeOps.aoti_torch_get_data_ptr(c.Handle, &p), "get_data_ptr");
        new ReadOnlySpan<T>(p, checked((int)n)).CopyTo(result);
        return result;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public T item<T>() where T : unmanaged
    {
        var n = numel();
        if (n != 1) throw new InvalidOperationException($"item() needs a tensor with exactly one element; this one has {n} (shape [{string.Join(", ", shape)}]). Reduce it first, e.g. with sum() or mean().");
        return ToArray<T>()[0];
    }

    /// <summary>The value of a one-element tensor of any dtype, as a double (TorchSharp's <c>ToDouble()</c>).</summary>
    public double ToDouble() => Scalar1<double>(ScalarType.Float64);
    /// <summary>The value of a one-element tensor of any dtype, as a float.</summary>
    public float ToSingle() => Scalar1<float>(ScalarType.Float32);
    /// <summary>The value of a one-element tensor of any dtype, as an int64 (truncating floats).</summary>
    public long ToInt64() => Scalar1<long>(ScalarType.Int64);
    /// <summary>The value of a one-element tensor of any dtype, as a bool (non-zero is true).</summary>
    public bool ToBoolean() => Scalar1<bool>(ScalarType.Bool);

    private T Scalar1<T>(ScalarType type) where T : unmanaged
    {
        if (dtype == type) return item<T>();
        using var converted = to(type);
        return converted.item<T>();
    }

    /// <summary>A copy of the elements with an indexer, as TorchSharp's <c>data&lt;T&gt;()</c>.</summary>
    public TensorAccessor<T> data<T>() where T : unmanaged => new(ToArray<T>());

    /// <summary>Pointer to the first element of a contiguous tensor (for zero-copy interop; keep the tensor alive).</summary>
    public void* DataPointer
    {
        get
        {
            void* p;
            NativeOps.CheckAoti(NativeOps.aoti_torch_get_data_ptr(Handle, &p), "get_data_ptr");
            return p;
        }
    }

    /// <summary>True when the elements are laid out densely in row-major order.</summary>
    public bool is_contiguous()
    {
        var s = shape;
        var st = stride();
        long expected = 1;
        for (var i = s.Length - 1; i >= 0; i--)
        {
            if (s[i] != 1 && st[i] != expected) return false;
            expected *= s[i];
        }
        return true;
    }

    private void CheckElementType<T>() where T : unmanaged
    {
        var want = ScalarTypeExtensions.Of<T>();
        var have = dtype;
        if (want != have)
            throw new InvalidOperationException($"this tensor holds {have}, not {typeof(T).Name} ({want}); convert first with .to({nameof(ScalarType)}.{want}) or read it as its own type.");
    }

    /// <summary>Shape and dtype, e.g. <c>[2x3], type = Float32, device = cpu</c>.</summary>
    public override string ToString() => IsInvalid ? "[disposed tensor]" : $"[{string.Join("x", shape)}], type = {dtype}, device = cpu";

    /// <summary>The values, formatted row by row (all of them: meant for small tensors).</summary>
    public string str(string format = "G6")
    {
        using var d = to(ScalarType.Float64);
        var values = d.ToArray<double>();
        var s = shape;
        var sb = new StringBuilder();
        var pos = 0;
        void Write(int depth)
        {
            if (depth == s.Length) { sb.Append(values[pos++].ToString(format)); return; }
            sb.Append('[');
            for (var i = 0; i < s[depth]; i++)
            {
                if (i > 0) sb.Append(depth == s.Length - 1 ? ", " : ",\n" + new string(' ', depth + 1));
                Write(depth + 1);
            }
            sb.Append(']');
        }
        Write(0);
        return sb.ToString();
    }
}

/// <summary>A snapshot of a tensor's elements, returned by <see cref="Tensor.data{T}"/>.</summary>
public sealed class TensorAccessor<T> : IReadOnlyList<T> where T : unmanaged
{
    private readonly T[] _values;
    internal TensorAccessor(T[] values) => _values = values;
    /// <summary>Element <paramref name="i"/> in row-major order.</summary>
    public T this[long i] => _values[i];
    T IReadOnlyList<T>.this[int index] => _values[index];
    /// <summary>Number of elements.</summary>
    public int Count => _values.Length;
    /// <summary>The elements as a new array.</summary>
    public T[] ToArray() => (T[])_values.Clone();
    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_values).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _values.GetEnumerator();
}
