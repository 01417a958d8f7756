using System.IO.Compression;
using AttrDsl.Data;
using SkiaSharp;

namespace AttrDsl.HostileInputs;

/// <summary>The data loaders (Idx.Read, Mnist.Load, ImageFolder.Load): missing and damaged files, wrong formats, bad sizes.</summary>
public static class DataCases
{
    public const string Area = "data";

    private static Case C(string entry, string name, Func<object?> action, Expectation e) => new(Area, entry, name, action, e);

    // Runs `use` on a fresh temporary folder and removes the folder afterwards (the tensors returned live in memory).
    private static object? InDir(Func<string, object?> use)
    {
        var dir = Path.Combine(Path.GetTempPath(), "attrdsl-hostile-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try { return use(dir); }
        finally { Directory.Delete(dir, true); }
    }

    private static string Put(string dir, string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(bytes);
        return output.ToArray();
    }

    // An IDX file of unsigned bytes: 00 00 08 <dims>, big-endian sizes, then the data.
    private static byte[] Ubyte(int[] sizes, byte[] data)
    {
        var header = new List<byte> { 0, 0, 0x08, (byte)sizes.Length };
        foreach (var s in sizes) header.AddRange([(byte)(s >> 24), (byte)(s >> 16), (byte)(s >> 8), (byte)s]);
        return [.. header, .. data];
    }

    private static byte[] Images(int n) => Ubyte([n, 28, 28], Enumerable.Range(0, n * 784).Select(i => (byte)(i % 256)).ToArray());
    private static byte[] Labels(params byte[] labels) => Ubyte([labels.Length], labels);

