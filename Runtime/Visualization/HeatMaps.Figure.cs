using System.Globalization;
using SkiaSharp;

namespace AttrDsl.Visualization;

public static partial class HeatMaps
{
    // Figure layout, in pixels: the outer margin and the gap between panels.
    private const int FigureMargin = 12, FigureGap = 12;

    /// <summary>
    /// One attribution as a figure, as Captum's <c>visualize_image_attr_multiple</c>: the <paramref name="panels"/> (by
    /// default the input image, the heat map alone and the overlay) side by side with a label over each, an optional
    /// <paramref name="title"/>, a colour bar whose ends are labelled with the scale's value (−s, 0, +s in
    /// <see cref="AttributionSign.All"/> mode; 0 and s in one-sided modes), and a line saying how the scale was chosen
    /// (<see cref="AttributionScale.Describe"/>). An attribution with nothing to show gets a note in its panels and a
    /// line in red saying so. Text uses the embedded font and grows with the figure (1/28 of its width, 12 to 32 px),
    /// so it stays legible when a report shrinks the figure to a phone's width.
    /// </summary>
    /// <param name="image">The input, grey ([H, W], [1, H, W] or [1, 1, H, W], values in [0, 1]; a colour image [3, H, W]
    /// is shown as its channel mean).</param>
    /// <param name="attribution">Its attribution, same H and W ([C, H, W] and [1, C, H, W] are summed over channels).</param>
    /// <param name="options">Sign mode, scale, colours, size and overlay strength; null for the defaults (signed, each
    /// picture's own 99th percentile, 8 pixels per cell).</param>
    /// <param name="title">A line above the panels (e.g. the method and model); null or empty for none.</param>
    /// <param name="panels">Which panels, in the order image, heat map, overlay.</param>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> or <paramref name="attribution"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="image"/> or <paramref name="attribution"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="image"/> or <paramref name="attribution"/> is 0-dim, has more than
    /// 4 dimensions (or is a batch of several maps), is empty, is not floating point, contains NaN or ±Inf; their H × W
    /// differ; or the figure would have more than 2^28 pixels (named as <paramref name="options"/>: its PixelsPerCell).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="panels"/> names no panel or an unknown one.</exception>
    public static byte[] Figure(Tensor image, Tensor attribution, HeatMapOptions? options = null, string? title = null, FigurePanels panels = FigurePanels.All)
    {
        if (panels <= 0 || (panels & ~FigurePanels.All) != 0)
            throw new ArgumentOutOfRangeException(nameof(panels), panels,
                $"HeatMaps.Figure: panels = {(int)panels} names {(panels <= 0 ? "no panel" : "an unknown panel")}; combine FigurePanels.Image, HeatMap and Overlay with |, or pass FigurePanels.All");
        options ??= new HeatMapOptions();
        var ppc = options.PixelsPerCell;
        var (grey, values, h, w) = ImageAndAttribution(image, attribution, "HeatMaps.Figure", ppc);
        // Checked before any panel is drawn: each panel may be a legal picture while three side by side are not.
        var count = new[] { FigurePanels.Image, FigurePanels.HeatMap, FigurePanels.Overlay }.Count(p => panels.HasFlag(p));
        long panelWidth = (long)w * ppc, panelHeight = (long)h * ppc;
        var least = (Math.Max(count * panelWidth + (count - 1) * FigureGap, 280) + 2 * FigureMargin) * (panelHeight + 2 * FigureMargin);
        if (least > Raster.MaxPixels)
            throw new ArgumentException(
                $"HeatMaps.Figure: {count} panels of {panelWidth} × {panelHeight} pixels ({h} × {w} cells at {ppc} pixels per cell) make a figure of more than the {Raster.MaxPixels} pixels a picture may have; " +
                "use a smaller HeatMapOptions.PixelsPerCell, fewer panels, or a downsampled map", nameof(options));
        var sign = options.Sign;
        var scale = options.Scale.ResolveValues(values, sign);
        var shown = new List<(string Label, SKBitmap Bitmap)>();
        try
        {
            if (panels.HasFlag(FigurePanels.Image)) shown.Add(("input", Panels.Image(grey, h, w, ppc)));
            if (panels.HasFlag(FigurePanels.HeatMap)) shown.Add(("heat map", Panels.HeatMap(values, h, w, options, scale)));
            if (panels.HasFlag(FigurePanels.Overlay)) shown.Add(("overlay", Panels.Overlay(grey, values, h, w, options, scale)));
            var attributionShown = (panels & (FigurePanels.HeatMap | FigurePanels.Overlay)) != 0;
            var largest = values.Max(v => Shading.Shown(v, sign));
            var note = attributionShown ? Shading.Note(values, sign, scale) switch
            {
                null => null,
                "all zero" => "all zero: the attribution is 0 at every pixel",
                "all below 1 % of the scale" => $"all below 1 % of the scale: the largest {AttributionScale.Shown(sign)} is {Typesetting.Number(largest)}",
                var other => $"{other}: nothing to show in {sign.ToString().ToLowerInvariant()} mode",
            } : null;
            return Compose(shown, title, attributionShown ? (sign, options.EffectiveColorMap, scale, options.Scale.Describe(sign)) : null, note);
        }
        finally
        {
            foreach (var (_, bitmap) in shown) bitmap.Dispose();
        }
    }

