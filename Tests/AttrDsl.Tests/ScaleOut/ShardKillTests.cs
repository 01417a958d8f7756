using AttrDsl.ScaleOut;
using AttrDsl.Tests.Checkpoints;

namespace AttrDsl.Tests.ScaleOut;

/// <summary>A shard process killed (SIGKILL) mid-shard leaves no shard file; running it again completes the run.</summary>
[Collection(AttrDsl.Tests.Infrastructure.GlobalRngCollection.Name)]
public sealed class ShardKillTests : IDisposable
{
    private readonly string _dir = ShardFixture.TempDir();

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AShardKilledMidwayIsRedoneAndGatherFindsEverySampleOnce(bool named)
    {
        var env = new Dictionary<string, string> { [ShardChildScenarios.DirectoryVariable] = _dir };
        if (named) env[ShardChildScenarios.NamedVariable] = "1";
        using (var child = ChildProcess.Start("explain-shard-slowly", env))
        {
            child.WaitForLine("chunk 32", TimeSpan.FromMinutes(2));   // two of its five chunks are in the file
            child.Kill();
        }
        var shard0 = Path.Combine(_dir, DatasetExplainer.ShardFileName(0, 2));
        Assert.False(File.Exists(shard0), "a killed shard left a file under the shard's own name");
        if (named) Assert.Single(Directory.GetFiles(_dir, ".shard-00000-of-00002.parquet.*.attrdsl-tmp"));
        Assert.Throws<InvalidDataException>(() => ShardGather.Gather(_dir));   // no shard file at all yet

        using var model = ShardFixture.Model();
        var (x, y) = ShardFixture.Data();
        var second = DatasetExplainer.ExplainShard(model, x, y, _dir, 1, 2, ShardFixture.Options());
        var e = Assert.Throws<InvalidDataException>(() => ShardGather.Gather(_dir));
        Assert.Contains("1 of 2 shard(s) have no file", e.Message);
        var first = DatasetExplainer.ExplainShard(model, x, y, _dir, 0, 2, ShardFixture.Options());
        Assert.False(first.Skipped);
        Assert.Empty(Directory.GetFiles(_dir, "*.attrdsl-tmp"));              // the dead writer's temporary file is gone

        var gathered = ShardGather.Gather(_dir);
        Assert.Equal([(0, 0L, 80L), (1, 80L, 70L)], gathered.Shards.Select(s => (s.Shard, s.FirstSample, s.Rows)));
        var ids = ShardRows.Read(first.Path).Longs["sample_id"].Concat(ShardRows.Read(second.Path).Longs["sample_id"]);
        Assert.Equal(Enumerable.Range(0, ShardFixture.Samples).Select(i => (long)i), ids);
    }
}
