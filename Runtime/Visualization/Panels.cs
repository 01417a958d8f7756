using SkiaSharp;

namespace AttrDsl.Visualization;

/// <summary>
/// The pictures as bitmaps, before encoding: a heat map, an overlay, a grey image, the colour bar. <see cref="HeatMaps"/>
/// encodes each alone or lays several out in one figure. Arguments are checked by the callers.
/// </summary>
internal static class Panels
{
    /// <summary>The heat map of <paramref name="values"/> [H, W] at <paramref name="scale"/>, with a note when it shows nothing.</summary>
    public static SKBitmap HeatMap(double[] values, int h, int w, HeatMapOptions o, double scale)
    {
        var map = o.EffectiveColorMap;
        var rgb = new byte[h * w * 3];
        for (var i = 0; i < values.Length; i++) Put(rgb, i, map.Color(Shading.Position(values[i], o.Sign, scale, map)));
        return WithNote(Raster.ToBitmap(rgb, h, w, o.PixelsPerCell), values, o.Sign, scale);
    }

    /// <summary>
    /// <paramref name="grey"/> (in [0, 1], clipped) with each value blended over it towards the colour map's end colour
    /// for its sign, weight <see cref="Shading.OverlayWeight"/>. The image itself is not dimmed: where the attribution is
    /// zero the overlay is the plain image, and the blend goes towards a saturated colour rather than the map's colour
    /// at the value, because near zero that colour is almost white and would vanish on a white stroke.
    /// </summary>
    public static SKBitmap Overlay(double[] grey, double[] values, int h, int w, HeatMapOptions o, double scale)
    {
        var map = o.EffectiveColorMap;
        var rgb = new byte[h * w * 3];
        for (var i = 0; i < values.Length; i++)
        {
            var g = 255.0 * Math.Clamp(grey[i], 0, 1);
            var a = Shading.OverlayWeight(Shading.Fraction(values[i], o.Sign, scale), o.OverlayAlpha);
            var (r, gg, b) = Shading.EndColor(values[i], o.Sign, map);
            rgb[i * 3] = Blend(g, r, a);
            rgb[i * 3 + 1] = Blend(g, gg, a);
            rgb[i * 3 + 2] = Blend(g, b, a);
        }
        return WithNote(Raster.ToBitmap(rgb, h, w, o.PixelsPerCell), values, o.Sign, scale);
    }

    /// <summary>A grey image in [0, 1] (clipped).</summary>
    public static SKBitmap Image(double[] grey, int h, int w, int pixelsPerCell)
    {
        var rgb = new byte[h * w * 3];
        for (var i = 0; i < grey.Length; i++) Put(rgb, i, ColorMap.Grey.Color(grey[i]));
        return Raster.ToBitmap(rgb, h, w, pixelsPerCell);
    }

    /// <summary>
    /// Draws a horizontal colour bar at (<paramref name="x"/>, <paramref name="y"/>): <paramref name="width"/> columns (made
    /// odd, so that the middle column is exactly the zero of a signed bar) of <paramref name="height"/> pixels, each
    /// column the colour a value at that place of the scale gets in the heat map, ticks and the value labels under it.
    /// Returns the height drawn.
    /// </summary>
    public static float ColorBar(SKCanvas canvas, float x, float y, int width, int height, AttributionSign sign, ColorMap map, double scale, float fontSize)
    {
        if (width % 2 == 0) width--;
        (x, y) = (MathF.Round(x), MathF.Round(y));   // whole pixels: each column exactly one colour
        using var column = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = false };
        for (var i = 0; i < width; i++)
        {
            var u = width == 1 ? 1.0 : (double)i / (width - 1);
            var v = sign switch
            {
                AttributionSign.All => 2 * u - 1,
                AttributionSign.Negative => -u,
                _ => u,
            };
            var (r, g, b) = map.Color(Shading.Position(v, sign, 1, map));
            column.Color = new SKColor(r, g, b);
            canvas.DrawRect(x + i, y, 1, height, column);
        }
        // A thin frame in the pixels just outside the columns (a 1-pixel line centred half a pixel out), so the end
        // columns keep the colour map's exact end colours.
        using var frame = new SKPaint { Color = new SKColor(150, 150, 150), Style = SKPaintStyle.Stroke, StrokeWidth = 1, IsAntialias = false };
        canvas.DrawRect(x - 0.5f, y - 0.5f, width + 1, height + 1, frame);

        var tick = Math.Max(3, fontSize * 0.3f);
        using var tickPaint = new SKPaint { Color = new SKColor(90, 90, 90), StrokeWidth = 1, IsAntialias = false };
        using var text = Typesetting.Paint(fontSize);
        var labelY = y + height + tick + fontSize;
        var (left, middle, right) = sign switch
        {
            AttributionSign.All => (Typesetting.Number(-scale), "0", Typesetting.Number(scale, signed: true)),
            AttributionSign.Positive => ("0", null, Typesetting.Number(scale, signed: true)),
            AttributionSign.Negative => ("0", null, Typesetting.Number(-scale)),
            _ => ("0", (string?)null, Typesetting.Number(scale)),
        };
        float x0 = x, x1 = x + width - 1, xm = x + (width - 1) / 2f;
        canvas.DrawLine(x0 + 0.5f, y + height, x0 + 0.5f, y + height + tick, tickPaint);
        canvas.DrawLine(x1 + 0.5f, y + height, x1 + 0.5f, y + height + tick, tickPaint);
        canvas.DrawText(left, x0, labelY, text);
        canvas.DrawText(right, x1 + 1 - text.MeasureText(right), labelY, text);
        if (middle is not null)
        {
            canvas.DrawLine(xm + 0.5f, y + height, xm + 0.5f, y + height + tick, tickPaint);
            canvas.DrawText(middle, xm + 0.5f - text.MeasureText(middle) / 2, labelY, text);
        }
        return height + tick + fontSize * 1.3f;
    }

    private static SKBitmap WithNote(SKBitmap bitmap, double[] values, AttributionSign sign, double scale)
    {
        if (Shading.Note(values, sign, scale) is { } note) Typesetting.DrawNote(bitmap, note);
        return bitmap;
    }

    private static void Put(byte[] rgb, int i, (byte R, byte G, byte B) c)
    {
        rgb[i * 3] = c.R;
        rgb[i * 3 + 1] = c.G;
        rgb[i * 3 + 2] = c.B;
    }

    private static byte Blend(double under, byte over, double a) => (byte)Math.Round(Math.Clamp((1 - a) * under + a * over, 0, 255));
}
