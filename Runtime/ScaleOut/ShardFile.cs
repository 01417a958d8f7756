using Parquet;
using Parquet.Schema;

namespace AttrDsl.ScaleOut;

/// <summary>The Parquet layout of a shard file: its name, schema, and how its manifest and sample ids are read back.</summary>
internal static class ShardFile
{
    public const string SampleId = "sample_id";
    public const string Label = "label";
    public const string Prediction = "prediction";
    public const string DeltaSuffix = "_delta";

    /// <summary>shard-00002-of-00004.parquet: sorts in shard order; a data-set directory pyarrow and pandas read whole.</summary>
    public static string Name(int shard, int shards) => $"shard-{shard:D5}-of-{shards:D5}.parquet";

    /// <summary>Whether a file name is a shard file's (temporary files start with '.', which pyarrow skips too).</summary>
    public static bool IsShardName(string fileName) =>
        fileName.StartsWith("shard-", StringComparison.Ordinal) && fileName.EndsWith(".parquet", StringComparison.Ordinal);

    /// <summary>The schema: sample id, label, prediction, then per method its list&lt;float&gt; and, for IG, its delta.</summary>
    public static ParquetSchema Schema(IReadOnlyList<DatasetMethod> methods)
    {
        var fields = new List<Field> { new DataField<long>(SampleId, false), new DataField<long>(Label, false), new DataField<long>(Prediction, false) };
        foreach (var m in methods)
        {
            var name = DatasetExplainOptions.ColumnName(m);
            fields.Add(new ListField(name, new DataField<float>("element", false)));
            if (DatasetExplainOptions.HasDelta(m)) fields.Add(new DataField<double>(name + DeltaSuffix, false));
        }
        return new ParquetSchema(fields);
    }

    /// <summary>The manifest of a shard file, or null when the file has none or cannot be read as Parquet.</summary>
    public static ShardManifest? TryReadManifest(string path)
    {
        try { return ReadManifest(path); }
        catch (Exception e) when (e is IOException or FormatException or InvalidDataException or UnauthorizedAccessException or Parquet.ParquetException or InvalidOperationException or ArgumentException) { return null; }
    }

    /// <summary>The manifest of a shard file.</summary>
    /// <exception cref="InvalidDataException">The file is not Parquet or has no AttrDsl manifest.</exception>
    public static ShardManifest ReadManifest(string path)
    {
        var reader = Open(path);
        string? json;
        try { reader.CustomMetadata.TryGetValue(ShardManifest.MetadataKey, out json); }
        finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        if (json is null)
            throw new InvalidDataException($"'{path}' is a Parquet file without an AttrDsl manifest ('{ShardManifest.MetadataKey}' metadata); it was not written by DatasetExplainer. Move it out of the shard directory.");
        try { return ShardManifest.FromJson(json); }
        catch (FormatException e) { throw new InvalidDataException($"'{path}': its '{ShardManifest.MetadataKey}' metadata is not a shard manifest ({e.Message}). Delete the file and run its shard again.", e); }
    }

    /// <summary>The manifest and every sample id of a shard file, in file order.</summary>
    public static (ShardManifest Manifest, long[] SampleIds) ReadIds(string path)
    {
        var reader = Open(path);
        try { return ReadIds(path, reader); }
        finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    private static (ShardManifest Manifest, long[] SampleIds) ReadIds(string path, ParquetReader reader)
    {
        if (!reader.CustomMetadata.TryGetValue(ShardManifest.MetadataKey, out var json))
            throw new InvalidDataException($"'{path}' is a Parquet file without an AttrDsl manifest; it was not written by DatasetExplainer. Move it out of the shard directory.");
        var manifest = ShardManifest.FromJson(json);
        var field = reader.Schema.DataFields.FirstOrDefault(f => f.Name == SampleId)
                    ?? throw new InvalidDataException($"'{path}' has no '{SampleId}' column; delete it and run its shard again");
        var ids = new List<long>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            var buffer = new long[rg.RowCount];
            rg.ReadAsync<long>(field, buffer.AsMemory()).GetAwaiter().GetResult();
            ids.AddRange(buffer);
        }
        return (manifest, ids.ToArray());
    }

    private static ParquetReader Open(string path)
    {
        try
        {
            return ParquetReader.CreateAsync(path).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not (FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"'{path}' is not a readable Parquet file ({e.GetType().Name}: {e.Message}); delete it and run its shard again", e);
        }
    }
}
