namespace AttrDsl.Internal;

/// <summary>How error messages write tensor shapes and values, in one place so every message reads alike.</summary>
internal static class Format
{
    /// <summary>"[2, 3, 4]".</summary>
    public static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>The tensor's shape, "[2, 3, 4]".</summary>
    public static string Shape(Tensor t) => Shape(t.shape);

    /// <summary>
    /// One element as text, whatever its dtype: read through float64 (<c>item&lt;double&gt;()</c> on a float32, float16 or
    /// bfloat16 tensor throws, which would hide the message being written); a complex element as "re+imi".
    /// </summary>
    public static string Value(Tensor element)
    {
        using var scope = NewDisposeScope();
        if (element.is_complex())
        {
            var parts = view_as_real(element.to(ScalarType.ComplexFloat64)).data<double>().ToArray();
            return $"{parts[0]}{(parts[1] < 0 || double.IsNaN(parts[1]) ? "" : "+")}{parts[1]}i";
        }
        return element.to(ScalarType.Float64).item<double>().ToString();
    }
}
