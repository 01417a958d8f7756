using System.Globalization;
using SkiaSharp;

namespace AttrDsl.Visualization;

/// <summary>
/// Line charts (training curves, robustness curves) as PNG, drawn with SkiaSharp: axes with round tick values, a title,
/// axis labels and a legend. Text uses an embedded font (DejaVu Sans Mono), so no system fonts are needed.
/// </summary>
/// <remarks>
/// Why not ScottPlot: ScottPlot 5.1.59 (the version served) requires SkiaSharp ≥ 3.119 and brings
/// SkiaSharp.NativeAssets.Linux.NoDependencies 3.119 and HarfBuzzSharp's Linux natives with it. AttrDsl would then force
/// a SkiaSharp major version that TorchSharp 0.107 (built against 2.88.6) was not built for, and ship native assets to
/// every user, where the runtime otherwise leaves the native library to the application. A line chart is a small amount
/// of drawing code, so it is drawn here with the SkiaSharp that TorchSharp already brings.
/// </remarks>
public static class Curves
{
    private static readonly Lazy<SKTypeface> Font = new(LoadFont);

    private static readonly SKColor[] SeriesColors =
    [
        new(31, 119, 180), new(214, 39, 40), new(44, 160, 44), new(255, 127, 14), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    ];

    /// <summary>
    /// A line chart of <paramref name="series"/> (each a name and equally long X and Y arrays of finite values) as a PNG
    /// of <paramref name="width"/> × <paramref name="height"/> pixels. A series may be empty (it then only appears in the
    /// legend), but there must be at least one series.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="series"/>, or a series' X or Y array, is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="series"/> is empty; a series' X and Y differ in length; or a
    /// value is NaN or ±Inf (a chart would silently leave it out: drop or impute missing points first).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is outside 160..8192 or <paramref name="height"/>
    /// outside 120..8192.</exception>
    public static byte[] Png(string title, string xLabel, string yLabel, IReadOnlyList<(string Name, double[] X, double[] Y)> series, int width = 640, int height = 400)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (width is < 160 or > 8192) throw new ArgumentOutOfRangeException(nameof(width), width, $"Curves.Png: the width is {width}; it must be 160 to 8192 pixels");
        if (height is < 120 or > 8192) throw new ArgumentOutOfRangeException(nameof(height), height, $"Curves.Png: the height is {height}; it must be 120 to 8192 pixels");
        if (series.Count == 0)
            throw new ArgumentException("Curves.Png: series is empty, so there is nothing to draw; pass at least one (name, x, y) series", nameof(series));
        for (var s = 0; s < series.Count; s++)
        {
            var (name, x, y) = series[s];
            var label = $"series[{s}] '{name}'";
            if (x is null) throw new ArgumentNullException(nameof(series), $"Curves.Png: the X values of {label} are null; pass an array (empty for no points)");
            if (y is null) throw new ArgumentNullException(nameof(series), $"Curves.Png: the Y values of {label} are null; pass an array (empty for no points)");
            if (x.Length != y.Length)
                throw new ArgumentException($"Curves.Png: {label} has {x.Length} x values but {y.Length} y values; pass one y per x", nameof(series));
            for (var i = 0; i < x.Length; i++)
                if (!double.IsFinite(x[i]) || !double.IsFinite(y[i]))
                {
                    var (axisName, v) = double.IsFinite(x[i]) ? ("y", y[i]) : ("x", x[i]);
                    var bad = x.Count(e => !double.IsFinite(e)) + y.Count(e => !double.IsFinite(e));
                    throw new ArgumentException(
                        $"Curves.Png: {label} has {bad} non-finite value{(bad == 1 ? "" : "s")} (first: {axisName}[{i}] = {v}); a chart would silently leave such points out. " +
                        "Drop the missing points (or impute them) before drawing, or check the run that produced them (a NaN loss means it diverged).", nameof(series));
                }
        }

