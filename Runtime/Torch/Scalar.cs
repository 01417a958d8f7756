using System.Runtime.InteropServices;

namespace AttrDsl.Torch;

/// <summary>
/// A number passed to an op (alpha, fill value, clamp bound). Laid out exactly as c10::Scalar:
/// a 32-bit tag at offset 0 and the value at offset 16 (its union holds a 16-byte-aligned complex).
/// Integral C# values stay integral so that an int64 tensor plus 1 stays int64, as in PyTorch.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
public readonly struct Scalar
{
    [FieldOffset(0)] private readonly int _tag;
    [FieldOffset(16)] private readonly double _double;
    [FieldOffset(16)] private readonly long _long;

    private Scalar(double d) { _tag = 0; _long = 0; _double = d; }
    private Scalar(long l) { _tag = 1; _double = 0; _long = l; }
    private Scalar(bool b) { _tag = 4; _double = 0; _long = b ? 1 : 0; }

    /// <summary>True when the value is floating point.</summary>
    public bool IsFloatingPoint => _tag == 0;

    /// <summary>The value as a double.</summary>
    public double ToDouble() => _tag == 0 ? _double : _long;

    /// <summary>The value as an int64 (truncating a double).</summary>
    public long ToInt64() => _tag == 0 ? (long)_double : _long;

    /// <inheritdoc/>
    public override string ToString() => _tag switch { 0 => _double.ToString("R"), 4 => (_long != 0).ToString(), _ => _long.ToString() };

#pragma warning disable CS1591
    public static implicit operator Scalar(double v) => new(v);
    public static implicit operator Scalar(float v) => new((double)v);
    public static implicit operator Scalar(long v) => new(v);
    public static implicit operator Scalar(int v) => new((long)v);
    public static implicit operator Scalar(bool v) => new(v);
#pragma warning restore CS1591
}