    /// <summary>
    /// A colour bar alone, <paramref name="width"/> pixels wide, for a row of pictures drawn on one shared scale: the
    /// colours a heat map in <paramref name="sign"/> mode gives values from −<paramref name="scaleMax"/> (or 0) to
    /// +<paramref name="scaleMax"/>, left to right, the ends (and zero) labelled with their values, and an optional
    /// <paramref name="caption"/> under it (e.g. <see cref="AttributionScale.Describe"/>). The bar's end columns are
    /// exactly the colour map's end colours.
    /// </summary>
    /// <param name="scaleMax">The value at full colour, e.g. the <see cref="AttributionScale.Max"/> of <see cref="SharedScale"/>.</param>
    /// <param name="sign">The sign mode of the pictures.</param>
    /// <param name="colorMap">Their colour map; null for <see cref="ColorMap.For"/> the sign.</param>
    /// <param name="width">The PNG's width, 120..8192 pixels.</param>
    /// <param name="caption">Text under the labels, wrapped; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scaleMax"/> is not a finite number &gt; 0,
    /// <paramref name="sign"/> is not an <see cref="AttributionSign"/> value, or <paramref name="width"/> is outside 120..8192.</exception>
    public static byte[] ColorBar(double scaleMax, AttributionSign sign = AttributionSign.All, ColorMap? colorMap = null, int width = 320, string? caption = null)
    {
        if (!(scaleMax > 0) || double.IsInfinity(scaleMax))
            throw new ArgumentOutOfRangeException(nameof(scaleMax), scaleMax,
                $"HeatMaps.ColorBar: scaleMax = {scaleMax.ToString(CultureInfo.InvariantCulture)}; the bar's end value must be a finite number > 0 (a scale of 0 has no colours: its pictures are all zero)");
        Shading.CheckSign(sign, "HeatMaps.ColorBar");
        if (width is < 120 or > 8192)
            throw new ArgumentOutOfRangeException(nameof(width), width, $"HeatMaps.ColorBar: the width is {width}; it must be 120 to 8192 pixels");
        var map = colorMap ?? ColorMap.For(sign);
        const int margin = 10;
        var inner = width - 2 * margin;
        var font = Math.Clamp(MathF.Round(width / 20f), 12, 28);
        var barHeight = (int)MathF.Round(font * 1.1f);
        using var captionPaint = Typesetting.Paint(font * 0.85f, new SKColor(70, 70, 70));
        var lines = string.IsNullOrEmpty(caption) ? [] : Typesetting.Wrap(caption, captionPaint, inner);
        var barBlock = barHeight + Math.Max(3, font * 0.3f) + font * 1.3f;
        var height = (int)MathF.Ceiling(margin + barBlock + lines.Count * font * 1.05f + margin * 0.6f);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        var y = margin + Panels.ColorBar(canvas, margin, margin, inner, barHeight, sign, map, scaleMax, font);
        foreach (var line in lines)
        {
            y += font * 1.05f;
            canvas.DrawText(line, margin, y - font * 0.2f, captionPaint);
        }
        canvas.Flush();
        return Raster.Encode(bitmap);
    }

    /// <summary>
    /// One scale for pictures that are to be compared (two models' maps of one input, several methods' maps on one
    /// footing): the largest of the maps' own <paramref name="percentile"/>-th percentiles of the magnitudes
    /// <paramref name="sign"/> mode shows (see <see cref="AttributionScale.PerImage"/>), so no map is clipped more than
    /// its own percentile would clip it and a map half as strong as another is drawn half as saturated. Pass the result
    /// as <see cref="HeatMapOptions.Scale"/>; its <see cref="AttributionScale.Max"/> is the number (0 when every map is
    /// zero in that mode: their pictures then say "all zero").
    /// </summary>
    /// <param name="maps">The maps ([H, W], [C, H, W] or [1, C, H, W] each; sizes may differ).</param>
    /// <param name="percentile">The percentile, (0, 100].</param>
    /// <param name="sign">The sign mode the pictures will use.</param>
    /// <param name="description">What <see cref="AttributionScale.Describe"/> returns (a figure's scale line); null for
    /// "shared by N maps: the largest of their 99th percentiles of |attribution|".</param>
    /// <exception cref="ArgumentNullException"><paramref name="maps"/> or one of its maps is null.</exception>
    /// <exception cref="ObjectDisposedException">A map was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="maps"/> is empty, or a map is not a finite floating-point map.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is outside (0, 100] or
    /// <paramref name="sign"/> is not an <see cref="AttributionSign"/> value.</exception>
    public static AttributionScale SharedScale(IEnumerable<Tensor> maps, double percentile = 99, AttributionSign sign = AttributionSign.All, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(maps);
        Raster.CheckPercentile(percentile);
        Shading.CheckSign(sign, "HeatMaps.SharedScale");
        var max = 0.0;
        var count = 0;
        foreach (var map in maps)
        {
            var (values, _, _) = Raster.Plane(map, $"maps[{count}]", "HeatMaps.SharedScale", 1, Raster.PlaneKind.Float);
            max = Math.Max(max, Shading.PercentileOfShown(values, sign, percentile));
            count++;
        }
        if (count == 0)
            throw new ArgumentException("HeatMaps.SharedScale: maps is empty; pass the maps whose pictures are to share the scale (at least one)", nameof(maps));
        var ordinal = AttributionScale.Ordinal(percentile);
        return AttributionScale.Shared(max, description ?? (count == 1
            ? $"{ordinal} percentile of {AttributionScale.Shown(sign)} of one map"
            : $"shared by {count} maps: the largest of their {ordinal} percentiles of {AttributionScale.Shown(sign)}"));
    }

