using AttrDsl.ScaleOut;

namespace AttrDsl.HostileInputs;

/// <summary>Sharded data-set explanation: plans, shard runs, manifests and gathering, with bad arguments and broken folders.</summary>
public static class ScaleOutCases
{
    public const string Area = "scaleout";

    private static Case C(string entry, string name, Func<object?> action, Expectation e) => new(Area, entry, name, action, e);

    private static string Dir()
    {
        var d = Path.Combine(Path.GetTempPath(), "attrdsl-hostile-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    private static Tensor Labels(long n = 10) => randint(0, M.Out, [n]);

    private static DatasetExplainOptions Small => new() { ChunkSize = 4, Steps = 4 };

    private static ShardResult Explain(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, int shard = 0, int shards = 1,
        DatasetExplainOptions? options = null, string? dir = null, CancellationToken ct = default) =>
        DatasetExplainer.ExplainShard(model, x, y, dir ?? Dir(), shard, shards, options ?? Small, null, ct);

    private static ShardManifest Manifest() => Explain(M.Mlp(), M.X(10), Labels()).Manifest;

    public static IEnumerable<Case> All()
    {
        // ShardPlan
        yield return C("ShardPlan.ctor", "zero-samples", () => new ShardPlan(0, 1), Expect.Error<ArgumentOutOfRangeException>("sampleCount", "at least 1"));
        yield return C("ShardPlan.ctor", "zero-shards", () => new ShardPlan(10, 0), Expect.Error<ArgumentOutOfRangeException>("shards", "at least 1"));
        yield return C("ShardPlan.ctor", "negative-chunk", () => new ShardPlan(10, 1, -5), Expect.Error<ArgumentOutOfRangeException>("chunkSize", "-5"));
        yield return C("ShardPlan.ctor", "more-shards-than-chunks", () => new ShardPlan(100, 3, 64), Expect.Error<ArgumentOutOfRangeException>("shards", "at most 2"));
        yield return C("ShardPlan.ctor", "good", () => new ShardPlan(130, 2, 64).ChunkCount, Expect.Result("3 chunks", r => r is 3L ? null : $"got {r}"));
        yield return C("ShardPlan.Range", "shard-too-large", () => new ShardPlan(10, 2, 1).Range(2), Expect.Error<ArgumentOutOfRangeException>("shard", "[0, 2)"));
        yield return C("ShardPlan.Range", "good", () => new ShardPlan(130, 2, 64).Range(1), Expect.Result("[64, 130)", r => r is (64L, 130L) ? null : $"got {r}"));
        yield return C("ShardPlan.Chunks", "negative-shard", () => new ShardPlan(10, 2, 1).Chunks(-1), Expect.Error<ArgumentOutOfRangeException>("shard", "-1"));
        yield return C("ShardPlan.Chunks", "good", () => new ShardPlan(130, 2, 64).Chunks(1), Expect.Result("[64,128), [128,130)",
            r => r is IReadOnlyList<(long, long)> l && l.SequenceEqual([(64L, 128L), (128L, 130L)]) ? null : "other chunks"));

        // DatasetExplainer
        yield return C("DatasetExplainer.ShardFileName", "zero-shards", () => DatasetExplainer.ShardFileName(0, 0), Expect.Error<ArgumentOutOfRangeException>("shards"));
        yield return C("DatasetExplainer.ShardFileName", "shard-equals-shards", () => DatasetExplainer.ShardFileName(4, 4), Expect.Error<ArgumentOutOfRangeException>("shard", "[0, 4)"));
        yield return C("DatasetExplainer.ShardFileName", "good", () => DatasetExplainer.ShardFileName(2, 4), Expect.Result("shard-00002-of-00004.parquet", r => r is "shard-00002-of-00004.parquet" ? null : $"got {r}"));
        yield return C("DatasetExplainer.ModelHash", "null-model", () => DatasetExplainer.ModelHash(null!), Expect.Null("model"));
        yield return C("DatasetExplainer.ModelHash", "disposed-model", () => DatasetExplainer.ModelHash(M.Disposed()), Expect.Disposed("model"));
        yield return C("DatasetExplainer.ModelHash", "good", () => { var m = M.Mlp(); return (DatasetExplainer.ModelHash(m), DatasetExplainer.ModelHash(m.to(ScalarType.Float64))); },
            Expect.Result("64 hex digits, changed by the dtype", r => r is (string a, string b) && a.Length == 64 && a.All(char.IsAsciiHexDigitLower) && a != b ? null : $"got {r}"));

        yield return C("DatasetExplainer.ExplainShard", "null-model", () => Explain(null!, M.X(10), Labels()), Expect.Null("model"));
        yield return C("DatasetExplainer.ExplainShard", "disposed-model", () => Explain(M.Disposed(), M.X(10), Labels()), Expect.Disposed("model"));
        yield return C("DatasetExplainer.ExplainShard", "null-inputs", () => Explain(M.Mlp(), null!, Labels()), Expect.Null("inputs"));
        yield return C("DatasetExplainer.ExplainShard", "disposed-inputs", () => Explain(M.Mlp(), M.Dead(M.X(10)), Labels()), Expect.Disposed("inputs"));
        yield return C("DatasetExplainer.ExplainShard", "empty-inputs", () => Explain(M.Mlp(), M.X(0), Labels(0)), Expect.Error("inputs", "empty"));
        yield return C("DatasetExplainer.ExplainShard", "integer-inputs", () => Explain(M.Mlp(), ones([10, 4], ScalarType.Int64), Labels()), Expect.Error("inputs", "floating point"));
        yield return C("DatasetExplainer.ExplainShard", "null-labels", () => Explain(M.Mlp(), M.X(10), null!), Expect.Null("labels"));
        yield return C("DatasetExplainer.ExplainShard", "labels-wrong-length", () => Explain(M.Mlp(), M.X(10), Labels(9)), Expect.Error("labels", "9", "10"));
        yield return C("DatasetExplainer.ExplainShard", "float-labels", () => Explain(M.Mlp(), M.X(10), zeros(10)), Expect.Error("labels", "integer"));
        yield return C("DatasetExplainer.ExplainShard", "label-out-of-range", () => Explain(M.Mlp(), M.X(10), cat([zeros(5, ScalarType.Int64), full(5, 7L)])), Expect.Error<ArgumentOutOfRangeException>("labels[5] = 7", "3 logits"));
        yield return C("DatasetExplainer.ExplainShard", "shard-out-of-range", () => Explain(M.Mlp(), M.X(10), Labels(), shard: 3, shards: 3), Expect.Error<ArgumentOutOfRangeException>("shard", "[0, 3)"));
        yield return C("DatasetExplainer.ExplainShard", "more-shards-than-chunks", () => Explain(M.Mlp(), M.X(10), Labels(), shard: 0, shards: 5), Expect.Error<ArgumentOutOfRangeException>("shards", "at most 3"));
        yield return C("DatasetExplainer.ExplainShard", "no-methods", () => Explain(M.Mlp(), M.X(10), Labels(), options: Small with { Methods = [] }), Expect.Error("options", "Methods"));
        yield return C("DatasetExplainer.ExplainShard", "method-twice", () => Explain(M.Mlp(), M.X(10), Labels(), options: Small with { Methods = [DatasetMethod.Saliency, DatasetMethod.Saliency] }), Expect.Error("options", "twice"));
        yield return C("DatasetExplainer.ExplainShard", "undefined-method", () => Explain(M.Mlp(), M.X(10), Labels(), options: Small with { Methods = [(DatasetMethod)42] }), Expect.Error<ArgumentOutOfRangeException>("options", "42"));
        yield return C("DatasetExplainer.ExplainShard", "zero-steps", () => Explain(M.Mlp(), M.X(10), Labels(), options: Small with { Steps = 0 }), Expect.Error<ArgumentOutOfRangeException>("options", "Steps"));
        yield return C("DatasetExplainer.ExplainShard", "zero-chunk", () => Explain(M.Mlp(), M.X(10), Labels(), options: Small with { ChunkSize = 0 }), Expect.Error<ArgumentOutOfRangeException>("options", "ChunkSize"));
        yield return C("DatasetExplainer.ExplainShard", "output-is-a-file", () => { var f = Path.Combine(Dir(), "f"); File.WriteAllText(f, "x"); return Explain(M.Mlp(), M.X(10), Labels(), dir: f); }, Expect.Error("outputDirectory", "file"));
        yield return C("DatasetExplainer.ExplainShard", "empty-output", () => Explain(M.Mlp(), M.X(10), Labels(), dir: " "), Expect.Error("outputDirectory", "empty"));
        yield return C("DatasetExplainer.ExplainShard", "model-returns-scalar", () => Explain(M.ScalarOut(), M.X(10), Labels()), Expect.Error<InvalidOperationException>("logits", "[B, classes]"));
        yield return C("DatasetExplainer.ExplainShard", "cancelled", () => { using var cts = new CancellationTokenSource(); cts.Cancel(); return Explain(M.Mlp(), M.X(10), Labels(), ct: cts.Token); }, Expect.Error<OperationCanceledException>());
        yield return C("DatasetExplainer.ExplainShard", "good", () => { var r = Explain(M.Mlp(), M.X(10), Labels(), shard: 1, shards: 2); return (r.Rows, r.Skipped, File.Exists(r.Path), Path.GetFileName(r.Path)); },
            Expect.Result("shard 1 of 2 (chunks 1 and 2 of 3): samples 4..9 written", r => r is (6L, false, true, "shard-00001-of-00002.parquet") ? null : $"got {r}"));

        // ShardGather
        yield return C("ShardGather.Gather", "null-directory", () => ShardGather.Gather(null!), Expect.Null("directory"));
        yield return C("ShardGather.Gather", "empty-directory-name", () => ShardGather.Gather(""), Expect.Error("directory", "empty"));
        yield return C("ShardGather.Gather", "missing-directory", () => ShardGather.Gather(Path.Combine(Dir(), "none")), Expect.Error<DirectoryNotFoundException>("none"));
        yield return C("ShardGather.Gather", "no-shards", () => ShardGather.Gather(Dir()), Expect.Error<InvalidDataException>("no shard files"));
        yield return C("ShardGather.Gather", "garbage-shard", () => { var d = Dir(); File.WriteAllText(Path.Combine(d, "shard-00000-of-00001.parquet"), "not parquet"); return ShardGather.Gather(d); },
            Expect.Error<InvalidDataException>("shard-00000-of-00001.parquet", "Parquet"));
        yield return C("ShardGather.Gather", "renamed-shard", () => { var d = Dir(); var r = Explain(M.Mlp(), M.X(10), Labels(), dir: d); File.Move(r.Path, Path.Combine(d, "shard-00001-of-00002.parquet")); return ShardGather.Gather(d); },
            Expect.Error<InvalidDataException>("shard-00001-of-00002.parquet", "renamed"));
        yield return C("ShardGather.Gather", "good", () => { var d = Dir(); var m = M.Mlp(); var x = M.X(10); var y = Labels(); Explain(m, x, y, 0, 2, dir: d); Explain(m, x, y, 1, 2, dir: d); var g = ShardGather.Gather(d); return (g.Shards.Count, g.Shards.Sum(s => s.Rows), File.Exists(g.IndexPath)); },
            Expect.Result("2 shards, 10 samples, an index", r => r is (2, 10L, true) ? null : $"got {r}"));

        // ShardManifest and options
        yield return C("ShardManifest.FromJson", "null", () => ShardManifest.FromJson(null!), Expect.Null("json"));
        yield return C("ShardManifest.FromJson", "garbage", () => ShardManifest.FromJson("{not json"), Expect.Error<FormatException>("not a shard manifest"));
        yield return C("ShardManifest.FromJson", "json-null", () => ShardManifest.FromJson("null"), Expect.Error<FormatException>("null"));
        yield return C("ShardManifest.FromJson", "missing-fields", () => ShardManifest.FromJson("{\"format\":\"attrdsl-shard/1\"}"), Expect.Error<FormatException>("model_hash"));
        yield return C("ShardManifest.ToJson", "round-trip", () => { var m = Manifest(); return ShardManifest.FromJson(m.ToJson()).DifferenceFrom(m) ?? "same"; }, Expect.Result("same", r => r is "same" ? null : $"differs: {r}"));
        yield return C("ShardManifest.DifferenceFrom", "null", () => Manifest().DifferenceFrom(null!), Expect.Null("other"));
        yield return C("ShardManifest.DifferenceFrom", "steps", () => { var m = Manifest(); return m.DifferenceFrom(m with { Steps = 9 }); }, Expect.Result("Steps: 4 vs 9", r => r is "Steps: 4 vs 9" ? null : $"got {r}"));
        yield return C("ShardManifest.SameRunAs", "other-shard-same-run", () => { var m = Manifest(); return (m.SameRunAs(m with { Shard = 3 }), m.SameRunAs(m with { ModelHash = "x" })); }, Expect.Result("(true, false)", r => r is (true, false) ? null : $"got {r}"));
        yield return C("DatasetExplainOptions.ColumnName", "undefined", () => DatasetExplainOptions.ColumnName((DatasetMethod)9), Expect.Error<ArgumentOutOfRangeException>("method", "9"));
        yield return C("DatasetExplainOptions.ColumnName", "good", () => DatasetExplainOptions.ColumnName(DatasetMethod.InputXGradient), Expect.Result("input_x_gradient", r => r is "input_x_gradient" ? null : $"got {r}"));
    }
}
