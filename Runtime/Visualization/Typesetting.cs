using System.Globalization;
using SkiaSharp;

namespace AttrDsl.Visualization;

/// <summary>
/// Text in pictures: the embedded font (DejaVu Sans Mono, so no system fonts are needed), numbers for scale labels,
/// word wrapping, and the note a picture carries when it has nothing to show.
/// </summary>
internal static class Typesetting
{
    private static readonly Lazy<SKTypeface> Font = new(LoadFont);

    /// <summary>The embedded font; SkiaSharp's default typeface if the resource cannot be read.</summary>
    public static SKTypeface Typeface => Font.Value;

    /// <summary>Dark grey: text on white.</summary>
    public static readonly SKColor Ink = new(40, 40, 40);

    public static SKPaint Paint(float size, SKColor? color = null, bool bold = false) =>
        new() { Typeface = Typeface, TextSize = size, IsAntialias = true, Color = color ?? Ink, FakeBoldText = bold };

    /// <summary>
    /// A scale number with three significant digits: 0.0123, 12.3, 1230; 1.23e-05 outside [0.001, 100000). With
    /// <paramref name="signed"/>, a leading + for positive values; negative values use the minus sign (U+2212).
    /// </summary>
    public static string Number(double v, bool signed = false)
    {
        if (v == 0) return "0";
        var a = Math.Abs(v);
        string digits;
        if (a is >= 1e-3 and < 1e5)
        {
            var decimals = Math.Max(0, 2 - (int)Math.Floor(Math.Log10(a)));
            digits = a.ToString("F" + decimals, CultureInfo.InvariantCulture);
            if (digits.Contains('.')) digits = digits.TrimEnd('0').TrimEnd('.');
        }
        else digits = a.ToString("0.##e+00", CultureInfo.InvariantCulture);
        return (v < 0 ? "\u2212" : signed ? "+" : "") + digits;
    }

    /// <summary>Greedy word wrap of <paramref name="text"/> into lines no wider than <paramref name="width"/> (a longer word gets its own line).</summary>
    public static List<string> Wrap(string text, SKPaint paint, float width)
    {
        var lines = new List<string>();
        foreach (var paragraph in text.Split('\n'))
        {
            var line = "";
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (line.Length > 0 && paint.MeasureText(candidate) > width)
                {
                    lines.Add(line);
                    line = word;
                }
                else line = candidate;
            }
            lines.Add(line);
        }
        return lines;
    }

    /// <summary>
    /// Draws <paramref name="note"/> in a white box near the top of <paramref name="bitmap"/>, as large as fits (up to
    /// 7.5 % of the width). Pictures too small for a 5-pixel font get no text.
    /// </summary>
    public static void DrawNote(SKBitmap bitmap, string note)
    {
        using var canvas = new SKCanvas(bitmap);
        float w = bitmap.Width, h = bitmap.Height;
        using var paint = Paint(Math.Min(w * 0.075f, h * 0.4f), new SKColor(30, 30, 30));
        var measured = paint.MeasureText(note);
        if (measured > w * 0.86f) paint.TextSize *= w * 0.86f / measured;
        if (paint.TextSize < 5) return;
        var size = paint.TextSize;
        var textWidth = paint.MeasureText(note);
        var pad = size * 0.35f;
        var box = new SKRect((w - textWidth) / 2 - pad, Math.Max(1, h * 0.04f), (w + textWidth) / 2 + pad, 0);
        box.Bottom = box.Top + size * 1.45f;
        using var fill = new SKPaint { Color = new SKColor(255, 255, 255, 235), Style = SKPaintStyle.Fill, IsAntialias = true };
        using var border = new SKPaint { Color = new SKColor(110, 110, 110), Style = SKPaintStyle.Stroke, StrokeWidth = Math.Max(1, size / 12), IsAntialias = true };
        canvas.DrawRoundRect(box, size * 0.25f, size * 0.25f, fill);
        canvas.DrawRoundRect(box, size * 0.25f, size * 0.25f, border);
        canvas.DrawText(note, (w - textWidth) / 2, box.Top + pad + size * 0.8f, paint);
        canvas.Flush();
    }

    private static SKTypeface LoadFont()
    {
        using var stream = typeof(Typesetting).Assembly.GetManifestResourceStream("AttrDsl.Visualization.DejaVuSansMono.ttf");
        if (stream is null) return SKTypeface.Default;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        using var data = SKData.CreateCopy(copy.ToArray());
        return SKTypeface.FromData(data) ?? SKTypeface.Default;
    }
}
