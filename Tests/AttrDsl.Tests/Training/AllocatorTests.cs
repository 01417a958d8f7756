using AttrDsl.Performance;
using AttrDsl.Tests.Checkpoints;

namespace AttrDsl.Tests.Training;

/// <summary>
/// The C-heap tuning is the program's choice: the runtime never applies it by itself, and <see cref="Allocator.TuneAllocator"/>
/// applies it when called (unless <c>ATTRDSL_MALLOC=default</c>). Checked in fresh child processes, since the tuning is
/// process-wide and this test process has been tuned by <see cref="MemoryTests"/>.
/// </summary>
public class AllocatorTests
{
    [Fact]
    public void TheRuntimeNeverTunesTheHeapItselfAndTuneAllocatorDoes()
    {
        using var child = ChildProcess.Start("runtime-leaves-allocator-alone");
        var (code, output) = child.WaitForExit(TimeSpan.FromSeconds(120));
        Assert.True(code == 0, output);
        Assert.Contains("used: mmap tuned=False", output);
        Assert.Contains("after TuneAllocator (returned True): heap tuned=True", output);
    }

    [Fact]
    public void TheOptOutVariableMakesTuningANoOp()
    {
        using var child = ChildProcess.Start("runtime-leaves-allocator-alone", new Dictionary<string, string> { ["ATTRDSL_MALLOC"] = "default" });
        var (code, output) = child.WaitForExit(TimeSpan.FromSeconds(120));
        Assert.True(code == 0, output);
        Assert.Contains("after TuneAllocator (returned False): mmap tuned=False", output);
    }

    [Fact]
    public void ThresholdsOutsideOneByteToTwoGiBAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Allocator.TuneAllocator(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Allocator.TuneAllocator(-1));
        Assert.Contains("2 GiB", Assert.Throws<ArgumentOutOfRangeException>(() => Allocator.TuneAllocator(1L << 31)).Message);
    }
}
