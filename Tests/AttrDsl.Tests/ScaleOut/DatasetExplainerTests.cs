using AttrDsl.Attribution;
using AttrDsl.ScaleOut;

namespace AttrDsl.Tests.ScaleOut;

[Collection(AttrDsl.Tests.Infrastructure.GlobalRngCollection.Name)]
public sealed class DatasetExplainerTests : IDisposable
{
    private readonly string _dir = ShardFixture.TempDir();

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string Run(string name, int shards, nn.Module<Tensor, Tensor> model, DatasetExplainOptions options)
    {
        var dir = Path.Combine(_dir, name);
        var (x, y) = ShardFixture.Data();
        for (var s = 0; s < shards; s++) DatasetExplainer.ExplainShard(model, x, y, dir, s, shards, options);
        return dir;
    }

    private static ShardRows ReadAll(string dir) =>
        ShardRows.Concat(Directory.GetFiles(dir, "shard-*.parquet").Order(StringComparer.Ordinal).Select(ShardRows.Read));

    [Fact]
    public void FourShardsEqualOneShardBitForBit()
    {
        using var model = ShardFixture.Model();
        var options = ShardFixture.Options();
        var one = ReadAll(Run("one", 1, model, options));
        var four = ReadAll(Run("four", 4, model, options));
        Assert.Equal(Enumerable.Range(0, ShardFixture.Samples).Select(i => (long)i), four.Longs["sample_id"]);
        Assert.Equal(one.Longs["sample_id"], four.Longs["sample_id"]);
        Assert.Equal(one.Longs["prediction"], four.Longs["prediction"]);
        foreach (var column in new[] { "integrated_gradients", "saliency", "input_x_gradient" })
            for (var i = 0; i < ShardFixture.Samples; i++)
                Assert.True(one.Lists[column][i].Select(BitConverter.SingleToInt32Bits).SequenceEqual(four.Lists[column][i].Select(BitConverter.SingleToInt32Bits)),
                    $"{column} of sample {i} differs between one and four shards");
        Assert.Equal(one.Doubles["integrated_gradients_delta"].Select(BitConverter.DoubleToInt64Bits), four.Doubles["integrated_gradients_delta"].Select(BitConverter.DoubleToInt64Bits));
        var gathered = ShardGather.Gather(Path.Combine(_dir, "four"));
        Assert.Equal(4, gathered.Shards.Count);
        Assert.Equal([0L, 32, 80, 112], gathered.Shards.Select(s => s.FirstSample));
        // The index names every file with its sample range, and the run's manifest.
        using var index = System.Text.Json.JsonDocument.Parse(File.ReadAllText(gathered.IndexPath));
        Assert.Equal(ShardGather.IndexFileName, Path.GetFileName(gathered.IndexPath));
        Assert.Equal(DatasetExplainer.ModelHash(model), index.RootElement.GetProperty("manifest").GetProperty("model_hash").GetString());
        Assert.Equal(["shard-00000-of-00004.parquet:0:32", "shard-00001-of-00004.parquet:32:48", "shard-00002-of-00004.parquet:80:32", "shard-00003-of-00004.parquet:112:38"],
            index.RootElement.GetProperty("shards").EnumerateArray().Select(e => $"{e.GetProperty("file").GetString()}:{e.GetProperty("first_sample").GetInt64()}:{e.GetProperty("rows").GetInt64()}"));
    }

    [Fact]
    public void TheFileHoldsWhatTheMethodsComputeOnEachChunk()
    {
        using var model = ShardFixture.Model();
        var (x, y) = ShardFixture.Data();
        var options = ShardFixture.Options() with { Target = DatasetTarget.Predicted };
        var result = DatasetExplainer.ExplainShard(model, x, y, Path.Combine(_dir, "rt"), 1, 4, options);
        Assert.False(result.Skipped);
        var rows = ShardRows.Read(result.Path);
        Assert.Equal(Enumerable.Range(32, 48).Select(i => (long)i), rows.Longs["sample_id"]);
        Assert.Equal(y.narrow(0, 32, 48).data<long>().ToArray(), rows.Longs["label"]);
        var manifest = ShardManifest.FromJson(rows.Metadata[ShardManifest.MetadataKey]);
        Assert.Equal(DatasetExplainer.ModelHash(model), manifest.ModelHash);
        Assert.Equal((1, 4, 150L, 8, 16, "predicted"), (manifest.Shard, manifest.Shards, manifest.SampleCount, manifest.Steps, manifest.ChunkSize, manifest.Target));
        Assert.Equal([1L, 28, 28], manifest.SampleShape);
        // Independent truth: each chunk explained directly by the attribution classes, and the prediction by arg-max.
        var ig = new IntegratedGradients(model);
        var sal = new Saliency(model);
        foreach (var start in new long[] { 32, 48, 64 })
        {
            using var scope = NewDisposeScope();
            var chunk = x.narrow(0, start, 16);
            Tensor pred;
            using (no_grad()) pred = model.call(chunk).argmax(1);
            Assert.Equal(pred.data<long>().ToArray(), rows.Longs["prediction"][(int)(start - 32)..(int)(start - 16)]);
            var (a, d) = ig.AttributeWithDelta(chunk, Target.PerSample(pred), 0.0, 8);
            var s = sal.Attribute(chunk, Target.PerSample(pred));
            var aFlat = a.reshape(16, -1);
            var sFlat = s.reshape(16, -1);
            for (var i = 0; i < 16; i++)
            {
                var row = (int)(start - 32) + i;
                Assert.Equal(aFlat[i].data<float>().ToArray(), rows.Lists["integrated_gradients"][row]);
                Assert.Equal(sFlat[i].data<float>().ToArray(), rows.Lists["saliency"][row]);
                Assert.Equal(d[i].ToDouble(), rows.Doubles["integrated_gradients_delta"][row]);
                // Input × gradient = x · ∂f/∂x and saliency = |∂f/∂x|: their ratio is ±x wherever the gradient is non-zero.
                var xi = chunk[i].reshape(-1).data<float>().ToArray();
                var ixg = rows.Lists["input_x_gradient"][row];
                for (var j = 0; j < xi.Length; j++)
                    Assert.Equal(Math.Abs(xi[j]) * rows.Lists["saliency"][row][j], Math.Abs(ixg[j]), 1e-6);
            }
        }
    }

