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
    private static readonly SKColor[] SeriesColors =
    [
        new(31, 119, 180), new(214, 39, 40), new(44, 160, 44), new(255, 127, 14), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    ];

    /// <summary>
    /// A line chart of <paramref name="series"/> (each a name and equally long X and Y arrays of finite values) as a PNG
    /// of <paramref name="width"/> × <paramref name="height"/> pixels. A series may be empty (it then only appears in the
    /// legend), but there must be at least one series. Series of up to 40 points have a marker at each point; a series of
    /// one point (a one-epoch run) has a larger marker with its value written beside it. Whole-number x values (epochs,
    /// seeds) get whole-number ticks, and a single x value one tick at it and a y axis from zero, so the points' heights compare. Text is 1/36 of the chart's smaller side
    /// (11 to 40 px), so that it stays legible when a report shrinks the chart to a phone's width.
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

        var points = series.SelectMany(s => s.X.Zip(s.Y)).ToList();
        var distinctX = points.Select(p => p.First).Distinct().ToList();
        // Whole-number x (epochs, seeds) gets whole-number ticks: no "epoch 1.5". A single x value (a one-epoch run) gets
        // one tick at it, half a unit of room on each side, and value labels at its markers (see below).
        var integerX = points.Count > 0 && points.All(p => p.First == Math.Round(p.First) && Math.Abs(p.First) < 1e15);
        double x0, x1;
        double[] xTicks;
        if (distinctX.Count == 1)
        {
            var x = distinctX[0];
            var pad = integerX ? 0.5 : Math.Max(Math.Abs(x) * 0.1, 1e-9);
            (x0, x1, xTicks) = (x - pad, x + pad, [x]);
        }
        else
        {
            (x0, x1) = Range(points.Select(p => p.First));
            xTicks = Ticks(x0, x1, Math.Max(2, width / 110), minStep: integerX ? 1 : 0);
            (x0, x1) = (Math.Min(x0, xTicks[0]), Math.Max(x1, xTicks[^1]));
        }
        var (y0, y1) = Range(points.Select(p => p.Second));
        // With one x value the chart compares points, not trends: the y axis then starts at zero (when the values share a
        // sign), so heights are proportional to the values and 1.916 against 1.928 does not fill the plot top to bottom.
        if (distinctX.Count == 1)
        {
            if (y0 > 0) y0 = 0;
            if (y1 < 0) y1 = 0;
        }

        // Text grows with the chart (1/36 of its smaller side, 11 to 40 px): a 640 × 400 chart shown at a phone's
        // width (about 360 CSS px) still has 10-pixel tick labels.
        var font = Math.Clamp(MathF.Round(Math.Min(width, height * 1.6f) / 36f), 11, 40);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var text = Typesetting.Paint(font);
        using var titlePaint = Typesetting.Paint(font * 1.2f, SKColors.Black, bold: true);

        var top = string.IsNullOrEmpty(title) ? font : font * 2.6f;
        var bottom = height - font * 3.2f;
        var yTicks = Ticks(y0, y1, Math.Max(2, (int)((bottom - top) / (font * 2.8f))));
        (y0, y1) = (Math.Min(y0, yTicks[0]), Math.Max(y1, yTicks[^1]));
        var yLabels = yTicks.Select(v => Format(v, yTicks)).ToArray();
        var left = font * 1.6f + yLabels.Max(l => text.MeasureText(l)) + font * 0.6f;
        // Room on the right for half of the last x tick label, which is centred on the plot's right edge.
        var lastXLabel = distinctX.Count == 1 ? "" : Format(xTicks[^1], xTicks);
        var right = width - Math.Max(font, text.MeasureText(lastXLabel) / 2 + font * 0.4f);
        if (right - left < 40 || bottom - top < 40) throw new ArgumentException($"Curves.Png: a {width} × {height} chart leaves no room for the plot; make it larger", nameof(width));
        float Px(double v) => (float)(left + (v - x0) / (x1 - x0) * (right - left));
        float Py(double v) => (float)(bottom - (v - y0) / (y1 - y0) * (bottom - top));

        if (!string.IsNullOrEmpty(title))
            canvas.DrawText(title, (left + right) / 2 - titlePaint.MeasureText(title) / 2, font * 1.7f, titlePaint);

        using var grid = new SKPaint { Color = new SKColor(230, 230, 230), StrokeWidth = 1, IsAntialias = false };
        using var axis = new SKPaint { Color = new SKColor(90, 90, 90), StrokeWidth = 1, Style = SKPaintStyle.Stroke, IsAntialias = false };
        foreach (var v in xTicks)
        {
            var px = Px(v);
            canvas.DrawLine(px, top, px, bottom, grid);
            canvas.DrawLine(px, bottom, px, bottom + font * 0.3f, axis);
            var label = distinctX.Count == 1 ? Typesetting.Number(v) : Format(v, xTicks);
            canvas.DrawText(label, px - text.MeasureText(label) / 2, bottom + font * 1.35f, text);
        }
        for (var i = 0; i < yTicks.Length; i++)
        {
            var py = Py(yTicks[i]);
            canvas.DrawLine(left, py, right, py, grid);
            canvas.DrawLine(left - font * 0.3f, py, left, py, axis);
            canvas.DrawText(yLabels[i], left - font * 0.5f - text.MeasureText(yLabels[i]), py + font * 0.35f, text);
        }
        canvas.DrawRect(left, top, right - left, bottom - top, axis);
        if (!string.IsNullOrEmpty(xLabel)) canvas.DrawText(xLabel, (left + right) / 2 - text.MeasureText(xLabel) / 2, height - font * 0.6f, text);
        if (!string.IsNullOrEmpty(yLabel))
        {
            var cx = font * 0.9f;
            canvas.Save();
            canvas.RotateDegrees(-90, cx, (top + bottom) / 2);
            canvas.DrawText(yLabel, cx - text.MeasureText(yLabel) / 2, (top + bottom) / 2 + font * 0.35f, text);
            canvas.Restore();
        }

        // Markers at every point of short series; a series of one point gets a larger marker and its value written
        // beside it, so a one-epoch run reads as numbers rather than as lonely dots.
        var radius = Math.Max(3f, font * 0.22f);
        var singleRadius = Math.Max(5f, font * 0.42f);
        var valueLabels = new List<(float X, float Y, string Text, SKColor Color, bool Left)>();
        // With one x value, series sit side by side around it (a dot plot), so equal values do not hide each other; the
        // left half's values are written to the left of their markers, the right half's to the right.
        var dodge = distinctX.Count == 1 && series.Count > 1;
        float Dodge(int s) => dodge ? (s - (series.Count - 1) / 2f) * singleRadius * 2.6f : 0f;
        canvas.Save();
        canvas.ClipRect(new SKRect(left - singleRadius, top - singleRadius, right + singleRadius, bottom + singleRadius));
        for (var s = 0; s < series.Count; s++)
        {
            var (_, xs, ys) = series[s];
            var color = SeriesColors[s % SeriesColors.Length];
            using var line = new SKPaint { Color = color, StrokeWidth = Math.Max(2, font / 7), Style = SKPaintStyle.Stroke, IsAntialias = true, StrokeJoin = SKStrokeJoin.Round };
            using var dot = new SKPaint { Color = color, Style = SKPaintStyle.Fill, IsAntialias = true };
            using var ring = new SKPaint { Color = SKColors.White, Style = SKPaintStyle.Stroke, StrokeWidth = Math.Max(1.5f, font / 10), IsAntialias = true };
            using var path = new SKPath();
            for (var i = 0; i < xs.Length; i++)
            {
                var p = new SKPoint(Px(xs[i]), Py(ys[i]));
                if (i > 0) path.LineTo(p); else path.MoveTo(p);
            }
            canvas.DrawPath(path, line);
            if (xs.Length == 1)
            {
                var p = new SKPoint(Px(xs[0]) + Dodge(s), Py(ys[0]));
                canvas.DrawCircle(p, singleRadius, dot);
                canvas.DrawCircle(p, singleRadius, ring);
                var toLeft = dodge && s < series.Count / 2;
                valueLabels.Add((toLeft ? p.X - singleRadius - font * 0.4f : p.X + singleRadius + font * 0.4f, p.Y, FormatValue(ys[0]), color, toLeft));
            }
            else if (xs.Length <= 40)
                foreach (var (x, y) in xs.Zip(ys)) canvas.DrawCircle(Px(x), Py(y), radius, dot);
        }
        canvas.Restore();
        // Value labels: vertically centred on their markers, pushed apart where two would overlap.
        using var valuePaint = Typesetting.Paint(font, bold: true);
        var placed = new List<(float X, float Y, string Text, SKColor Color, bool Left)>();
        foreach (var label in valueLabels.OrderBy(l => l.Y))
        {
            var y = label.Y;
            foreach (var other in placed)
                if (other.Left == label.Left && Math.Abs(other.X - label.X) < font * 6 && y < other.Y + font * 1.15f) y = other.Y + font * 1.15f;
            placed.Add(label with { Y = y });
        }
        foreach (var (x, y, value, color, toLeft) in placed)
        {
            valuePaint.Color = color;
            var textWidth = valuePaint.MeasureText(value);
            var tx = toLeft ? Math.Max(x - textWidth, left + 2) : Math.Min(x, right - textWidth - 2);
            canvas.DrawText(value, tx, y + font * 0.35f, valuePaint);
        }

        // Legend, top right inside the plot.
        var named = series.Select((s, i) => (s.Name, Color: SeriesColors[i % SeriesColors.Length])).Where(s => !string.IsNullOrEmpty(s.Name)).ToList();
        if (named.Count > 0)
        {
            using var legendText = Typesetting.Paint(font * 0.9f);
            var rowHeight = font * 1.3f;
            var w = named.Max(n => legendText.MeasureText(n.Name)) + font * 2.6f;
            var h = named.Count * rowHeight + font * 0.5f;
            var lx = right - w - font * 0.5f;
            var ly = top + font * 0.5f;
            using var box = new SKPaint { Color = new SKColor(255, 255, 255, 225), Style = SKPaintStyle.Fill };
            canvas.DrawRect(lx, ly, w, h, box);
            canvas.DrawRect(lx, ly, w, h, axis);
            for (var i = 0; i < named.Count; i++)
            {
                using var swatch = new SKPaint { Color = named[i].Color, StrokeWidth = Math.Max(3, font / 5), IsAntialias = true };
                using var swatchDot = new SKPaint { Color = named[i].Color, Style = SKPaintStyle.Fill, IsAntialias = true };
                var cy = ly + font * 0.25f + rowHeight * (i + 0.5f);
                canvas.DrawLine(lx + font * 0.4f, cy, lx + font * 1.9f, cy, swatch);
                canvas.DrawCircle(lx + font * 1.15f, cy, radius, swatchDot);
                canvas.DrawText(named[i].Name, lx + font * 2.2f, cy + font * 0.3f, legendText);
            }
        }
        canvas.Flush();
        return Raster.Encode(bitmap);
    }

    /// <summary>The embedded chart font (SkiaSharp's default typeface when it cannot be loaded).</summary>
    internal static SKTypeface Typeface => Typesetting.Typeface;

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
    internal static double[] Ticks(double lo, double hi, int target, double minStep = 0)
    {
        var raw = Math.Max((hi - lo) / target, minStep);
        var mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        // 2.5 × 10^k is skipped when whole steps are required (it would give 2.5 at k = 0).
        var step = new[] { 1, 2, 2.5, 5, 10 }.Where(m => minStep == 0 || m != 2.5).Select(m => m * mag).First(s => s >= raw);
        var first = Math.Floor(lo / step + 1e-9) * step;
        var last = Math.Ceiling(hi / step - 1e-9) * step;
        var n = (int)Math.Round((last - first) / step);
        return [.. Enumerable.Range(0, n + 1).Select(i => first + i * step)];
    }

    // A marker's value: four significant digits (0.4312, 98.75, 1234), scientific outside [0.001, 100000).
    private static string FormatValue(double v)
    {
        var a = Math.Abs(v);
        if (a == 0) return "0";
        if (a is < 1e-3 or >= 1e5) return v.ToString("0.###e+00", CultureInfo.InvariantCulture);
        var decimals = Math.Max(0, 3 - (int)Math.Floor(Math.Log10(a)));
        return v.ToString("F" + decimals, CultureInfo.InvariantCulture);
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
