namespace AttrDsl.Internal;

/// <summary>How error messages write tensor shapes, in one place so every message reads alike.</summary>
internal static class Format
{
    /// <summary>"[2, 3, 4]".</summary>
    public static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>The tensor's shape, "[2, 3, 4]".</summary>
    public static string Shape(Tensor t) => Shape(t.shape);
}