    [Fact]
    public void ARerunSkipsACompleteShardAndRedoesOneOfAnotherRun()
    {
        using var model = ShardFixture.Model();
        var (x, y) = ShardFixture.Data();
        var dir = Path.Combine(_dir, "rerun");
        var first = DatasetExplainer.ExplainShard(model, x, y, dir, 0, 2, ShardFixture.Options());
        var written = File.GetLastWriteTimeUtc(first.Path);
        var bytes = File.ReadAllBytes(first.Path);
        var progress = new List<ShardProgress>();
        var again = DatasetExplainer.ExplainShard(model, x, y, dir, 0, 2, ShardFixture.Options(), new SyncProgress(progress.Add));
        Assert.True(again.Skipped);
        Assert.Equal(written, File.GetLastWriteTimeUtc(first.Path));
        Assert.Equal([new ShardProgress(0, 80, 80)], progress);
        using var other = ShardFixture.Model(seed: 2);
        var redone = DatasetExplainer.ExplainShard(other, x, y, dir, 0, 2, ShardFixture.Options());
        Assert.False(redone.Skipped);
        Assert.NotEqual(bytes, File.ReadAllBytes(first.Path));
        Assert.Equal(DatasetExplainer.ModelHash(other), ShardManifest.FromJson(ShardRows.Read(first.Path).Metadata[ShardManifest.MetadataKey]).ModelHash);
    }

    [Fact]
    public void ACancelledShardLeavesNoFile()
    {
        using var model = ShardFixture.Model();
        var (x, y) = ShardFixture.Data();
        var dir = Path.Combine(_dir, "cancel");
        using var cts = new CancellationTokenSource();
        var reports = new List<ShardProgress>();
        Assert.ThrowsAny<OperationCanceledException>(() => DatasetExplainer.ExplainShard(model, x, y, dir, 0, 1, ShardFixture.Options(),
            new SyncProgress(p => { reports.Add(p); cts.Cancel(); }), cts.Token));
        Assert.Equal([new ShardProgress(0, 16, 150)], reports);
        Assert.Empty(Directory.GetFiles(dir, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void ModelHashSeesEveryWeight()
    {
        using var a = ShardFixture.Model();
        using var b = ShardFixture.Model();
        Assert.Equal(DatasetExplainer.ModelHash(a), DatasetExplainer.ModelHash(b));
        Assert.Matches("^[0-9a-f]{64}$", DatasetExplainer.ModelHash(a));
        using (no_grad()) ((TorchSharp.Modules.Linear)b.named_children().Last().module).bias![3] += 1e-6f;
        Assert.NotEqual(DatasetExplainer.ModelHash(a), DatasetExplainer.ModelHash(b));
    }

    [Fact]
    public void GatherRejectsAShardOfAnotherModelOrOtherOptionsNamingIt()
    {
        using var model = ShardFixture.Model();
        var dir = Run("mixed", 4, model, ShardFixture.Options());
        using var other = ShardFixture.Model(seed: 3);
        var odd = Run("odd-model", 4, other, ShardFixture.Options());
        File.Copy(Path.Combine(odd, "shard-00002-of-00004.parquet"), Path.Combine(dir, "shard-00002-of-00004.parquet"), overwrite: true);
        var e = Assert.Throws<InvalidDataException>(() => ShardGather.Gather(dir));
        Assert.Contains("shard-00002-of-00004.parquet", e.Message);
        Assert.Contains("ModelHash", e.Message);

        var dir2 = Run("mixed2", 4, model, ShardFixture.Options());
        var steps = Run("odd-steps", 4, model, ShardFixture.Options() with { Steps = 4 });
        File.Copy(Path.Combine(steps, "shard-00003-of-00004.parquet"), Path.Combine(dir2, "shard-00003-of-00004.parquet"), overwrite: true);
        e = Assert.Throws<InvalidDataException>(() => ShardGather.Gather(dir2));
        Assert.Contains("shard-00003-of-00004.parquet", e.Message);
        Assert.Contains("Steps: 4 vs 8", e.Message);

        File.Delete(Path.Combine(dir2, "shard-00003-of-00004.parquet"));
        e = Assert.Throws<InvalidDataException>(() => ShardGather.Gather(dir2));
        Assert.Contains("1 of 4 shard(s) have no file", e.Message);
        Assert.Contains(": 3.", e.Message);
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<ShardProgress> report) : IProgress<ShardProgress>
    {
        public void Report(ShardProgress value) => report(value);
    }
}
