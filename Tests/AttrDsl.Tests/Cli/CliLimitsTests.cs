using System.Runtime.InteropServices;
using AttrDsl.Cli;

namespace AttrDsl.Tests.Cli;

/// <summary>
/// The CLI's checks that depend on the machine, which a child process cannot be made to hit: the memory one path needs
/// against the memory available, the work of a whole run, an unexpected libtorch error reduced to one line, and the
/// nearest names of "did you mean".
/// </summary>
public sealed class CliLimitsTests
{
    [Fact]
    public void PointsThatDoNotFitInMemoryAreRefusedWithTheSizes()
    {
        var message = Limits.Significance(5, 3, 20, 3, 10_000, 180, 200, 800, availableBytes: 2L << 30);
        Assert.NotNull(message);
        Assert.Contains("--points 10000", message);
        Assert.Contains("4.3 GB", message);          // 10,000 × Limits.BytesPerPathPoint
        Assert.Contains("2.0 GB available", message);
        Assert.Contains($"pass --points {(1L << 30) / Limits.BytesPerPathPoint} or fewer", message);
        Assert.Null(Limits.Significance(5, 3, 20, 3, 50, 180, 200, 800, availableBytes: 2L << 30));
    }

    [Fact]
    public void TheDataBoundsSayWhatIsAvailable()
    {
        Assert.Contains("at most 180; pass --count 180 or fewer", Limits.Significance(5, 3, 181, 3, 50, 180, 200, 800, long.MaxValue));
        Assert.Contains("the 40 training 3s", Limits.Significance(5, 3, 20, 41, 50, 180, 200, 40, long.MaxValue));
    }

    [Fact]
    public void AnUnexpectedLibTorchErrorIsOneLineWithoutFrames()
    {
        var e = new ExternalException("[enforce fail at alloc_cpu.cpp:127] data. DefaultCPUAllocator: not enough memory: you tried to allocate 6272000000000 bytes.\n" +
                                      "Exception raised from alloc_cpu at /pytorch/c10/core/impl/alloc_cpu.cpp:127 (most recent call first):\n" +
                                      "frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0x9c (0x7f in libc10.so)\nframe #1: ...");
        var line = UnexpectedErrors.Describe(e);
        Assert.DoesNotContain("\n", line);
        Assert.DoesNotContain("frame #", line);
        Assert.DoesNotContain("Exception raised from", line);
        Assert.DoesNotContain("ExternalException", line);
        Assert.Contains("you tried to allocate 6272000000000 bytes", line);
        Assert.Contains("smaller sizes", line);
    }

    [Theory]
    [InlineData("--methd", "--method")]
    [InlineData("trian", "train")]
    [InlineData("signficance", "significance")]
    public void TheNearestNameIsSuggested(string typed, string expected) =>
        Assert.Equal([expected], Suggestions.Nearest(typed, ["--method", "--inputs", "train", "explain", "significance", "report"]));

    [Fact]
    public void NothingIsSuggestedForAFarWord() => Assert.Empty(Suggestions.Nearest("bogus", ["train", "explain", "report"]));
}
