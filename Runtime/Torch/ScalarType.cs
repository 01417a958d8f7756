namespace AttrDsl.Torch;

/// <summary>Element types, numbered as c10::ScalarType (the values cross the native boundary).</summary>
public enum ScalarType : sbyte
{
    /// <summary>8-bit unsigned integer.</summary>
    Byte = 0,
    /// <summary>8-bit signed integer.</summary>
    Int8 = 1,
    /// <summary>16-bit signed integer.</summary>
    Int16 = 2,
    /// <summary>32-bit signed integer.</summary>
    Int32 = 3,
    /// <summary>64-bit signed integer.</summary>
    Int64 = 4,
    /// <summary>IEEE half precision.</summary>
    Float16 = 5,
    /// <summary>IEEE single precision.</summary>
    Float32 = 6,
    /// <summary>IEEE double precision.</summary>
    Float64 = 7,
    /// <summary>Boolean.</summary>
    Bool = 11,
    /// <summary>bfloat16.</summary>
    BFloat16 = 15,
}

/// <summary>Helpers for <see cref="ScalarType"/>.</summary>
public static class ScalarTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this ScalarType t) => t switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        _ => 8,
    };

    /// <summary>True for floating-point types (the ones that can require gradients).</summary>
    public static bool IsFloatingPoint(this ScalarType t) => t is ScalarType.Float16 or ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16;

    /// <summary>The element type a .NET type maps to.</summary>
    public static ScalarType Of<T>() where T : unmanaged => Of(typeof(T));

    /// <summary>The element type a .NET type maps to.</summary>
    public static ScalarType Of(Type t) =>
        t == typeof(float) ? ScalarType.Float32 :
        t == typeof(double) ? ScalarType.Float64 :
        t == typeof(long) ? ScalarType.Int64 :
        t == typeof(int) ? ScalarType.Int32 :
        t == typeof(short) ? ScalarType.Int16 :
        t == typeof(byte) ? ScalarType.Byte :
        t == typeof(sbyte) ? ScalarType.Int8 :
        t == typeof(bool) ? ScalarType.Bool :
        t == typeof(Half) ? ScalarType.Float16 :
        throw new ArgumentException($"{t.Name} has no tensor element type; use float, double, long, int, short, byte, sbyte, bool or Half.");
}
