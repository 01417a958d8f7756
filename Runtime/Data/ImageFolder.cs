using SkiaSharp;

namespace AttrDsl.Data;

/// <summary>
/// A folder of pictures with one sub-folder per class (<c>root/cat/1.png</c>, <c>root/dog/x.jpg</c>), as torchvision's
/// <c>ImageFolder</c> reads it, loaded into tensors.
/// </summary>
/// <remarks>
/// Pictures are decoded with SkiaSharp. Like the TorchSharp backend, SkiaSharp's native library is the application's
/// choice: on Linux add the package <c>SkiaSharp.NativeAssets.Linux.NoDependencies</c> 2.88.6 (on Windows and macOS
/// <c>SkiaSharp.NativeAssets.Win32</c> / <c>SkiaSharp.NativeAssets.macOS</c>).
/// </remarks>
public static class ImageFolder
{
    /// <summary>The file extensions read (any case); other files are skipped, as torchvision does.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <summary>The largest width or height accepted.</summary>
    public const int MaxSide = 8192;

    /// <summary>The most pixels a picture may have to be decoded: 2^28 (16384 × 16384, 1 GiB of RGBA).</summary>
    public const long MaxPicturePixels = 1L << 28;

    /// <summary>The most values (N·C·H·W) one load may produce: 2^31 − 1 floats, 8 GiB.</summary>
    public const long MaxValues = int.MaxValue;

    /// <summary>
    /// Loads every picture under <paramref name="root"/>: each sub-folder is a class, its name the class name; classes
    /// are numbered in the ordinal order of their names (as torchvision sorts them), pictures are taken from the class
    /// folder and the folders below it, in the ordinal order of their paths. Each picture is resized to
    /// <paramref name="width"/> × <paramref name="height"/> (high-quality resampling; a picture of that size is kept as it
    /// is) and converted to RGB, or to grey with the ITU-R 601 weights 0.299 R + 0.587 G + 0.114 B when
    /// <paramref name="grayscale"/>; transparency is dropped.
    /// </summary>
    /// <param name="root">The folder that holds one sub-folder per class.</param>
    /// <param name="width">Width of the loaded images, 1 to <see cref="MaxSide"/>.</param>
    /// <param name="height">Height of the loaded images, 1 to <see cref="MaxSide"/>.</param>
    /// <param name="grayscale">One grey channel instead of three RGB channels.</param>
    /// <returns>Images float32 [N, C, H, W] (C = 1 or 3) with values in [0, 1] (byte / 255), labels int64 [N] (the index of
    /// each picture's class in ClassNames), and the class names; new CPU tensors, in the caller's dispose scope if there is one.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="root"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="root"/> is empty or a file.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is outside 1 to
    /// <see cref="MaxSide"/>, or the pictures at that size would exceed <see cref="MaxValues"/>.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException"><paramref name="root"/> has no class folders, a class folder holds no
    /// picture, or a picture cannot be decoded (the file is named).</exception>
    /// <exception cref="InvalidOperationException">SkiaSharp's native library is missing (the message names the package to add).</exception>
    public static (Tensor Images, Tensor Labels, IReadOnlyList<string> ClassNames) Load(string root, int width, int height, bool grayscale = false)
    {
        const string method = "ImageFolder.Load";
        var full = DataFiles.Folder(root, method, nameof(root));
        if (width is < 1 or > MaxSide)
            throw new ArgumentOutOfRangeException(nameof(width), width, $"{method}: width is {width}; pass a width from 1 to {MaxSide} pixels");
        if (height is < 1 or > MaxSide)
            throw new ArgumentOutOfRangeException(nameof(height), height, $"{method}: height is {height}; pass a height from 1 to {MaxSide} pixels");

        var classes = Directory.GetDirectories(full).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0)
        {
            var loose = Pictures(full, SearchOption.TopDirectoryOnly).Count;
            throw new InvalidDataException($"{method}: '{full}' has no class folders{(loose > 0 ? $" ({loose} picture{(loose == 1 ? " lies" : "s lie")} directly in it)" : "")}; " +
                                           "put the pictures of each class in a sub-folder named after the class, e.g. root/cat/1.png and root/dog/2.png");
        }
        var files = new List<(string Path, long Label)>();
        for (var c = 0; c < classes.Length; c++)
        {
            var folder = Path.Combine(full, classes[c]);
            var pictures = Pictures(folder, SearchOption.AllDirectories);
            if (pictures.Count == 0)
                throw new InvalidDataException($"{method}: the class folder '{folder}' holds no picture ({string.Join(", ", Extensions)}); " +
                                               "add its pictures, or remove the folder if it is not a class");
            files.AddRange(pictures.Select(p => (p, (long)c)));
        }

