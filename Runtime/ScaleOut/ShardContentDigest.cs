using System.Buffers.Binary;
using System.Security.Cryptography;
using Parquet;
using Parquet.Schema;

namespace AttrDsl.ScaleOut;

/// <summary>
/// The content digest of a gathered run (<see cref="GatherResult.ContentDigest"/>): SHA-256 over its rows in global
/// sample order, fed one shard file and one row group at a time.
/// </summary>
/// <remarks>
/// Each row contributes, little-endian and without separators: <c>sample_id</c>, <c>label</c> and <c>prediction</c>
/// (int64 each), then per method in the manifest's column order its attribution's float32 values and, for integrated
/// gradients, its delta (float64). Nothing about the split (shard count, file names, row groups, manifest) enters, so the
/// same rows give the same digest however they were sharded; every value is hashed by its bits, so one changed float
/// gives another digest.
/// </remarks>
internal sealed class ShardContentDigest : IDisposable
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly ShardManifest _run;
    private readonly int _width;
    private readonly bool[] _hasDelta;
    private long _nextSample;

    /// <param name="run">The run's manifest: its methods name the columns, its sample shape their width.</param>
    public ShardContentDigest(ShardManifest run)
    {
        _run = run;
        _width = checked((int)run.SampleShape.Aggregate(1L, (a, b) => a * b));
        _hasDelta = run.Methods.Select(c => c == DatasetExplainOptions.ColumnName(DatasetMethod.IntegratedGradients)).ToArray();
    }

    /// <summary>Adds the rows of one shard file; shards must come in shard order, which is sample order.</summary>
    /// <exception cref="InvalidDataException">A column is missing or malformed, or the rows do not continue the sample order.</exception>
    public void Add(string path)
    {
        ParquetReader reader;
        try { reader = ParquetReader.CreateAsync(path).GetAwaiter().GetResult(); }
        catch (Exception e) when (e is not (FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"'{path}' is not a readable Parquet file ({e.GetType().Name}: {e.Message}); delete it and run its shard again", e);
        }
        try
        {
            var fields = reader.Schema.DataFields;
            DataField Field(string name) => fields.FirstOrDefault(f => f.Name == name && f.MaxRepetitionLevel == 0)
                                            ?? throw Bad(path, $"has no '{name}' column");
            DataField ListField(string name) => fields.FirstOrDefault(f => f.MaxRepetitionLevel == 1 && f.Path.FirstPart == name)
                                                ?? throw Bad(path, $"has no '{name}' list column");
            var ids = Field(ShardFile.SampleId);
            var labels = Field(ShardFile.Label);
            var predictions = Field(ShardFile.Prediction);
            var lists = _run.Methods.Select(ListField).ToArray();
            var deltas = _run.Methods.Select((m, i) => _hasDelta[i] ? Field(m + ShardFile.DeltaSuffix) : null).ToArray();
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var rg = reader.OpenRowGroupReader(g);
                AddRowGroup(path, rg, ids, labels, predictions, lists, deltas);
            }
        }
        finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    private void AddRowGroup(string path, ParquetRowGroupReader rg, DataField ids, DataField labels, DataField predictions,
        DataField[] lists, DataField?[] deltas)
    {
        var rows = checked((int)rg.RowCount);
        long[] Longs(DataField f) { var b = new long[rows]; rg.ReadAsync<long>(f, b.AsMemory()).GetAwaiter().GetResult(); return b; }
        var id = Longs(ids);
        var label = Longs(labels);
        var prediction = Longs(predictions);
        var values = new float[lists.Length][];
        var delta = new double[lists.Length][];
        for (var m = 0; m < lists.Length; m++)
        {
            values[m] = ReadList(path, rg, lists[m], rows);
            if (deltas[m] is { } d) { delta[m] = new double[rows]; rg.ReadAsync<double>(d, delta[m].AsMemory()).GetAwaiter().GetResult(); }
        }

        Span<byte> scalar = stackalloc byte[8];
        var floats = new byte[_width * sizeof(float)];
        for (var r = 0; r < rows; r++)
        {
            if (id[r] != _nextSample)
                throw Bad(path, $"holds sample {id[r]} where sample {_nextSample} comes next: its rows are not in sample order, so DatasetExplainer did not write it");
            _nextSample++;
            AppendLong(scalar, id[r]);
            AppendLong(scalar, label[r]);
            AppendLong(scalar, prediction[r]);
            for (var m = 0; m < lists.Length; m++)
            {
                var row = values[m].AsSpan(r * _width, _width);
                for (var j = 0; j < row.Length; j++) BinaryPrimitives.WriteSingleLittleEndian(floats.AsSpan(j * sizeof(float)), row[j]);
                _sha.AppendData(floats);
                if (delta[m] is { } d)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(scalar, d[r]);
                    _sha.AppendData(scalar);
                }
            }
        }
    }

    // A list column's values, checked to hold one list of exactly the sample's width per row (no nulls), so that slicing
    // them by the width finds each row's attribution.
    private float[] ReadList(string path, ParquetRowGroupReader rg, DataField field, int rows)
    {
        // The column chunk's value count (one per list element here) is checked before the buffers are sized by it.
        var count = rg.GetMetadata(field)?.MetaData?.NumValues ?? -1;
        if (count != (long)rows * _width)
            throw Bad(path, $"column '{field.Path.FirstPart}' holds {count} values for {rows} rows, not {_width} per row (the sample's size)");
        var values = new float[count];
        var definition = new int[count];
        var repetition = new int[count];
        rg.ReadRawAsync<float>(field, values.AsMemory(), definition.AsMemory(), repetition.AsMemory()).GetAwaiter().GetResult();
        for (var i = 0; i < values.Length; i++)
            if (repetition[i] != (i % _width == 0 ? 0 : 1) || definition[i] != field.MaxDefinitionLevel)
                throw Bad(path, $"column '{field.Path.FirstPart}' does not hold one complete list of {_width} values per row");
        return values;
    }

    private void AppendLong(Span<byte> scalar, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(scalar, value);
        _sha.AppendData(scalar);
    }

    private static InvalidDataException Bad(string path, string what) =>
        new($"ShardGather.Gather: '{Path.GetFileName(path)}' {what}; delete it and run its shard again");

    /// <summary>"sha256:" and the lower-case hex digest of every row added; call once, after the last shard.</summary>
    public string Finish() => "sha256:" + Convert.ToHexStringLower(_sha.GetHashAndReset());

    public void Dispose() => _sha.Dispose();
}
