using AttrDsl.ScaleOut;
using Parquet;

namespace AttrDsl.Tests.ScaleOut;

/// <summary>Writes rows read by <see cref="ShardRows"/> back as a shard file (one row group, the original metadata), so
/// that a test can plant a shard whose values or row order it changed.</summary>
internal static class ShardWriter
{
    public static void Write(string path, ShardRows rows, IReadOnlyList<DatasetMethod> methods)
    {
        var schema = ShardFile.Schema(methods);
        using var stream = File.Create(path);
        var writer = ParquetWriter.CreateAsync(schema, stream).GetAwaiter().GetResult();
        try
        {
            writer.CustomMetadata = new Dictionary<string, string>(rows.Metadata);
            using var rg = writer.CreateRowGroup();
            foreach (var field in schema.DataFields)
            {
                var name = field.Path.FirstPart!;
                if (rows.Longs.TryGetValue(name, out var longs)) rg.WriteAsync<long>(field, longs.AsMemory()).GetAwaiter().GetResult();
                else if (rows.Doubles.TryGetValue(name, out var doubles)) rg.WriteAsync<double>(field, doubles.AsMemory()).GetAwaiter().GetResult();
                else
                {
                    var lists = rows.Lists[name];
                    var values = lists.SelectMany(l => l).ToArray();
                    var repetition = lists.SelectMany(l => l.Select((_, j) => j == 0 ? 0 : 1)).ToArray();
                    var definition = Enumerable.Repeat(field.MaxDefinitionLevel, values.Length).ToArray();
                    rg.WriteAllPartsAsync<float>(field, values.AsMemory(), definition.AsMemory(), repetition.AsMemory(), CancellationToken.None).GetAwaiter().GetResult();
                }
            }
        }
        finally { writer.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }
}