        var channels = grayscale ? 1 : 3;
        var plane = (long)width * height;
        var values = files.Count * channels * plane;
        if (values > MaxValues)
            throw new ArgumentOutOfRangeException(width > height ? nameof(width) : nameof(height), $"{method}: {files.Count} pictures of {channels}×{height}×{width} are {values} values " +
                $"({values * 4.0 / (1 << 30):F1} GiB), more than one load holds ({MaxValues}); pass a smaller width and height, or split the folder");

        var data = new float[values];
        for (var i = 0; i < files.Count; i++)
            Decode(files[i].Path, width, height, grayscale, data.AsSpan((int)(i * channels * plane), (int)(channels * plane)), method);

        var images = torch.tensor(data, [files.Count, channels, height, width]);
        var labels = torch.tensor(files.Select(f => f.Label).ToArray());
        return (images, labels, classes);
    }

    private static List<string> Pictures(string folder, SearchOption option) =>
        Directory.EnumerateFiles(folder, "*", option)
            .Where(p => !Path.GetFileName(p).StartsWith('.') && Extensions.Contains(Path.GetExtension(p).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToList();

    // One picture into `target` as planes [C, H, W] of values in [0, 1].
    private static void Decode(string path, int width, int height, bool grayscale, Span<float> target, string method)
    {
        SKBitmap? bitmap;
        try
        {
            bitmap = DecodeRgba(path, method);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException)
        {
            throw new InvalidOperationException($"{method}: SkiaSharp's native library could not be loaded, so '{path}' cannot be decoded. " +
                "Add the package SkiaSharp.NativeAssets.Linux.NoDependencies 2.88.6 to your application (SkiaSharp.NativeAssets.Win32 or .macOS on those systems)", e);
        }
        using (bitmap)
        {
            var sized = bitmap;
            if (bitmap.Width != width || bitmap.Height != height)
                sized = bitmap.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), SKFilterQuality.High)
                        ?? throw new InvalidDataException($"{method}: '{path}' ({bitmap.Width}×{bitmap.Height}) could not be resized to {width}×{height}");
            try
            {
                var pixels = sized.GetPixelSpan();   // RGBA, row-major, rows packed (RowBytes = 4 · width)
                var plane = width * height;
                for (var p = 0; p < plane; p++)
                {
                    float r = pixels[4 * p] / 255f, g = pixels[4 * p + 1] / 255f, b = pixels[4 * p + 2] / 255f;
                    if (grayscale)
                        target[p] = 0.299f * r + 0.587f * g + 0.114f * b;
                    else
                    {
                        target[p] = r;
                        target[plane + p] = g;
                        target[2 * plane + p] = b;
                    }
                }
            }
            finally
            {
                if (!ReferenceEquals(sized, bitmap)) sized.Dispose();
            }
        }
    }

    private static SKBitmap DecodeRgba(string path, string method)
    {
        using var stream = File.OpenRead(path);
        using var codec = SKCodec.Create(stream)
            ?? throw new InvalidDataException($"{method}: '{path}' could not be decoded as a picture; it is damaged or not a PNG, JPEG, BMP, GIF or WebP file: replace or remove it");
        // Unpremultiplied RGBA with no colour space: the stored values, as PIL and torchvision read them.
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        if (info.Width < 1 || info.Height < 1 || (long)info.Width * info.Height > MaxPicturePixels)
            throw new InvalidDataException($"{method}: '{path}' declares a picture of {info.Width}×{info.Height} pixels (at most {MaxPicturePixels} are decoded); replace or remove it");
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new InvalidDataException($"{method}: '{path}' could not be decoded ({result}{(result == SKCodecResult.IncompleteInput ? ": the file is truncated" : "")}); replace or remove it");
        }
        return bitmap;
    }
}
