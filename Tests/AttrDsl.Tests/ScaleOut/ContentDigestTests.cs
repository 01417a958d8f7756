using System.Security.Cryptography;
using AttrDsl.ScaleOut;

namespace AttrDsl.Tests.ScaleOut;

/// <summary>
/// <see cref="GatherResult.ContentDigest"/>: the same rows give the same digest however they were sharded, one changed
/// float gives another, and the digest is exactly SHA-256 of the documented row bytes (recomputed here from the files).
/// </summary>
public sealed class ContentDigestTests : IDisposable
{
    private readonly string _dir = ShardFixture.TempDir();

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string Run(string name, int shards, nn.Module<Tensor, Tensor> model)
    {
        var dir = Path.Combine(_dir, name);
        var (x, y) = ShardFixture.Data();
        for (var s = 0; s < shards; s++) DatasetExplainer.ExplainShard(model, x, y, dir, s, shards, ShardFixture.Options());
        return dir;
    }

    private static string[] ShardFiles(string dir) => Directory.GetFiles(dir, "shard-*.parquet").Order(StringComparer.Ordinal).ToArray();

    /// <summary>The documented bytes, built with BitConverter from rows the test's own reader read, ordered by sample id.</summary>
    private static string Independent(string dir)
    {
        Assert.True(BitConverter.IsLittleEndian, "the expected bytes below are built with BitConverter, little-endian on this machine");
        var rows = ShardRows.Concat(ShardFiles(dir).Select(ShardRows.Read));
        var order = Enumerable.Range(0, rows.Longs["sample_id"].Length).OrderBy(i => rows.Longs["sample_id"][i]).ToArray();
        using var bytes = new MemoryStream();
        void Put(byte[] b) => bytes.Write(b);
        foreach (var i in order)
        {
            Put(BitConverter.GetBytes(rows.Longs["sample_id"][i]));
            Put(BitConverter.GetBytes(rows.Longs["label"][i]));
            Put(BitConverter.GetBytes(rows.Longs["prediction"][i]));
            foreach (var column in new[] { "integrated_gradients", "saliency", "input_x_gradient" })
            {
                foreach (var v in rows.Lists[column][i]) Put(BitConverter.GetBytes(v));
                if (column == "integrated_gradients") Put(BitConverter.GetBytes(rows.Doubles["integrated_gradients_delta"][i]));
            }
        }
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray()));
    }

    [Fact]
    public void FourShardsAndOneShardGiveTheDigestOfTheRowBytes()
    {
        using var model = ShardFixture.Model();
        var four = ShardGather.Gather(Run("four", 4, model));
        var one = ShardGather.Gather(Run("one", 1, model));
        Assert.Matches("^sha256:[0-9a-f]{64}$", four.ContentDigest);
        Assert.Equal(one.ContentDigest, four.ContentDigest);
        Assert.Equal(Independent(Path.Combine(_dir, "four")), four.ContentDigest);
        using var index = System.Text.Json.JsonDocument.Parse(File.ReadAllText(four.IndexPath));
        Assert.Equal(four.ContentDigest, index.RootElement.GetProperty("content_digest").GetString());
    }

    [Fact]
    public void OneChangedAttributionFloatGivesAnotherDigest()
    {
        using var model = ShardFixture.Model();
        var dir = Run("changed", 4, model);
        var before = ShardGather.Gather(dir).ContentDigest;
        // Shard 2's 5th row, saliency value 300: one ulp up, everything else (manifest included) as written.
        var path = ShardFiles(dir)[2];
        var rows = ShardRows.Read(path);
        var original = rows.Lists["saliency"][4][300];
        rows.Lists["saliency"][4][300] = MathF.BitIncrement(original);
        ShardWriter.Write(path, rows, ShardFixture.Options().Methods);
        Assert.Equal(MathF.BitIncrement(original), ShardRows.Read(path).Lists["saliency"][4][300]);

        var after = ShardGather.Gather(dir).ContentDigest;
        Assert.NotEqual(before, after);
        Assert.Equal(Independent(dir), after);
    }

    [Fact]
    public void AShardWhoseRowsAreOutOfSampleOrderIsRejectedNamingIt()
    {
        using var model = ShardFixture.Model();
        var dir = Run("reordered", 4, model);
        var path = ShardFiles(dir)[1];
        var rows = ShardRows.Read(path);
        var reversed = new ShardRows(rows.Longs.ToDictionary(k => k.Key, k => k.Value.Reverse().ToArray()),
            rows.Doubles.ToDictionary(k => k.Key, k => k.Value.Reverse().ToArray()),
            rows.Lists.ToDictionary(k => k.Key, k => k.Value.Reverse().ToArray()), rows.Metadata);
        ShardWriter.Write(path, reversed, ShardFixture.Options().Methods);
        var e = Assert.Throws<InvalidDataException>(() => ShardGather.Gather(dir));
        Assert.Contains("shard-00001-of-00004.parquet", e.Message);
        Assert.Contains("holds sample 79 where sample 32 comes next", e.Message);
        Assert.False(File.Exists(Path.Combine(dir, ShardGather.IndexFileName)));
    }
}
