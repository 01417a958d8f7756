using System.Runtime.InteropServices;
using AttrDsl.Attribution;
using AttrDsl.Internal;
using SkiaSharp;

namespace AttrDsl.Visualization;

/// <summary>The shared plumbing of the pictures: tensors to row-major planes, percentiles, RGB buffers to PNG.</summary>
internal static class Raster
{
    /// <summary>The most pixels a picture may have: 2^28 (16384 × 16384, 1 GiB of RGBA), far beyond any screen or report.</summary>
    public const long MaxPixels = 1L << 28;

    /// <summary>How a plane's dtype is checked.</summary>
    public enum PlaneKind
    {
        /// <summary>Floating point only (attributions, images to blend): integers are refused.</summary>
        Float,
        /// <summary>Any real dtype: floating point, integer or bool (an image of 0/1 pixels).</summary>
        Real,
        /// <summary>Integer dtypes only (level maps).</summary>
        Integer,
    }

    /// <summary>
    /// A 2-D plane [H, W] from <paramref name="t"/>: [H, W] as it is, [C, H, W] and [1, C, H, W] summed over channels.
    /// Every argument error is reported here, before anything is allocated: null, disposed, a rank other than 2–4, an
    /// empty map, the wrong dtype, a picture too large for <paramref name="scale"/> (<see cref="MaxPixels"/>) and, for
    /// floating-point data, NaN or ±Inf (named by its first index).
    /// </summary>
    public static (double[] Values, int H, int W) Plane(Tensor t, string paramName, string method, int scale, PlaneKind kind)
    {
        ArgumentNullException.ThrowIfNull(t, paramName);
        Checks.Live(t, method, paramName);
        var shape = t.shape;
        var shown = Format.Shape(shape);
        if (shape.Length == 0)
            throw new ArgumentException($"{method}: {paramName} is a 0-dim tensor (a single number, shape []); pass a map [H, W], [C, H, W] or [1, C, H, W]", paramName);
        if (shape.Length == 4 && shape[0] != 1)
            throw new ArgumentException($"{method}: {paramName} has shape {shown}, a batch of {shape[0]} maps; pass one map [H, W], [C, H, W] or [1, C, H, W]: pick one sample with t[i]", paramName);
        if (shape.Length is < 2 or > 4)
            throw new ArgumentException($"{method}: {paramName} has shape {shown} ({shape.Length} dimensions); pass a map [H, W], [C, H, W] or [1, C, H, W]" +
                (shape.Length > 4 ? " (remove the extra leading dimensions with squeeze or pick one with t[i])" : " (a vector [D] can be shown as [1, D] with unsqueeze(0))"), paramName);
        if (t.numel() == 0)
            throw new ArgumentException($"{method}: {paramName} is empty (shape {shown}); pass a map with at least one row, column and channel", paramName);
        var dtype = t.dtype;
        var isInteger = !t.is_floating_point() && !t.is_complex() && dtype != ScalarType.Bool;
        switch (kind)
        {
            case PlaneKind.Float when !t.is_floating_point():
                throw new ArgumentException($"{method}: {paramName} has dtype {dtype} (shape {shown}); it needs floating-point values " +
                    (paramName == "image" ? "in [0, 1]: convert it with image.to_type(ScalarType.Float32) (divided by 255 for 8-bit pixels)" : "(an attribution, not class indices or a mask): convert it with to_type(ScalarType.Float32)"), paramName);
            case PlaneKind.Real when t.is_complex():
                throw new ArgumentException($"{method}: {paramName} has dtype {dtype} (shape {shown}); pass real values (e.g. its abs() or real part)", paramName);
            case PlaneKind.Integer when !isInteger:
                throw new ArgumentException($"{method}: {paramName} has dtype {dtype} (shape {shown}); levels are integers (int64 or another integer dtype): " +
                    "a level map holds whole level numbers; round and convert it with to_type(ScalarType.Int64) if it really holds them", paramName);
        }
        long h = shape[^2], w = shape[^1];
        var pixels = (double)h * scale * w * scale;
        if (pixels > MaxPixels || h * scale > int.MaxValue / 4 || w * scale > int.MaxValue / 4)
            throw new ArgumentException(
                $"{method}: {paramName} is a map of {h} × {w} cells (shape {shown}); at scale {scale} the picture would be {h * scale} × {w * scale} pixels, " +
                $"more than the {MaxPixels} pixels (16384 × 16384) a picture may have. Pass a smaller map (downsample it, e.g. with avg_pool2d, or crop it) or a smaller scale.", paramName);
        if (t.numel() > MaxPixels * 8)
            throw new ArgumentException(
                $"{method}: {paramName} has shape {shown}, {t.numel()} values for one {h} × {w} picture; that many channels cannot be summed into a picture here. " +
                "Reduce the channels first (e.g. sum or mean over dimension 0) or pick the ones to show.", paramName);
        if (kind != PlaneKind.Integer) Checks.Finite(t, method, paramName);
        using var scope = NewDisposeScope();
        var x = t.detach().cpu().to_type(ScalarType.Float64);
        if (shape.Length == 4) x = x.squeeze(0);
        if (x.dim() == 3) x = x.sum(dim: 0);
        var values = x.contiguous().data<double>().ToArray();
        return (values, (int)h, (int)w);
    }