        var points = series.SelectMany(s => s.X.Zip(s.Y)).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToList();
        var (x0, x1) = Range(points.Select(p => p.First));
        var (y0, y1) = Range(points.Select(p => p.Second));
        var xTicks = Ticks(x0, x1, Math.Max(2, width / 110));
        var yTicks = Ticks(y0, y1, Math.Max(2, height / 60));
        (x0, x1) = (Math.Min(x0, xTicks[0]), Math.Max(x1, xTicks[^1]));
        (y0, y1) = (Math.Min(y0, yTicks[0]), Math.Max(y1, yTicks[^1]));

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Typeface = Font.Value, TextSize = 12, IsAntialias = true, Color = new SKColor(40, 40, 40) };
        using var titlePaint = new SKPaint { Typeface = Font.Value, TextSize = 15, IsAntialias = true, Color = SKColors.Black, FakeBoldText = true };

        var yLabels = yTicks.Select(v => Format(v, yTicks)).ToArray();
        var left = 18f + 8 + yLabels.Max(l => text.MeasureText(l)) + 6;
        var right = width - 16f;
        var top = string.IsNullOrEmpty(title) ? 14f : 38f;
        var bottom = height - 46f;
        if (right - left < 40 || bottom - top < 40) throw new ArgumentException($"a {width} × {height} chart leaves no room for the plot", nameof(width));
        float Px(double v) => (float)(left + (v - x0) / (x1 - x0) * (right - left));
        float Py(double v) => (float)(bottom - (v - y0) / (y1 - y0) * (bottom - top));

        if (!string.IsNullOrEmpty(title))
            canvas.DrawText(title, (left + right) / 2 - titlePaint.MeasureText(title) / 2, 24, titlePaint);

        using var grid = new SKPaint { Color = new SKColor(230, 230, 230), StrokeWidth = 1, IsAntialias = false };
        using var axis = new SKPaint { Color = new SKColor(90, 90, 90), StrokeWidth = 1, Style = SKPaintStyle.Stroke, IsAntialias = false };
        foreach (var v in xTicks)
        {
            var px = Px(v);
            canvas.DrawLine(px, top, px, bottom, grid);
            canvas.DrawLine(px, bottom, px, bottom + 4, axis);
            var label = Format(v, xTicks);
            canvas.DrawText(label, px - text.MeasureText(label) / 2, bottom + 17, text);
        }
        for (var i = 0; i < yTicks.Length; i++)
        {
            var py = Py(yTicks[i]);
            canvas.DrawLine(left, py, right, py, grid);
            canvas.DrawLine(left - 4, py, left, py, axis);
            canvas.DrawText(yLabels[i], left - 7 - text.MeasureText(yLabels[i]), py + 4, text);
        }
        canvas.DrawRect(left, top, right - left, bottom - top, axis);
        if (!string.IsNullOrEmpty(xLabel)) canvas.DrawText(xLabel, (left + right) / 2 - text.MeasureText(xLabel) / 2, height - 10, text);
        if (!string.IsNullOrEmpty(yLabel))
        {
            canvas.Save();
            canvas.RotateDegrees(-90, 14, (top + bottom) / 2);
            canvas.DrawText(yLabel, 14 - text.MeasureText(yLabel) / 2, (top + bottom) / 2 + 4, text);
            canvas.Restore();
        }

        canvas.Save();
        canvas.ClipRect(new SKRect(left, top - 4, right + 4, bottom + 4));
        for (var s = 0; s < series.Count; s++)
        {
            var (_, xs, ys) = series[s];
            using var line = new SKPaint { Color = SeriesColors[s % SeriesColors.Length], StrokeWidth = 2, Style = SKPaintStyle.Stroke, IsAntialias = true, StrokeJoin = SKStrokeJoin.Round };
            using var dot = new SKPaint { Color = line.Color, Style = SKPaintStyle.Fill, IsAntialias = true };
            using var path = new SKPath();
            var open = false;
            for (var i = 0; i < xs.Length; i++)
            {
                if (!double.IsFinite(xs[i]) || !double.IsFinite(ys[i])) { open = false; continue; }
                var p = new SKPoint(Px(xs[i]), Py(ys[i]));
                if (open) path.LineTo(p); else path.MoveTo(p);
                open = true;
                if (xs.Length <= 40) canvas.DrawCircle(p, 3, dot);
            }
            canvas.DrawPath(path, line);
        }
        canvas.Restore();

        // Legend, top right inside the plot.
        var named = series.Select((s, i) => (s.Name, Color: SeriesColors[i % SeriesColors.Length])).Where(s => !string.IsNullOrEmpty(s.Name)).ToList();
        if (named.Count > 0)
        {
            var w = named.Max(n => text.MeasureText(n.Name)) + 34;
            var h = named.Count * 17 + 8;
            var lx = right - w - 8;
            var ly = top + 8;
            using var box = new SKPaint { Color = new SKColor(255, 255, 255, 225), Style = SKPaintStyle.Fill };
            canvas.DrawRect(lx, ly, w, h, box);
            canvas.DrawRect(lx, ly, w, h, axis);
            for (var i = 0; i < named.Count; i++)
            {
                using var swatch = new SKPaint { Color = named[i].Color, StrokeWidth = 3, IsAntialias = true };
                var cy = ly + 12 + i * 17;
                canvas.DrawLine(lx + 6, cy, lx + 24, cy, swatch);
                canvas.DrawText(named[i].Name, lx + 28, cy + 4, text);
            }
        }
        canvas.Flush();
        return Raster.Encode(bitmap);
    }

    /// <summary>The embedded chart font; null when it cannot be loaded (text then uses SkiaSharp's default typeface).</summary>
    internal static SKTypeface Typeface => Font.Value;

    private static SKTypeface LoadFont()
    {
        using var stream = typeof(Curves).Assembly.GetManifestResourceStream("AttrDsl.Visualization.DejaVuSansMono.ttf");
        if (stream is null) return SKTypeface.Default;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        using var data = SKData.CreateCopy(copy.ToArray());
        return SKTypeface.FromData(data) ?? SKTypeface.Default;
    }

    private static (double Lo, double Hi) Range(IEnumerable<double> values)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var v in values) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
        if (double.IsInfinity(lo)) return (0, 1);
        if (lo == hi)
        {
            var pad = lo == 0 ? 1 : Math.Abs(lo) * 0.1;
            return (lo - pad, hi + pad);
        }
        return (lo, hi);
    }

    /// <summary>Round tick values (1, 2, 2.5 or 5 × 10^k apart) covering [lo, hi] with about <paramref name="target"/> intervals.</summary>
    internal static double[] Ticks(double lo, double hi, int target)
    {
        var raw = (hi - lo) / target;
        var mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * mag).First(s => s >= raw);
        var first = Math.Floor(lo / step + 1e-9) * step;
        var last = Math.Ceiling(hi / step - 1e-9) * step;
        var n = (int)Math.Round((last - first) / step);
        return [.. Enumerable.Range(0, n + 1).Select(i => first + i * step)];
    }

    private static string Format(double v, double[] ticks)
    {
        var step = ticks.Length > 1 ? ticks[1] - ticks[0] : 1;
        if (Math.Abs(v) < step * 1e-9) v = 0;
        var decimals = Math.Clamp((int)Math.Ceiling(-Math.Log10(step) - 1e-9), 0, 8);
        var scaled = step * Math.Pow(10, decimals);
        if (Math.Abs(scaled - Math.Round(scaled)) > 1e-6 && decimals < 8) decimals++;
        var max = ticks.Max(Math.Abs);
        return max >= 1e6 || (max > 0 && max < 1e-4)
            ? v.ToString("0.##E+0", CultureInfo.InvariantCulture)
            : v.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }
}
