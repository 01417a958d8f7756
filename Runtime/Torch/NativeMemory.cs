using AttrDsl.Torch.Native;

namespace AttrDsl.Torch;

/// <summary>Native memory control (Linux, glibc).</summary>
public static class NativeMemory
{
    /// <summary>
    /// Hands free memory of every C-heap arena back to the operating system (glibc <c>malloc_trim</c>). AttrDsl keeps
    /// large freed blocks in the heap for speed (set ATTRDSL_MALLOC=default to opt out), so the resident set stays
    /// near its peak; call this before reading it to see what tensors really use (leak checks, long-running services).
    /// </summary>
    /// <returns>True when some memory was released.</returns>
    public static bool Trim() => NativeOps.ad_malloc_trim() != 0;
}
