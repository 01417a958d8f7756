using AttrDsl.Checkpoints;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace AttrDsl.Tests.Data;

public sealed unsafe class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static byte[] RawBytes(Tensor t)
    {
        using var c = t.contiguous();
        return c.numel() == 0 ? [] : c.bytes.ToArray();
    }

    /// <summary>Sample tensors of <paramref name="type"/>: a 2×3 matrix, a 0-dim scalar, an empty [0, 2] and a non-contiguous transpose.</summary>
    private static Dictionary<string, Tensor> Samples(ScalarType type)
    {
        using var scope = NewDisposeScope();
        using var basis = tensor(new double[] { -2.5, -1, 0, 1, 2.75, 300 }, [2, 3]);
        var result = new Dictionary<string, Tensor>
        {
            ["matrix"] = basis.to(type, copy: true),
            ["scalar"] = tensor(new double[] { 7 }, []).to(type),
            ["empty"] = zeros([0, 2], type),
        };
        result["transposed"] = result["matrix"].t();
        foreach (var t in result.Values) t.MoveToOuterDisposeScope();
        return result;
    }

    private static void Free(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int16)]
    [InlineData(ScalarType.Int8)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Bool)]
    public void RoundTripIsBitwiseForEveryDtype(ScalarType type)
    {
        var saved = Samples(type);
        var path = PathOf($"{type}.safetensors");
        safetensors.save_file(saved, path);
        var loaded = safetensors.load_file(path);
        try
        {
            Assert.Equal(saved.Keys.Order(), loaded.Keys.Order());
            foreach (var (name, t) in saved)
            {
                var back = loaded[name];
                Assert.Equal(type, back.dtype);
                Assert.Equal(t.shape, back.shape);
                Assert.True(back.is_contiguous());
                Assert.Equal(RawBytes(t), RawBytes(back));
            }
            Assert.Empty(loaded["scalar"].shape);
            Assert.Equal(0, loaded["empty"].numel());
        }
        finally
        {
            Free(saved.Values);
            Free(loaded.Values);
        }
    }

    [Fact]
    public void SpecialFloatValuesSurviveBitwise()
    {
        var values = new[] { float.NaN, -0f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, float.MaxValue, BitConverter.Int32BitsToSingle(0x7FC01234) };
        using var f32 = tensor(values);
        using var f16 = tensor(new[] { Half.NaN, Half.NegativeZero, Half.PositiveInfinity, Half.Epsilon, Half.MaxValue });
        using var i64 = tensor(new[] { long.MinValue, long.MaxValue, -1L });
        var path = PathOf("special.safetensors");
        safetensors.save_file(new Dictionary<string, Tensor> { ["f32"] = f32, ["f16"] = f16, ["i64"] = i64 }, path);
        var loaded = safetensors.load_file(path);
        try
        {
            Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), loaded["f32"].ToArray<float>().Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(RawBytes(f16), RawBytes(loaded["f16"]));
            Assert.Equal(new[] { long.MinValue, long.MaxValue, -1L }, loaded["i64"].ToArray<long>());
        }
        finally { Free(loaded.Values); }
    }

    [Fact]
    public void WriterFollowsTheFormat()
    {
        using var b = tensor(new long[] { 5, -6, 7 });
        using var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        var path = PathOf("format.safetensors");
        safetensors.save_file(new Dictionary<string, Tensor> { ["b"] = b, ["a"] = a }, path, new Dictionary<string, string> { ["framework"] = "attrdsl" });

        var bytes = File.ReadAllBytes(path);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + n) % 8);
        Assert.Equal(8 + n + 16 + 24, bytes.Length);
        var headerText = Encoding.UTF8.GetString(bytes, 8, n);
        Assert.StartsWith("{", headerText);
        Assert.Matches(@"\} *$", headerText);
        using var header = JsonDocument.Parse(headerText);
        var root = header.RootElement;
        Assert.Equal("attrdsl", root.GetProperty("__metadata__").GetProperty("framework").GetString());
        Assert.Equal("F32", root.GetProperty("a").GetProperty("dtype").GetString());
        Assert.Equal(new long[] { 2, 2 }, root.GetProperty("a").GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(new long[] { 0, 16 }, root.GetProperty("a").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("I64", root.GetProperty("b").GetProperty("dtype").GetString());
        Assert.Equal(new long[] { 16, 40 }, root.GetProperty("b").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        var data = bytes.AsSpan(8 + n);
        Assert.Equal(3f, BinaryPrimitives.ReadSingleLittleEndian(data[8..]));
        Assert.Equal(-6L, BinaryPrimitives.ReadInt64LittleEndian(data[24..]));
        Assert.Equal(new Dictionary<string, string> { ["framework"] = "attrdsl" }, safetensors.load_metadata(path));
    }

    /// <summary>Header JSON + data, assembled by hand per the safetensors spec (header padded with spaces to a multiple of 8).</summary>
    private static byte[] Assemble(string json, byte[] data, bool pad = true)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var padding = pad ? (8 - header.Length % 8) % 8 : 0;
        var file = new byte[8 + header.Length + padding + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)(header.Length + padding));
        header.CopyTo(file, 8);
        file.AsSpan(8 + header.Length, padding).Fill((byte)' ');
        data.CopyTo(file, 8 + header.Length + padding);
        return file;
    }

    [Fact]
    public void HandAssembledFileLoads()
    {
        var data = new byte[16 + 8 + 4 + 3 + 4];
        var d = data.AsSpan();
        BinaryPrimitives.WriteSingleLittleEndian(d[0..], 1f);
        BinaryPrimitives.WriteSingleLittleEndian(d[4..], 2f);
        BinaryPrimitives.WriteSingleLittleEndian(d[8..], -3.5f);
        BinaryPrimitives.WriteSingleLittleEndian(d[12..], 0.25f);
        BinaryPrimitives.WriteInt64LittleEndian(d[16..], -42);
        BinaryPrimitives.WriteHalfLittleEndian(d[24..], (Half)1.5);
        BinaryPrimitives.WriteHalfLittleEndian(d[26..], (Half)(-2));
        d[28] = 1; d[29] = 0; d[30] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(d[31..], 0x4049); // bfloat16 3.140625
        d[33] = 0xFF; d[34] = 0x80; // int8 -1, -128
        const string json = """
            {"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"__metadata__":{"format":"pt","note":"by hand"},
             "n":{"dtype":"I64","shape":[],"data_offsets":[16,24]},"h":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},
             "e":{"dtype":"F64","shape":[3,0],"data_offsets":[28,28]},"b":{"dtype":"BOOL","shape":[3],"data_offsets":[28,31]},
             "bf":{"dtype":"BF16","shape":[1],"data_offsets":[31,33]},"i8":{"dtype":"I8","shape":[2],"data_offsets":[33,35]}}
            """;
        foreach (var pad in new[] { true, false })
        {
            var path = PathOf($"hand-{pad}.safetensors");
            File.WriteAllBytes(path, Assemble(json, data, pad));
            var t = safetensors.load_file(path);
            try
            {
                Assert.Equal(["w", "n", "h", "e", "b", "bf", "i8"], t.Keys);
                Assert.Equal(new long[] { 2, 2 }, t["w"].shape);
                Assert.Equal(new[] { 1f, 2f, -3.5f, 0.25f }, t["w"].ToArray<float>());
                Assert.Empty(t["n"].shape);
                Assert.Equal(-42L, t["n"].item<long>());
                Assert.Equal(new[] { (Half)1.5, (Half)(-2) }, t["h"].ToArray<Half>());
                Assert.Equal(new long[] { 3, 0 }, t["e"].shape);
                Assert.Equal(ScalarType.Float64, t["e"].dtype);
                Assert.Equal(new[] { true, false, true }, t["b"].ToArray<bool>());
                using (var bf = t["bf"].to(ScalarType.Float32)) Assert.Equal(3.140625f, bf.item<float>());
                Assert.Equal(new sbyte[] { -1, -128 }, t["i8"].ToArray<sbyte>());
            }
            finally { Free(t.Values); }
            Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "by hand" }, safetensors.load_metadata(path));
        }
    }

    public static TheoryData<string, string> CorruptFiles() => new()
    {
        { "short", "too short" },
        { "length-past-end", "runs past the end" },
        { "length-huge", "runs past the end" },
        { "bad-json", "not valid JSON" },
        { "not-object", "must be a JSON object" },
        { "unknown-dtype", "unsupported dtype \"Q7\"" },
        { "offsets-past-end", "beyond the 16 data bytes" },
        { "overlap", "overlapping" },
        { "gap", "gap" },
        { "shape-mismatch", "needs 12 bytes" },
        { "negative-shape", "non-negative integer" },
        { "reversed-offsets", "end before they begin" },
        { "trailing-bytes", "cover 16 data bytes but 20" },
        { "bad-metadata", "must be a string" },
        { "bad-bool", "booleans must be 0 or 1" },
        { "truncated", "beyond the" },
    };

    private byte[] Corrupt(string kind)
    {
        var data16 = new byte[16];
        string F32(string name, string shape, int begin, int end) => $"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{shape}],\"data_offsets\":[{begin},{end}]}}";
        byte[] Length(ulong n) { var b = new byte[8 + 12]; BinaryPrimitives.WriteUInt64LittleEndian(b, n); return b; }
        switch (kind)
        {
            case "short": return [1, 0, 0];
            case "length-past-end": return Length(13);
            case "length-huge": return Length(ulong.MaxValue);
            case "bad-json": return Assemble("{\"a\": {\"dtype\": ", data16);
            case "not-object": return Assemble("[1, 2]", []);
            case "unknown-dtype": return Assemble("{\"a\":{\"dtype\":\"Q7\",\"shape\":[4],\"data_offsets\":[0,16]}}", data16);
            case "offsets-past-end": return Assemble("{" + F32("a", "25", 0, 100) + "}", data16);
            case "overlap": return Assemble("{" + F32("a", "2", 0, 8) + "," + F32("b", "2", 4, 12) + "}", data16);
            case "gap": return Assemble("{" + F32("a", "1", 0, 4) + "," + F32("b", "2", 8, 16) + "}", data16);
            case "shape-mismatch": return Assemble("{" + F32("a", "3", 0, 16) + "}", data16);
            case "negative-shape": return Assemble("{" + F32("a", "-4", 0, 16) + "}", data16);
            case "reversed-offsets": return Assemble("{" + F32("a", "4", 16, 0) + "}", data16);
            case "trailing-bytes": return Assemble("{" + F32("a", "4", 0, 16) + "}", new byte[20]);
            case "bad-metadata": return Assemble("{\"__metadata__\":{\"k\":1}," + F32("a", "4", 0, 16) + "}", data16);
            case "bad-bool": return Assemble("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}", [1, 2, 0]);
            case "truncated":
                var path = PathOf("whole.safetensors");
                using (var t = arange(10, ScalarType.Float32)) safetensors.save_file(new Dictionary<string, Tensor> { ["t"] = t }, path);
                var whole = File.ReadAllBytes(path);
                return whole[..^4];
            default: throw new ArgumentException(kind);
        }
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void CorruptFilesAreRejected(string kind, string expected)
    {
        var path = PathOf($"{kind}.safetensors");
        File.WriteAllBytes(path, Corrupt(kind));
        var e = Assert.Throws<InvalidDataException>(() => safetensors.load_file(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
        if (kind == "bad-bool") Assert.Empty(safetensors.load_metadata(path)); // the header is fine; only the data is bad
        else Assert.Throws<InvalidDataException>(() => safetensors.load_metadata(path));
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        var path = PathOf("nope.safetensors");
        var e = Assert.Throws<FileNotFoundException>(() => safetensors.load_file(path));
        Assert.Equal(path, e.FileName);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void SavingOverAFileReplacesItAndLeavesNoTemporaryFile()
    {
        var path = PathOf("ckpt.safetensors");
        using (var one = ones(3)) safetensors.save_file(new Dictionary<string, Tensor> { ["x"] = one }, path);
        using (var two = full([2], 2.0)) safetensors.save_file(new Dictionary<string, Tensor> { ["y"] = two }, path);
        var loaded = safetensors.load_file(path);
        Assert.Equal(["y"], loaded.Keys);
        Assert.Equal(new float[] { 2, 2 }, loaded["y"].ToArray<float>());
        Free(loaded.Values);
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void FailedSaveKeepsThePreviousFile()
    {
        var path = PathOf("ckpt.safetensors");
        using var good = arange(5, ScalarType.Float32);
        safetensors.save_file(new Dictionary<string, Tensor> { ["w"] = good }, path);
        var before = File.ReadAllBytes(path);

        var disposed = ones(4);
        disposed.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => safetensors.save_file(new Dictionary<string, Tensor> { ["a"] = good, ["z"] = disposed }, path));
        Assert.Contains("'z' was disposed", e.Message);
        Assert.Equal("tensors['z']", e.ObjectName);
        Assert.Throws<ArgumentException>(() => safetensors.save_file(new Dictionary<string, Tensor> { ["__metadata__"] = good }, path));
        Assert.Throws<ArgumentException>(() => safetensors.save_file(new Dictionary<string, Tensor> { ["w"] = good }, path, new Dictionary<string, string> { ["k"] = null! }));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void FailedMoveIntoPlaceRemovesTheTemporaryFile()
    {
        // The target is a directory: the data is fully written to the temporary file, then the final move fails.
        var target = PathOf("occupied.safetensors");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "keep.txt"), "keep");
        using var t = arange(1000, ScalarType.Float64);
        var e = Record.Exception(() => safetensors.save_file(new Dictionary<string, Tensor> { ["t"] = t }, target));
        Assert.True(e is IOException or UnauthorizedAccessException, $"unexpected {e?.GetType().Name ?? "success"}");
        Assert.Equal([target], Directory.GetFileSystemEntries(_dir));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(target, "keep.txt")));

        var missingDir = Path.Combine(_dir, "no", "such", "dir", "x.safetensors");
        Assert.Throws<DirectoryNotFoundException>(() => safetensors.save_file(new Dictionary<string, Tensor> { ["t"] = t }, missingDir));
        Assert.Equal([target], Directory.GetFileSystemEntries(_dir));
    }
}
