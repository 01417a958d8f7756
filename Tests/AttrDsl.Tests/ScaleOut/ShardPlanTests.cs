using AttrDsl.ScaleOut;

namespace AttrDsl.Tests.ScaleOut;

public sealed class ShardPlanTests
{
    [Theory]
    [InlineData(150, 4, 16)]
    [InlineData(1000, 7, 64)]
    [InlineData(64, 1, 64)]
    [InlineData(65, 2, 64)]
    [InlineData(10, 10, 1)]
    public void ShardsAreWholeGlobalChunksCoveringEverySampleOnce(long n, int shards, int chunk)
    {
        var plan = new ShardPlan(n, shards, chunk);
        var counts = new int[n];
        var globalChunks = Enumerable.Range(0, (int)((n + chunk - 1) / chunk)).Select(c => ((long)c * chunk, Math.Min((long)(c + 1) * chunk, n))).ToList();
        var seenChunks = new List<(long, long)>();
        long previousEnd = 0;
        for (var s = 0; s < shards; s++)
        {
            var (start, end) = plan.Range(s);
            Assert.Equal(previousEnd, start);                 // contiguous, in order
            Assert.Equal(0, start % chunk);                    // starts on a global chunk boundary
            Assert.True(end > start, $"shard {s} is empty");
            previousEnd = end;
            var chunks = plan.Chunks(s);
            Assert.Equal(start, chunks[0].Start);
            Assert.Equal(end, chunks[^1].End);
            seenChunks.AddRange(chunks);
            for (var i = start; i < end; i++) counts[i]++;
        }
        Assert.Equal(n, previousEnd);
        Assert.All(counts, c => Assert.Equal(1, c));
        Assert.Equal(globalChunks, seenChunks);              // exactly the single-process batches
        var sizes = Enumerable.Range(0, shards).Select(s => plan.Chunks(s).Count).ToList();
        Assert.True(sizes.Max() - sizes.Min() <= 1, $"chunk counts per shard differ by more than one: {string.Join(", ", sizes)}");
    }

    [Fact]
    public void HandComputedRanges()
    {
        var plan = new ShardPlan(150, 4, 16);   // 10 chunks: 2, 3, 2, 3
        Assert.Equal(10, plan.ChunkCount);
        Assert.Equal((0L, 32L), plan.Range(0));
        Assert.Equal((32L, 80L), plan.Range(1));
        Assert.Equal((80L, 112L), plan.Range(2));
        Assert.Equal((112L, 150L), plan.Range(3));
        Assert.Equal((144L, 150L), plan.Chunks(3)[^1]);
    }

    [Fact]
    public void BadArgumentsNameTheArgument()
    {
        Assert.Equal("sampleCount", Assert.Throws<ArgumentOutOfRangeException>(() => new ShardPlan(0, 1)).ParamName);
        Assert.Equal("shards", Assert.Throws<ArgumentOutOfRangeException>(() => new ShardPlan(10, 0)).ParamName);
        Assert.Equal("chunkSize", Assert.Throws<ArgumentOutOfRangeException>(() => new ShardPlan(10, 1, 0)).ParamName);
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => new ShardPlan(100, 3, 64));
        Assert.Contains("at most 2 shards", tooMany.Message);
        var plan = new ShardPlan(100, 2, 10);
        Assert.Equal("shard", Assert.Throws<ArgumentOutOfRangeException>(() => plan.Range(2)).ParamName);
        Assert.Equal("shard", Assert.Throws<ArgumentOutOfRangeException>(() => plan.Chunks(-1)).ParamName);
    }
}
