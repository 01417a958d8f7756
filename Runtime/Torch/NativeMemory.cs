using AttrDsl.Torch.Native;

namespace AttrDsl.Torch;

/// <summary>Native memory diagnostics (Linux, glibc).</summary>
public static class NativeMemory
{
    /// <summary>
    /// Bytes currently allocated through the C heap (libtorch's tensors included), whatever the allocator keeps in
    /// reserve. Unlike the resident set size, this falls as soon as tensors are freed — the number to watch for leaks.
    /// AttrDsl keeps large freed blocks in the heap for speed (set ATTRDSL_MALLOC=default to opt out), so RSS
    /// stays near its peak while this does not.
    /// </summary>
    public static long InUseBytes() => NativeOps.ad_heap_in_use();
}