    // Lays out the panels with their labels, the title, the colour bar, the scale line and the note; encodes the figure.
    private static byte[] Compose(List<(string Label, SKBitmap Bitmap)> shown, string? title,
        (AttributionSign Sign, ColorMap Map, double Scale, string Description)? bar, string? note)
    {
        int pw = shown[0].Bitmap.Width, ph = shown[0].Bitmap.Height, n = shown.Count;
        var content = n * pw + (n - 1) * FigureGap;
        var inner = Math.Max(content, 280);
        var width = inner + 2 * FigureMargin;
        var font = Math.Clamp(MathF.Round(width / 28f), 12, 32);
        using var titlePaint = Typesetting.Paint(font * 1.1f, bold: true);
        using var labelPaint = Typesetting.Paint(font * 0.95f, new SKColor(80, 80, 80));
        using var scalePaint = Typesetting.Paint(font * 0.85f, new SKColor(70, 70, 70));
        using var notePaint = Typesetting.Paint(font * 0.85f, new SKColor(178, 24, 43), bold: true);
        var titleLines = string.IsNullOrEmpty(title) ? [] : Typesetting.Wrap(title, titlePaint, inner);
        var barHeight = (int)MathF.Round(font * 0.9f);
        var drawBar = bar is { Scale: > 0 };
        var scaleLines = drawBar ? Typesetting.Wrap($"colour scale: {bar!.Value.Description}", scalePaint, inner) : [];
        var noteLines = note is null ? [] : Typesetting.Wrap(note, notePaint, inner);
        var titleHeight = titleLines.Count * font * 1.35f;
        var labelHeight = font * 1.3f;
        var barBlock = drawBar ? FigureGap + barHeight + Math.Max(3, font * 0.3f) + font * 1.3f : 0;
        var textHeight = (scaleLines.Count + noteLines.Count) * font * 1.05f + (scaleLines.Count + noteLines.Count > 0 ? font * 0.3f : 0);
        var height = (int)MathF.Ceiling(FigureMargin + titleHeight + labelHeight + ph + barBlock + textHeight + FigureMargin);
        if ((long)width * height > Raster.MaxPixels)
            throw new ArgumentException($"HeatMaps.Figure: the figure would be {width} × {height} pixels, more than the {Raster.MaxPixels} a picture may have; use a smaller HeatMapOptions.PixelsPerCell or fewer panels", "options");

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        float y = FigureMargin;
        foreach (var line in titleLines)
        {
            y += font * 1.35f;
            canvas.DrawText(line, FigureMargin, y - font * 0.3f, titlePaint);
        }
        var x0 = FigureMargin + (inner - content) / 2f;
        using var frame = new SKPaint { Color = new SKColor(200, 200, 200), Style = SKPaintStyle.Stroke, StrokeWidth = 1, IsAntialias = false };
        for (var i = 0; i < n; i++)
        {
            // Whole-pixel positions: the panels are copied pixel for pixel, never resampled.
            var x = (int)MathF.Round(x0 + i * (pw + FigureGap));
            var top = (int)MathF.Round(y + labelHeight);
            var label = shown[i].Label;
            canvas.DrawText(label, x + pw / 2f - labelPaint.MeasureText(label) / 2, y + font * 1.0f, labelPaint);
            canvas.DrawBitmap(shown[i].Bitmap, x, top);
            // A light frame in the pixels just outside the panel (a 1-pixel line centred half a pixel out): a heat map
            // is mostly white, and its extent should still show.
            canvas.DrawRect(x - 0.5f, top - 0.5f, pw + 1, ph + 1, frame);
        }
        y += labelHeight + ph;
        if (drawBar)
        {
            var (sign, map, scale, _) = bar!.Value;
            y += FigureGap;
            y += Panels.ColorBar(canvas, FigureMargin, y, inner, barHeight, sign, map, scale, font);
        }
        if (scaleLines.Count + noteLines.Count > 0) y += font * 0.3f;
        foreach (var line in scaleLines)
        {
            y += font * 1.05f;
            canvas.DrawText(line, FigureMargin, y - font * 0.25f, scalePaint);
        }
        foreach (var line in noteLines)
        {
            y += font * 1.05f;
            canvas.DrawText(line, FigureMargin, y - font * 0.25f, notePaint);
        }
        canvas.Flush();
        return Raster.Encode(bitmap);
    }
}
