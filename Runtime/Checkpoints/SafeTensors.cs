using System.Buffers.Binary;
using System.Text.Json;

namespace AttrDsl.Checkpoints;

/// <summary>
/// Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format, as the
/// Python package's <c>safetensors.torch.save_file</c> / <c>load_file</c>: an 8-byte little-endian header
/// length N, N bytes of JSON (<c>{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}</c>,
/// padded with spaces to a multiple of 8), then the raw little-endian tensor bytes, offsets relative to the
/// end of the header.
/// </summary>
public static unsafe class safetensors
{
    private const string MetadataKey = "__metadata__";
    private const int CopyChunk = 1 << 26;
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Writes <paramref name="tensors"/> (contiguous, in ordinal name order) and optional string
    /// <paramref name="metadata"/> to <paramref name="path"/>. The write is atomic: the file is assembled beside
    /// <paramref name="path"/>, flushed to disk, then moved over it, so a failed or interrupted save leaves any previous
    /// file untouched — and no temporary file behind, even when the process is killed mid-save: on Linux the data is
    /// written to an unnamed file (<c>O_TMPFILE</c>) that is named only once complete, and every save and load of a path
    /// removes the temporary files (<c>.&lt;file&gt;.&lt;host&gt;.&lt;pid&gt;.&lt;random&gt;.attrdsl-tmp</c>) that
    /// writers no longer running on this machine left beside it.
    /// </summary>
    /// <exception cref="ArgumentException">An empty or reserved name.</exception>
    /// <exception cref="ObjectDisposedException">A tensor was disposed (named as <c>tensors['name']</c>); nothing was written.</exception>
    public static void save_file(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors I/O needs a little-endian machine");

        var names = tensors.Keys.ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        var entries = new (string Name, Tensor Tensor, ScalarType Type, long[] Shape, long Bytes)[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var name = names[i];
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("tensor names must not be empty", nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved for metadata and cannot name a tensor", nameof(tensors));
            var t = tensors[name] ?? throw new ArgumentException($"tensor '{name}' is null", nameof(tensors));
            if (t.IsInvalid)
                throw new ObjectDisposedException($"tensors['{name}']",
                    $"safetensors.save_file: tensor '{name}' was disposed (its Dispose() ran, or the dispose scope it was made in ended); nothing was written. " +
                    "Pass live tensors: save before the scope ends, or keep them with MoveToOuterDisposeScope().");
            var type = t.dtype;
            try { DTypeName(type); }
            catch (NotSupportedException) { throw new NotSupportedException($"safetensors.save_file: tensor '{name}' is {type}, which safetensors cannot store (it has no complex or quantized dtypes); nothing was written. Store its real and imaginary parts (view_as_real) instead."); }
            entries[i] = (name, t, type, t.shape, checked(t.numel() * type.ElementSize()));
        }

        var header = Header(entries.Select(e => (e.Name, e.Type, e.Shape, e.Bytes)), metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var e in entries)
            {
                if (e.Bytes == 0) continue;
                using var c = e.Tensor.contiguous();
                using var cpu = c.device_type == DeviceType.CPU ? c.alias() : c.cpu();
                var all = cpu.bytes;
                for (int done = 0; done < all.Length; done += CopyChunk)
                    stream.Write(all.Slice(done, Math.Min(CopyChunk, all.Length - done)));
            }
        });
    }

    /// <summary>
    /// Reads every tensor of a safetensors file into new tensors (created in the current <see cref="DisposeScope"/>),
    /// keyed by name in file order.
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is a directory.</exception>
    /// <exception cref="InvalidDataException">The file is truncated, its header is not UTF-8, or it is malformed or inconsistent (the message names the file).</exception>
    public static Dictionary<string, Tensor> load_file(string path) => Read(path).Tensors;

    /// <summary>The tensors and the metadata of a safetensors file, read through one open handle (so both come from the
    /// same file even when another process replaces it meanwhile).</summary>
    internal static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        using var stream = Open(path);
        AtomicFile.RemoveStaleTemporaries(path);
        var (entries, metadata, dataStart) = ReadHeader(stream, path);
        var result = new Dictionary<string, Tensor>(entries.Count, StringComparer.Ordinal);
        try
        {
            foreach (var e in entries)
            {
                var t = torch.empty(e.Shape, e.Type);
                result.Add(e.Name, t);
                var length = e.End - e.Begin;
                if (length == 0) continue;
                stream.Position = dataStart + e.Begin;
                var all = t.bytes;
                for (int done = 0; done < all.Length; done += CopyChunk)
                {
                    var chunk = all.Slice(done, Math.Min(CopyChunk, all.Length - done));
                    stream.ReadExactly(chunk);
                    if (e.Type == ScalarType.Bool && chunk.IndexOfAnyExcept((byte)0, (byte)1) is var bad and >= 0)
                        throw Bad(path, $"BOOL tensor '{e.Name}' holds the byte {chunk[bad]} at element {done + bad}; booleans must be 0 or 1");
                }
            }
            return (result, metadata);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>The <c>__metadata__</c> strings of a safetensors file (empty when it has none); the header is fully validated.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is a directory.</exception>
    /// <exception cref="InvalidDataException">The file is truncated, its header is not UTF-8, or it is malformed or inconsistent (the message names the file).</exception>
    public static Dictionary<string, string> load_metadata(string path)
    {
        using var stream = Open(path);
        return ReadHeader(stream, path).Metadata;
    }

    // ------------------------------------------------------------------ writing

    private static byte[] Header(IEnumerable<(string Name, ScalarType Type, long[] Shape, long Bytes)> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    w.WriteString(k ?? throw new ArgumentException("metadata keys must not be null", nameof(metadata)),
                        v ?? throw new ArgumentException($"metadata value '{k}' is null", nameof(metadata)));
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, type, shape, bytes) in entries)
            {
                w.WriteStartObject(name);
                w.WriteString("dtype", DTypeName(type));
                w.WriteStartArray("shape");
                foreach (var s in shape) w.WriteNumberValue(s);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        var padding = (int)((8 - buffer.Length % 8) % 8);
        for (var i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    // ------------------------------------------------------------------ reading

    private readonly record struct Entry(string Name, ScalarType Type, long[] Shape, long Begin, long End);

    private static FileStream Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors I/O needs a little-endian machine");
        if (Directory.Exists(path))
            throw new ArgumentException($"'{path}' is a directory, not a safetensors file; pass the path of the file in it (e.g. {Path.Combine(path, "model.safetensors")})", nameof(path));
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file not found: {path}", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata, long DataStart) ReadHeader(FileStream stream, string path)
    {
        var fileLength = stream.Length;
        if (fileLength < 8)
            throw Bad(path, $"the file is {fileLength} bytes long, too short for the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8))
            throw Bad(path, $"the header length {headerLength} runs past the end of the file ({fileLength - 8} bytes follow the length)");
        if (headerLength > int.MaxValue)
            throw Bad(path, $"the header length {headerLength} is too large");
        var json = new byte[(int)headerLength];
        stream.ReadExactly(json);
        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;

        // The format's header is UTF-8 JSON; other bytes would surface as a decoder error that names no file.
        try { StrictUtf8.GetCharCount(json); }
        catch (System.Text.DecoderFallbackException e)
        {
            var offset = e.Index < 0 ? "" : $" at header offset {e.Index}";
            var bytes = e.BytesUnknown is { Length: > 0 } unknown ? $" (byte{(unknown.Length == 1 ? "" : "s")} {string.Join(" ", unknown.Select(b => $"0x{b:X2}"))}{offset})" : offset;
            throw Bad(path, $"the header is not UTF-8 text{bytes}; it may have been written by a tool that used another encoding, or the file is damaged", e);
        }
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw Bad(path, $"the header is not valid JSON ({e.Message})", e); }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Bad(path, $"the header must be a JSON object, not {doc.RootElement.ValueKind}");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<Entry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name)) throw Bad(path, $"the header names '{prop.Name}' twice");
                if (prop.Name == MetadataKey) ReadMetadata(prop.Value, metadata, path);
                else entries.Add(ReadEntry(prop.Name, prop.Value, path));
            }

            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long expected = 0;
            foreach (var e in entries)
            {
                if (e.End > dataLength)
                    throw Bad(path, $"tensor '{e.Name}' has data_offsets [{e.Begin}, {e.End}] beyond the {dataLength} data bytes");
                if (e.Begin < expected)
                    throw Bad(path, $"tensor '{e.Name}' has data_offsets [{e.Begin}, {e.End}] overlapping the previous tensor, which ends at {expected}");
                if (e.Begin > expected)
                    throw Bad(path, $"tensor '{e.Name}' starts at {e.Begin}, leaving a gap after the previous tensor, which ends at {expected}");
                expected = e.End;
            }
            if (expected != dataLength)
                throw Bad(path, $"the tensors cover {expected} data bytes but {dataLength} follow the header");
            return (entries, metadata, dataStart);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Bad(path, $"'{MetadataKey}' must be an object of strings");
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String) throw Bad(path, $"metadata '{m.Name}' must be a string, not {m.Value.ValueKind}");
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!)) throw Bad(path, $"metadata names '{m.Name}' twice");
        }
    }

    private static Entry ReadEntry(string name, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Bad(path, $"tensor '{name}' must be described by an object");
        if (!value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw Bad(path, $"tensor '{name}' has no string \"dtype\"");
        var type = ParseDType(dtype.GetString()!) ?? throw Bad(path, $"tensor '{name}' has the unsupported dtype \"{dtype.GetString()}\" (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        var shape = ReadLongs(value, "shape", name, path);
        var offsets = ReadLongs(value, "data_offsets", name, path);
        if (offsets.Length != 2) throw Bad(path, $"tensor '{name}' must have two data_offsets, not {offsets.Length}");
        if (offsets[1] < offsets[0]) throw Bad(path, $"tensor '{name}' has data_offsets [{offsets[0]}, {offsets[1]}] that end before they begin");
        long bytes;
        try
        {
            long n = 1;
            foreach (var s in shape) n = checked(n * s);
            bytes = checked(n * type.ElementSize());
        }
        catch (OverflowException) { throw Bad(path, $"tensor '{name}' has a shape [{string.Join(", ", shape)}] too large to address"); }
        if (bytes != offsets[1] - offsets[0])
            throw Bad(path, $"tensor '{name}' of shape [{string.Join(", ", shape)}] and dtype {DTypeName(type)} needs {bytes} bytes but its data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]}");
        return new Entry(name, type, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadLongs(JsonElement value, string field, string name, string path)
    {
        if (!value.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"tensor '{name}' has no \"{field}\" array");
        var result = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v) || v < 0)
                throw Bad(path, $"tensor '{name}' has a \"{field}\" entry that is not a non-negative integer: {item.GetRawText()}");
            result[i++] = v;
        }
        return result;
    }

    private static InvalidDataException Bad(string path, string message, Exception? inner = null) =>
        new($"'{path}' is not a valid safetensors file: {message}.", inner);

    // ------------------------------------------------------------------ dtypes

    private static string DTypeName(ScalarType type) => type switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"safetensors cannot store {type} tensors"),
    };

    private static ScalarType? ParseDType(string name) => name switch
    {
        "F64" => ScalarType.Float64,
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => null,
    };
}