    /// <summary>The <paramref name="percentile"/>-th percentile (0–100, linear interpolation as NumPy's default) of |values|, NaNs ignored.</summary>
    public static double AbsPercentile(double[] values, double percentile)
    {
        if (!(percentile > 0 && percentile <= 100))
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "the percentile must be in (0, 100]");
        var abs = values.Where(v => !double.IsNaN(v)).Select(Math.Abs).ToArray();
        if (abs.Length == 0) return 0;
        Array.Sort(abs);
        var pos = percentile / 100.0 * (abs.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, abs.Length - 1);
        return abs[lo] + (pos - lo) * (abs[hi] - abs[lo]);
    }

    public static void CheckScale(int scale)
    {
        if (scale is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(scale), scale, $"the scale (pixels per map cell) is {scale}; it must be in 1..256");
    }

    public static void CheckPercentile(double percentile)
    {
        if (!(percentile > 0 && percentile <= 100))
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, $"the percentile is {percentile}; it must be in (0, 100] (99 by default)");
    }

    /// <summary>
    /// Creates the directory of <paramref name="path"/> (the documented behaviour of the Save methods); a failure names
    /// the directory and the file instead of only the path component that was in the way.
    /// </summary>
    public static void CreateDirectoryOf(string path, string method)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full);
        if (string.IsNullOrEmpty(dir)) return;
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{method}: cannot create the directory '{dir}' to write '{full}': {e.Message} " +
                "Choose a path whose parent folders are directories you can write (not files).", e);
        }
    }

    /// <summary>Whether <paramref name="bytes"/> start with the 8-byte PNG signature.</summary>
    public static bool IsPng(byte[] bytes) =>
        bytes.Length >= 8 && bytes[0] == 0x89 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G' &&
        bytes[4] == 0x0D && bytes[5] == 0x0A && bytes[6] == 0x1A && bytes[7] == 0x0A;

    /// <summary>Encodes an RGB plane (3 bytes per cell, row-major [H, W]) as a PNG, each cell a scale × scale block.</summary>
    public static byte[] EncodePng(byte[] rgb, int h, int w, int scale)
    {
        using var bitmap = ToBitmap(rgb, h, w, scale);
        return Encode(bitmap);
    }

    /// <summary>
    /// An RGB plane (3 bytes per cell, row-major [H, W]) as an opaque bitmap, each cell a scale × scale block of one colour
    /// (nearest-neighbour upscaling: a cell stays a crisp square at any size).
    /// </summary>
    public static SKBitmap ToBitmap(byte[] rgb, int h, int w, int scale)
    {
        CheckScale(scale);
        int outW = w * scale, outH = h * scale;
        var rgba = new byte[outW * outH * 4];
        for (var y = 0; y < outH; y++)
        {
            var row = (y / scale) * w;
            for (var x = 0; x < outW; x++)
            {
                var src = (row + x / scale) * 3;
                var dst = (y * outW + x) * 4;
                rgba[dst] = rgb[src];
                rgba[dst + 1] = rgb[src + 1];
                rgba[dst + 2] = rgb[src + 2];
                rgba[dst + 3] = 255;
            }
        }
        var bitmap = new SKBitmap(new SKImageInfo(outW, outH, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixels();
        var rowBytes = bitmap.RowBytes;
        for (var y = 0; y < outH; y++) Marshal.Copy(rgba, y * outW * 4, pixels + y * rowBytes, outW * 4);
        return bitmap;
    }

    /// <summary>A bitmap as PNG bytes.</summary>
    public static byte[] Encode(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG");
        return data.ToArray();
    }
}
