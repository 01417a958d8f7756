using System.Runtime.InteropServices;
using SkiaSharp;

namespace AttrDsl.Visualization;

/// <summary>The shared plumbing of the pictures: tensors to row-major planes, percentiles, RGB buffers to PNG.</summary>
internal static class Raster
{
    /// <summary>
    /// A 2-D plane [H, W] from <paramref name="t"/>: [H, W] as it is, [C, H, W] and [1, C, H, W] summed over channels.
    /// </summary>
    public static (double[] Values, int H, int W) Plane(Tensor t, string paramName)
    {
        ArgumentNullException.ThrowIfNull(t, paramName);
        var shape = t.shape;
        if (shape.Length == 4 && shape[0] != 1)
            throw new ArgumentException($"expected one map [H, W], [C, H, W] or [1, C, H, W], got [{string.Join(", ", shape)}]; pick one sample with t[i]", paramName);
        if (shape.Length is < 2 or > 4)
            throw new ArgumentException($"expected a map [H, W], [C, H, W] or [1, C, H, W], got [{string.Join(", ", shape)}]", paramName);
        if (shape[^1] == 0 || shape[^2] == 0)
            throw new ArgumentException($"the map [{string.Join(", ", shape)}] is empty", paramName);
        using var scope = NewDisposeScope();
        var x = t.detach().cpu().to_type(ScalarType.Float64);
        if (shape.Length == 4) x = x.squeeze(0);
        if (x.dim() == 3) x = x.sum(dim: 0);
        var values = x.contiguous().data<double>().ToArray();
        return (values, (int)shape[^2], (int)shape[^1]);
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

    /// <summary>
    /// The colour-map position of each value: diverging maps put −s at 0, zero at 0.5 and +s at 1; other maps put 0 at 0 and
    /// s at 1, reading |v| when the data has negative values. s is the outlier percentile of |values| (1 when that is 0).
    /// </summary>
    public static double[] Positions(double[] values, ColorMap map, double percentile)
    {
        var s = AbsPercentile(values, percentile);
        if (!(s > 0) || double.IsInfinity(s)) s = 1;
        var signed = values.Any(v => v < 0);
        var t = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i] / s;
            t[i] = map.IsDiverging ? 0.5 + 0.5 * Math.Clamp(v, -1, 1) : Math.Clamp(signed ? Math.Abs(v) : v, 0, 1);
        }
        return t;
    }

    public static void CheckScale(int scale)
    {
        if (scale is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the scale (pixels per map cell) must be in 1..256");
    }

    /// <summary>Encodes an RGB plane (3 bytes per cell, row-major [H, W]) as a PNG, each cell a scale × scale block.</summary>
    public static byte[] EncodePng(byte[] rgb, int h, int w, int scale)
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
        using var bitmap = new SKBitmap(new SKImageInfo(outW, outH, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixels();
        var rowBytes = bitmap.RowBytes;
        for (var y = 0; y < outH; y++) Marshal.Copy(rgba, y * outW * 4, pixels + y * rowBytes, outW * 4);
        return Encode(bitmap);
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
