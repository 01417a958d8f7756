using Parquet;

namespace AttrDsl.Tests.ScaleOut;

/// <summary>Reads a shard file back with Parquet.Net alone (independently of the library's reader): every column, per row.</summary>
internal sealed record ShardRows(Dictionary<string, long[]> Longs, Dictionary<string, double[]> Doubles, Dictionary<string, float[][]> Lists, IReadOnlyDictionary<string, string> Metadata)
{
    public static ShardRows Read(string path)
    {
        var reader = ParquetReader.CreateAsync(path).GetAwaiter().GetResult();
        try
        {
            var longs = new Dictionary<string, List<long>>();
            var doubles = new Dictionary<string, List<double>>();
            var lists = new Dictionary<string, List<float[]>>();
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var rg = reader.OpenRowGroupReader(g);
                foreach (var f in reader.Schema.DataFields)
                {
                    if (f.ClrType == typeof(long))
                    {
                        var b = new long[rg.RowCount];
                        rg.ReadAsync<long>(f, b.AsMemory()).GetAwaiter().GetResult();
                        (longs.TryGetValue(f.Name, out var l) ? l : longs[f.Name] = []).AddRange(b);
                    }
                    else if (f.ClrType == typeof(double))
                    {
                        var b = new double[rg.RowCount];
                        rg.ReadAsync<double>(f, b.AsMemory()).GetAwaiter().GetResult();
                        (doubles.TryGetValue(f.Name, out var l) ? l : doubles[f.Name] = []).AddRange(b);
                    }
                    else
                    {
                        // The list width comes from the manifest's sample shape: the values are rows × width floats.
                        var width = AttrDsl.ScaleOut.ShardManifest.FromJson(reader.CustomMetadata[AttrDsl.ScaleOut.ShardManifest.MetadataKey]).SampleShape.Aggregate(1L, (a, b) => a * b);
                        var values = new float[rg.RowCount * width];
                        var rep = new int[values.Length];
                        var def = new int[values.Length];
                        rg.ReadRawAsync<float>(f, values.AsMemory(), def.AsMemory(), rep.AsMemory()).GetAwaiter().GetResult();
                        if (def.Any(d => d != f.MaxDefinitionLevel)) throw new InvalidDataException($"{f.Name}: a null list or element");
                        var rows = new List<float[]>();
                        var begin = 0;
                        for (var i = 1; i <= values.Length; i++)
                            if (i == values.Length || rep[i] == 0) { rows.Add(values[begin..i]); begin = i; }
                        var name = f.Path.ToString()!.Split('/', '.')[0];
                        (lists.TryGetValue(name, out var l) ? l : lists[name] = []).AddRange(rows);
                    }
                }
            }
            return new ShardRows(longs.ToDictionary(k => k.Key, k => k.Value.ToArray()), doubles.ToDictionary(k => k.Key, k => k.Value.ToArray()),
                lists.ToDictionary(k => k.Key, k => k.Value.ToArray()), new Dictionary<string, string>(reader.CustomMetadata));
        }
        finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    /// <summary>Several shard files as one table, concatenated in the order given.</summary>
    public static ShardRows Concat(IEnumerable<ShardRows> parts)
    {
        var all = parts.ToList();
        return new ShardRows(
            all[0].Longs.Keys.ToDictionary(k => k, k => all.SelectMany(p => p.Longs[k]).ToArray()),
            all[0].Doubles.Keys.ToDictionary(k => k, k => all.SelectMany(p => p.Doubles[k]).ToArray()),
            all[0].Lists.Keys.ToDictionary(k => k, k => all.SelectMany(p => p.Lists[k]).ToArray()),
            all[0].Metadata);
    }
}
