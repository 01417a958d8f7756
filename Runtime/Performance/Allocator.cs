using System.Runtime.InteropServices;

namespace AttrDsl.Performance;

/// <summary>
/// Process-wide C-heap settings that matter for libtorch on Linux (glibc). A library does not change its host's
/// allocator behind its back: call <see cref="TuneAllocator"/> yourself, once, at the start of a program that trains
/// or explains (AttrDsl's samples, CLI and benchmarks do).
/// </summary>
public static class Allocator
{
    // glibc's mallopt parameter numbers (malloc.h).
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_THRESHOLD = -3;

    /// <summary>The threshold <see cref="TuneAllocator"/> uses for both settings: 1 GiB.</summary>
    public const long DefaultThreshold = 1L << 30;

    /// <summary>True after <see cref="TuneAllocator"/> succeeded in this process.</summary>
    public static bool IsTuned { get; private set; }

    /// <summary>
    /// Keeps large freed blocks in glibc's heap instead of returning every one to the OS. glibc serves blocks of
    /// 128 KiB and more with a fresh <c>mmap</c> and frees them with <c>munmap</c>, so every activation of a large batch
    /// is page-faulted afresh; with both thresholds at 1 GiB, a CNN training step runs about 1.25× faster and a large
    /// input-gradient batch about 1.35× faster (docs/benchmarks.md). The price: the resident set stays near its peak
    /// between calls; <see cref="Trim"/> hands free memory back.
    /// </summary>
    /// <param name="threshold">Blocks below this size come from the heap and stay there when freed (bytes, ≤ 2 GiB).</param>
    /// <returns>False where the settings do not apply (not Linux/glibc) or glibc refused them; nothing is changed then.</returns>
    /// <remarks>Setting the environment variable <c>ATTRDSL_MALLOC=default</c> turns this call into a no-op, so a user
    /// can opt out of a program's tuning without recompiling it.</remarks>
    public static bool TuneAllocator(long threshold = DefaultThreshold)
    {
        if (threshold <= 0 || threshold > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the threshold must be between 1 byte and 2 GiB (int.MaxValue); the default, 1 GiB, suits training and attribution");
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("ATTRDSL_MALLOC") == "default")
            return false;
        try
        {
            var ok = mallopt(M_MMAP_THRESHOLD, (int)threshold) == 1 & mallopt(M_TRIM_THRESHOLD, (int)threshold) == 1;
            IsTuned |= ok;
            return ok;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // musl and other C libraries: nothing to tune
        }
    }

    /// <summary>
    /// Hands free memory of every C-heap arena back to the operating system (glibc <c>malloc_trim</c>), so the resident
    /// set shows what tensors really use — before a leak check, or in a long-running service after a burst.
    /// </summary>
    /// <returns>True when some memory was released; false when none was or the call does not apply here.</returns>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try { return malloc_trim(0) != 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    [DllImport("libc", ExactSpelling = true)]
    private static extern int mallopt(int param, int value);

    [DllImport("libc", ExactSpelling = true)]
    private static extern int malloc_trim(nuint pad);
}