    private static byte[] Png(int width, int height, SKColor color)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(color);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static IEnumerable<Case> All()
    {
        // ---------------------------------------------------------------- Idx.Read
        (string Name, Func<byte[]> Bytes, string[] Mention)[] badIdx =
        [
            ("empty-file", () => [], ["0 bytes", "truncated"]),
            ("text-file", () => "hello world"u8.ToArray(), ["68656C6C", "00000803"]),
            ("unknown-type-code", () => [0, 0, 0x07, 1, 0, 0, 0, 1, 5], ["0x07", "type"]),
            ("zero-dimensions", () => [0, 0, 0x08, 0, 5], ["0 dimensions"]),
            ("too-many-dimensions", () => [0, 0, 0x08, 200], ["200 dimensions"]),
            ("header-cut", () => [0, 0, 0x08, 3, 0, 0, 0, 2], ["header", "truncated"]),
            ("negative-size", () => [0, 0, 0x08, 1, 0xFF, 0xFF, 0xFF, 0xFE], ["-2"]),
            ("data-truncated", () => Ubyte([2, 3], [1, 2, 3, 4]), ["6 bytes", "4 bytes", "truncated"]),
            ("data-too-long", () => Ubyte([2], [1, 2, 3]), ["2 bytes", "3 bytes"]),
            ("huge-declared-size", () => [0, 0, 0x0E, 3, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF], ["more than one array"]),
            ("float-data-truncated", () => [0, 0, 0x0D, 1, 0, 0, 0, 2, 0x3F, 0x80, 0, 0], ["8 bytes", "4 bytes", "truncated"]),
            ("gzip-truncated", () => { var gz = Gzip(Images(3)); return gz[..(gz.Length / 2)]; }, ["truncated|damaged"]),
            ("gzip-huge-declared-size", () => Gzip([0, 0, 0x08, 2, 0x10, 0, 0, 0, 0, 0, 0, 1]), ["gzip", "268435456"]),
            ("gzip-garbage-after-magic", () => [0x1F, 0x8B, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], ["gzip|damaged"]),
        ];
        foreach (var (name, bytes, mention) in badIdx)
            yield return C("Idx.Read", name, () => InDir(d => Idx.Read(Put(d, "f-idx", bytes()))), Expect.Error<InvalidDataException>([.. mention, "f-idx"]));
        yield return C("Idx.Read", "null-path", () => Idx.Read(null!), Expect.Null("path"));
        yield return C("Idx.Read", "empty-path", () => Idx.Read(""), Expect.Error<ArgumentException>("path", "empty"));
        yield return C("Idx.Read", "path-is-directory", () => InDir(d => Idx.Read(d)), Expect.Error<ArgumentException>("directory"));
        yield return C("Idx.Read", "missing-file", () => InDir(d => Idx.Read(Path.Combine(d, "train-images-idx3-ubyte"))), Expect.Error<FileNotFoundException>("train-images-idx3-ubyte"));
        yield return C("Idx.Read", "ubyte-values", () => InDir(d => Idx.Read(Put(d, "a", Ubyte([2, 2], [0, 1, 254, 255])))),
            Expect.Result("uint8 [2, 2] = 0, 1, 254, 255", r => Verify.Tensor(r, [2, 2], ScalarType.Byte) ?? (((Tensor)r!).data<byte>().ToArray() is [0, 1, 254, 255] ? null : "wrong values")));
        yield return C("Idx.Read", "gzip-int32-big-endian", () => InDir(d => Idx.Read(Put(d, "a.gz", Gzip([0, 0, 0x0C, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF])))),
            Expect.Result("int32 [2] = 256, -1", r => Verify.Tensor(r, [2], ScalarType.Int32) ?? (((Tensor)r!).data<int>().ToArray() is [256, -1] ? null : "wrong values")));
        yield return C("Idx.Read", "zero-size-dimension", () => InDir(d => Idx.Read(Put(d, "a", Ubyte([0, 28, 28], [])))), Expect.Result("uint8 [0, 28, 28]", r => Verify.Tensor(r, [0, 28, 28], ScalarType.Byte)));

        // ---------------------------------------------------------------- Mnist.Load
        yield return C("Mnist.Load", "null-folder", () => Mnist.Load(null!), Expect.Null("folder"));
        yield return C("Mnist.Load", "empty-folder-name", () => Mnist.Load(""), Expect.Error<ArgumentException>("folder", "empty"));
        yield return C("Mnist.Load", "missing-folder", () => InDir(d => Mnist.Load(Path.Combine(d, "mnist"))), Expect.Error<DirectoryNotFoundException>("mnist", "does not exist"));
        yield return C("Mnist.Load", "folder-is-a-file", () => InDir(d => Mnist.Load(Put(d, "mnist", [1]))), Expect.Error<ArgumentException>("mnist", "file"));
        yield return C("Mnist.Load", "undefined-split", () => InDir(d => Mnist.Load(d, (MnistSplit)7)), Expect.Error<ArgumentOutOfRangeException>("split", "7"));
        yield return C("Mnist.Load", "no-files", () => InDir(d => Mnist.Load(d)), Expect.Error<FileNotFoundException>("train-images-idx3-ubyte", "train-images-idx3-ubyte.gz", "train-images.idx3-ubyte", Mnist.DownloadUrl));
        yield return C("Mnist.Load", "labels-missing", () => InDir(d => { Put(d, "t10k-images-idx3-ubyte.gz", Gzip(Images(2))); return Mnist.Load(d, MnistSplit.Test); }),
            Expect.Error<FileNotFoundException>("t10k-labels-idx1-ubyte", "download"));
        yield return C("Mnist.Load", "count-mismatch", () => InDir(d => { Put(d, "train-images-idx3-ubyte", Images(2)); Put(d, "train-labels-idx1-ubyte", Labels(1, 2, 3)); return Mnist.Load(d); }),
            Expect.Error<InvalidDataException>("2 images", "3 labels"));
        yield return C("Mnist.Load", "labels-in-place-of-images", () => InDir(d => { Put(d, "train-images-idx3-ubyte", Labels(1, 2)); Put(d, "train-labels-idx1-ubyte", Labels(1, 2)); return Mnist.Load(d); }),
            Expect.Error<InvalidDataException>("train-images-idx3-ubyte", "[N, H, W]"));
        yield return C("Mnist.Load", "images-in-place-of-labels", () => InDir(d => { Put(d, "train-images-idx3-ubyte", Images(2)); Put(d, "train-labels-idx1-ubyte", Images(2)); return Mnist.Load(d); }),
            Expect.Error<InvalidDataException>("train-labels-idx1-ubyte", "[N]"));
        yield return C("Mnist.Load", "no-images", () => InDir(d => { Put(d, "train-images-idx3-ubyte", Ubyte([0, 28, 28], [])); Put(d, "train-labels-idx1-ubyte", Labels()); return Mnist.Load(d); }),
            Expect.Error<InvalidDataException>("no pixels"));
        yield return C("Mnist.Load", "damaged-images-file", () => InDir(d => { Put(d, "train-images-idx3-ubyte", Images(2)[..100]); Put(d, "train-labels-idx1-ubyte", Labels(1, 2)); return Mnist.Load(d); }),
            Expect.Error<InvalidDataException>("train-images-idx3-ubyte", "truncated"));
        yield return C("Mnist.Load", "valid-gz", () => InDir(d => { Put(d, "train-images-idx3-ubyte.gz", Gzip(Images(2))); Put(d, "train-labels-idx1-ubyte.gz", Gzip(Labels(3, 9))); return Mnist.Load(d); }),
            Expect.Result("images [2, 1, 28, 28] = byte / 255, labels 3, 9", r =>
            {
                var (images, labels) = ((Tensor, Tensor))r!;
                if (Verify.Tensor(images, [2, 1, 28, 28], ScalarType.Float32) is { } bad) return bad;
                if (Verify.Tensor(labels, [2], ScalarType.Int64) is { } badLabels) return badLabels;
                if (labels.data<long>().ToArray() is not [3, 9]) return "wrong labels";
                return images[1, 0, 0, 1].item<float>() == (784 + 1) % 256 / 255f ? null : $"pixel 785 is {images[1, 0, 0, 1].item<float>()}";
            }));

        // ---------------------------------------------------------------- ImageFolder.Load
        yield return C("ImageFolder.Load", "null-root", () => ImageFolder.Load(null!, 8, 8), Expect.Null("root"));
        yield return C("ImageFolder.Load", "empty-root", () => ImageFolder.Load("", 8, 8), Expect.Error<ArgumentException>("root", "empty"));
        yield return C("ImageFolder.Load", "missing-root", () => InDir(d => ImageFolder.Load(Path.Combine(d, "pictures"), 8, 8)), Expect.Error<DirectoryNotFoundException>("pictures", "does not exist"));
        yield return C("ImageFolder.Load", "root-is-a-file", () => InDir(d => ImageFolder.Load(Put(d, "pictures", [1]), 8, 8)), Expect.Error<ArgumentException>("pictures", "file"));
        yield return C("ImageFolder.Load", "no-classes", () => InDir(d => ImageFolder.Load(d, 8, 8)), Expect.Error<InvalidDataException>("no class folders"));
        yield return C("ImageFolder.Load", "pictures-without-class-folders", () => InDir(d => { Put(d, "a.png", Png(2, 2, SKColors.Red)); return ImageFolder.Load(d, 8, 8); }),
            Expect.Error<InvalidDataException>("no class folders", "1 picture"));
        yield return C("ImageFolder.Load", "empty-class", () => InDir(d => { Put(d, "cat/a.png", Png(2, 2, SKColors.Red)); Directory.CreateDirectory(Path.Combine(d, "dog")); return ImageFolder.Load(d, 8, 8); }),
            Expect.Error<InvalidDataException>("dog", "no picture"));
        yield return C("ImageFolder.Load", "class-of-text-files", () => InDir(d => { Put(d, "cat/a.txt", [1, 2]); return ImageFolder.Load(d, 8, 8); }),
            Expect.Error<InvalidDataException>("cat", "no picture", ".png"));
        yield return C("ImageFolder.Load", "undecodable", () => InDir(d => { Put(d, "cat/a.png", Png(2, 2, SKColors.Red)); Put(d, "cat/bad.png", "not a picture"u8.ToArray()); return ImageFolder.Load(d, 8, 8); }),
            Expect.Error<InvalidDataException>("bad.png", "decoded"));
        yield return C("ImageFolder.Load", "truncated-png", () => InDir(d => { var png = Png(64, 64, SKColors.Red); Put(d, "cat/cut.png", png[..(png.Length / 2)]); return ImageFolder.Load(d, 8, 8); }),
            Expect.Error<InvalidDataException>("cut.png"));
        yield return C("ImageFolder.Load", "empty-file", () => InDir(d => { Put(d, "cat/zero.jpg", []); return ImageFolder.Load(d, 8, 8); }),
            Expect.Error<InvalidDataException>("zero.jpg"));
        yield return C("ImageFolder.Load", "width-0", () => InDir(d => { Put(d, "cat/a.png", Png(2, 2, SKColors.Red)); return ImageFolder.Load(d, 0, 8); }), Expect.Error<ArgumentOutOfRangeException>("width", "0"));
        yield return C("ImageFolder.Load", "height-negative", () => InDir(d => { Put(d, "cat/a.png", Png(2, 2, SKColors.Red)); return ImageFolder.Load(d, 8, -3); }), Expect.Error<ArgumentOutOfRangeException>("height", "-3"));
        yield return C("ImageFolder.Load", "side-too-large", () => InDir(d => { Put(d, "cat/a.png", Png(2, 2, SKColors.Red)); return ImageFolder.Load(d, 100_000, 8); }), Expect.Error<ArgumentOutOfRangeException>("width", "100000", "8192"));
        yield return C("ImageFolder.Load", "too-many-values", () => InDir(d => { for (var i = 0; i < 12; i++) Put(d, $"cat/{i}.png", Png(1, 1, SKColors.Red)); return ImageFolder.Load(d, 8192, 8192); }),
            Expect.Error<ArgumentOutOfRangeException>("12 pictures", "GiB"));
        yield return C("ImageFolder.Load", "valid-two-classes", () => InDir(d =>
            {
                Put(d, "b/x.png", Png(4, 4, new SKColor(0, 255, 51)));
                Put(d, "a/y.png", Png(2, 2, new SKColor(255, 0, 102)));
                return ImageFolder.Load(d, 3, 3);
            }),
            Expect.Result("classes a, b; RGB values of each plain picture", r =>
            {
                var (images, labels, classes) = ((Tensor, Tensor, IReadOnlyList<string>))r!;
                if (Verify.Tensor(images, [2, 3, 3, 3], ScalarType.Float32) is { } bad) return bad;
                if (classes is not ["a", "b"]) return $"classes {string.Join(", ", classes)}";
                if (labels.data<long>().ToArray() is not [0, 1]) return "wrong labels";
                var truth = tensor(new[] { 1f, 0f, 0.4f, 0f, 1f, 0.2f }).reshape(2, 3, 1, 1);
                return Verify.Close(images, truth.expand(2, 3, 3, 3), 1.0 / 255);
            }));
    }
}
