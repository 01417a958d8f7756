using System.Buffers.Binary;
using System.IO.Compression;
using AttrDsl.Data;

namespace AttrDsl.Tests.Data;

/// <summary>
/// Idx.Read against files written byte by byte here: the header and the big-endian values are spelled out, so the
/// expected tensor is known independently of the reader.
/// </summary>
public sealed class IdxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal)) gz.Write(bytes);
        return output.ToArray();
    }

    // A 2×3 image stack of unsigned bytes: magic 00 00 08 03, sizes 2, 2, 3, then the 12 pixels.
    private static readonly byte[] TwoImages =
    [
        0, 0, 0x08, 3,
        0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3,
        0, 1, 2, 127, 128, 255,
        10, 20, 30, 40, 50, 60,
    ];

    [Fact]
    public void UnsignedBytesComeBackWithTheirShapeAndValues()
    {
        using var t = Idx.Read(Write("images-idx3-ubyte", TwoImages));
        Assert.Equal(ScalarType.Byte, t.dtype);
        Assert.Equal(new long[] { 2, 2, 3 }, t.shape);
        Assert.Equal(new byte[] { 0, 1, 2, 127, 128, 255, 10, 20, 30, 40, 50, 60 }, t.data<byte>().ToArray());
        Assert.Equal(128, t[0, 1, 1].item<byte>());   // row-major: image 0, row 1, column 1
    }

    [Fact]
    public void GzipFilesReadAsThePlainFileWhateverTheirName()
    {
        using var plain = Idx.Read(Write("a-idx3-ubyte", TwoImages));
        using var gz = Idx.Read(Write("a-idx3-ubyte.gz", Gzip(TwoImages)));
        using var gzWithoutSuffix = Idx.Read(Write("b-idx3-ubyte", Gzip(TwoImages)));
        using var plainWithSuffix = Idx.Read(Write("c-idx3-ubyte.gz", TwoImages));
        foreach (var t in new[] { gz, gzWithoutSuffix, plainWithSuffix })
        {
            Assert.Equal(plain.shape, t.shape);
            Assert.Equal(plain.data<byte>().ToArray(), t.data<byte>().ToArray());
        }
    }

    [Fact]
    public void EveryTypeCodeIsReadBigEndian()
    {
        // 0x09 signed bytes [3]: 0xFF is −1, 0x80 is −128.
        using var int8 = Idx.Read(Write("s8", [0, 0, 0x09, 1, 0, 0, 0, 3, 0xFF, 0x80, 0x7F]));
        Assert.Equal(ScalarType.Int8, int8.dtype);
        Assert.Equal(new sbyte[] { -1, -128, 127 }, int8.data<sbyte>().ToArray());

        // 0x0B 16-bit [2]: 01 02 is 258, FF FE is −2.
        using var int16 = Idx.Read(Write("i16", [0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE]));
        Assert.Equal(ScalarType.Int16, int16.dtype);
        Assert.Equal(new short[] { 258, -2 }, int16.data<short>().ToArray());

        // 0x0C 32-bit [1, 2]: 00 01 00 00 is 65536, 80 00 00 00 is int.MinValue.
        using var int32 = Idx.Read(Write("i32", [0, 0, 0x0C, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 0, 0x80, 0, 0, 0]));
        Assert.Equal(ScalarType.Int32, int32.dtype);
        Assert.Equal(new long[] { 1, 2 }, int32.shape);
        Assert.Equal(new[] { 65536, int.MinValue }, int32.data<int>().ToArray());

        // 0x0D float [2]: 3F 80 00 00 is 1.0, C0 49 0F DB is −π (float).
        using var f32 = Idx.Read(Write("f32", [0, 0, 0x0D, 1, 0, 0, 0, 2, 0x3F, 0x80, 0, 0, 0xC0, 0x49, 0x0F, 0xDB]));
        Assert.Equal(ScalarType.Float32, f32.dtype);
        Assert.Equal(new[] { 1f, -MathF.PI }, f32.data<float>().ToArray());

        // 0x0E double [1]: 40 09 21 FB 54 44 2D 18 is π.
        using var f64 = Idx.Read(Write("f64", [0, 0, 0x0E, 1, 0, 0, 0, 1, 0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18]));
        Assert.Equal(ScalarType.Float64, f64.dtype);
        Assert.Equal(Math.PI, f64.item<double>());
    }

    [Fact]
    public void ALargeFileRoundTripsThroughGzip()
    {
        // 300 images of 28×28 with a pattern no two positions share modulo 251.
        const int n = 300;
        var bytes = new byte[4 + 12 + n * 784];
        bytes[2] = 0x08;
        bytes[3] = 3;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), n);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), 28);
        for (var i = 0; i < n * 784; i++) bytes[16 + i] = (byte)(i * 7 % 251);
        using var t = Idx.Read(Write("big.gz", Gzip(bytes)));
        Assert.Equal(new long[] { n, 28, 28 }, t.shape);
        Assert.Equal(bytes[16..], t.data<byte>().ToArray());
    }

    [Fact]
    public void AFileThatIsNotIdxIsRefusedWithItsMagicNumber()
    {
        var path = Write("notes.txt", "hello world"u8.ToArray());
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.Contains("notes.txt", e.Message);
        Assert.Contains("68656C6C", e.Message);          // "hell", as read
        Assert.Contains("00000803", e.Message);          // what MNIST images start with
    }

    [Fact]
    public void ATruncatedFileSaysSoAndHowMuchIsMissing()
    {
        var plain = Write("cut", TwoImages[..^2]);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(plain));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("12 bytes", e.Message);
        Assert.Contains("10 bytes", e.Message);

        var gz = Write("cut.gz", Gzip(TwoImages[..^2]));
        e = Assert.Throws<InvalidDataException>(() => Idx.Read(gz));
        Assert.Contains("truncated", e.Message);

        var header = Write("header-cut", TwoImages[..10]);
        e = Assert.Throws<InvalidDataException>(() => Idx.Read(header));
        Assert.Contains("header", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void BytesAfterTheDataAreRefused()
    {
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(Write("long", [.. TwoImages, 1, 2])));
        Assert.Contains("14 bytes follow", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Idx.Read(Write("long.gz", Gzip([.. TwoImages, 1]))));
        Assert.Contains("more bytes follow", e.Message);
    }

    [Fact]
    public void AMissingFileNamesItsFullPath()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Idx.Read(Path.Combine(_dir, "train-images-idx3-ubyte")));
        Assert.Contains(Path.Combine(_dir, "train-images-idx3-ubyte"), e.Message);
    }
}
