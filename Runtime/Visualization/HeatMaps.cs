using AttrDsl.Checkpoints;
using AttrDsl.Decomposition.Acd;
using AttrDsl.Internal;

namespace AttrDsl.Visualization;

/// <summary>
/// PNG pictures of attributions, images and ACD level maps, drawn with SkiaSharp. Each map cell becomes a
/// <c>scale</c> × <c>scale</c> block of pixels (nearest-neighbour, so cells stay crisp squares), so a [28, 28] map at
/// the default scale 8 is a 224 × 224 PNG.
/// </summary>
/// <remarks>
/// <para>
/// Attributions: <see cref="Png(Tensor, HeatMapOptions)"/> (the heat map alone), <see cref="Overlay(Tensor, Tensor, HeatMapOptions)"/>
/// (over the grey image), <see cref="Figure"/> (image, heat map and overlay side by side with a labelled colour bar,
/// as Captum's <c>visualize_image_attr_multiple</c>) and <see cref="ColorBar"/>. <see cref="HeatMapOptions"/> picks the
/// sign mode, the scale (each picture's own percentile, or one shared by several pictures: <see cref="SharedScale"/>),
/// the colours and the size. A picture with nothing to show (all zero, no values of the sign, or all below 1 % of a
/// shared scale) says so in a note drawn on it.
/// </para>
/// <para>
/// AttrDsl references SkiaSharp's managed library only (2.88.6, the version TorchSharp 0.107 depends on). The application
/// adds SkiaSharp's native library, as it adds the TorchSharp backend: on Linux <c>SkiaSharp.NativeAssets.Linux.NoDependencies</c>
/// (no fontconfig or other system libraries needed), on Windows and macOS SkiaSharp's own native assets packages. Without
/// one, the first picture throws <see cref="TypeInitializationException"/> naming <c>libSkiaSharp</c>.
/// </para>
/// </remarks>
public static partial class HeatMaps
{
    /// <summary>
    /// A heat map of <paramref name="map"/> ([H, W], or [C, H, W] / [1, C, H, W] summed over channels), normalised by the
    /// <paramref name="percentile"/>-th percentile of |values| (values beyond it are clipped to the colour map's ends).
    /// The colour map defaults to <see cref="ColorMap.Diverging"/> (zero is white) for data with negative values and to
    /// <see cref="ColorMap.Sequential"/> otherwise; a non-diverging map shows |values|. For sign modes and shared scales
    /// use <see cref="Png(Tensor, HeatMapOptions)"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="map"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="map"/> is 0-dim, has more than 4 dimensions (or is a batch of
    /// several maps), is empty, is not floating point, contains NaN or ±Inf, or would make a picture of more than
    /// 2^28 pixels at <paramref name="scale"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is outside 1..256 or <paramref name="percentile"/>
    /// outside (0, 100].</exception>
    public static byte[] Png(Tensor map, ColorMap? colorMap = null, int scale = 8, double percentile = 99)
    {
        Raster.CheckScale(scale);
        Raster.CheckPercentile(percentile);
        var (values, h, w) = Raster.Plane(map, nameof(map), "HeatMaps.Png", scale, Raster.PlaneKind.Float);
        var options = new HeatMapOptions { ColorMap = colorMap ?? DefaultMap(values), PixelsPerCell = scale, Scale = AttributionScale.PerImage(percentile) };
        using var bitmap = Panels.HeatMap(values, h, w, options, options.Scale.ResolveValues(values, options.Sign));
        return Raster.Encode(bitmap);
    }

    /// <summary>
    /// The heat map of <paramref name="map"/> ([H, W], or [C, H, W] / [1, C, H, W] summed over channels) as
    /// <paramref name="options"/> say: the values of its <see cref="HeatMapOptions.Sign"/>, divided by its
    /// <see cref="HeatMapOptions.Scale"/> (see <see cref="AttributionScale.Resolve"/> for the number) and clipped, on its
    /// colour map. A map with nothing to show carries a note ("all zero", "no positive values", "all below 1 % of the
    /// scale") at the top.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="map"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="map"/> is 0-dim, has more than 4 dimensions (or is a batch of
    /// several maps), is empty, is not floating point, contains NaN or ±Inf, or would make a picture of more than
    /// 2^28 pixels.</exception>
    public static byte[] Png(Tensor map, HeatMapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (values, h, w) = Raster.Plane(map, nameof(map), "HeatMaps.Png", options.PixelsPerCell, Raster.PlaneKind.Float);
        using var bitmap = Panels.HeatMap(values, h, w, options, options.Scale.ResolveValues(values, options.Sign));
        return Raster.Encode(bitmap);
    }

    /// <summary>
    /// <paramref name="image"/> (grey, [H, W] or [1, H, W] or [1, 1, H, W], values in [0, 1]; a colour image [3, H, W]
    /// is shown as its channel mean) with <paramref name="attribution"/> (same H and W) blended over it: a value at
    /// fraction m of the <paramref name="percentile"/>-th percentile of |attribution| is blended with weight
    /// <paramref name="alpha"/> × √m towards the colour map's end colour for its sign (red for positive, blue for negative
    /// on the default diverging map). Pixels without attribution show the image unchanged; weak values stay visible on a
    /// white stroke. Both tensors are floating point (convert an 8-bit image with <c>image.to_type(ScalarType.Float32) / 255</c>).
    /// For sign modes and shared scales use <see cref="Overlay(Tensor, Tensor, HeatMapOptions)"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> or <paramref name="attribution"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="image"/> or <paramref name="attribution"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="image"/> or <paramref name="attribution"/> is 0-dim, has more than
    /// 4 dimensions (or is a batch of several maps), is empty, is not floating point, contains NaN or ±Inf, or would make a
    /// picture of more than 2^28 pixels; or their H × W differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is outside [0, 1], <paramref name="scale"/>
    /// outside 1..256 or <paramref name="percentile"/> outside (0, 100].</exception>
    public static byte[] Overlay(Tensor image, Tensor attribution, double alpha = 0.75, int scale = 8, double percentile = 99, ColorMap? colorMap = null)
    {
        Raster.CheckScale(scale);
        Raster.CheckPercentile(percentile);
        if (!(alpha >= 0 && alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"HeatMaps.Overlay: alpha = {alpha} is not in [0, 1]; it is the blend weight of the strongest attribution (0.75 by default)");
        var (grey, values, h, w) = ImageAndAttribution(image, attribution, "HeatMaps.Overlay", scale);
        var options = new HeatMapOptions { ColorMap = colorMap ?? DefaultMap(values), PixelsPerCell = scale, Scale = AttributionScale.PerImage(percentile), OverlayAlpha = alpha };
        using var bitmap = Panels.Overlay(grey, values, h, w, options, options.Scale.ResolveValues(values, options.Sign));
        return Raster.Encode(bitmap);
    }

    /// <summary>
    /// <paramref name="image"/> (grey, [H, W] or [1, H, W] or [1, 1, H, W], values in [0, 1]; a colour image [3, H, W]
    /// is shown as its channel mean) with <paramref name="attribution"/> (same H and W) blended over it as
    /// <paramref name="options"/> say: a shown value at fraction m of the scale is blended with weight
    /// <see cref="HeatMapOptions.OverlayAlpha"/> × √m towards the colour map's end colour for its sign. Pixels without
    /// attribution show the image unchanged. An attribution with nothing to show carries a note at the top.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="image"/>, <paramref name="attribution"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="image"/> or <paramref name="attribution"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="image"/> or <paramref name="attribution"/> is 0-dim, has more than
    /// 4 dimensions (or is a batch of several maps), is empty, is not floating point, contains NaN or ±Inf, or would make a
    /// picture of more than 2^28 pixels; or their H × W differ.</exception>
    public static byte[] Overlay(Tensor image, Tensor attribution, HeatMapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (grey, values, h, w) = ImageAndAttribution(image, attribution, "HeatMaps.Overlay", options.PixelsPerCell);
        using var bitmap = Panels.Overlay(grey, values, h, w, options, options.Scale.ResolveValues(values, options.Sign));
        return Raster.Encode(bitmap);
    }

    /// <summary>
    /// An ACD level map [H, W] of integer levels: 0 or −1 where a pixel is in no component, otherwise the level (≥ 1)
    /// at which it joined one. Each distinct level gets its own colour (a qualitative palette, then evenly spaced hues);
    /// pixels in no component are light grey. For an <see cref="AcdResult"/> use <see cref="LevelMap(AcdResult, int)"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="levels"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="levels"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="levels"/> is 0-dim, has more than 4 dimensions (or is a batch of
    /// several maps), is empty, is not an integer tensor, holds a level below −1, or would make a picture of more than
    /// 2^28 pixels at <paramref name="scale"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is outside 1..256.</exception>
    public static byte[] LevelMap(Tensor levels, int scale = 8)
    {
        Raster.CheckScale(scale);
        var (values, h, w) = Raster.Plane(levels, nameof(levels), "HeatMaps.LevelMap", scale, Raster.PlaneKind.Integer);
        for (var i = 0; i < values.Length; i++)
            if (values[i] < -1)
                throw new ArgumentException(
                    $"HeatMaps.LevelMap: levels holds {values[i]} at [{i / w}, {i % w}] of the {h} × {w} map (shape {Format.Shape(levels)}); levels are ≥ −1 " +
                    "(0 or −1: in no component, k ≥ 1: joined at level k). Pass the level map itself, not a difference or a code of your own.", nameof(levels));
        var distinct = values.Where(v => v > 0).Select(v => (long)Math.Round(v)).Distinct().Order().ToArray();
        var index = new Dictionary<long, int>();
        for (var i = 0; i < distinct.Length; i++) index[distinct[i]] = i;
        var rgb = new byte[h * w * 3];
        for (var i = 0; i < values.Length; i++)
            Put(rgb, i, values[i] > 0 ? LevelColor(index[(long)Math.Round(values[i])]) : NoComponent);
        return Raster.EncodePng(rgb, h, w, scale);
    }

    /// <summary>
    /// The level map of an ACD result over an image (<see cref="AcdResult.LevelMap"/>, whose levels start at 0 and use −1
    /// for "never joined"), drawn as <see cref="LevelMap(Tensor, int)"/> with level k shown as k + 1.
    /// </summary>
    public static byte[] LevelMap(AcdResult result, int scale = 8)
    {
        ArgumentNullException.ThrowIfNull(result);
        var shape = result.LevelMapShape;
        if (shape.Length != 2) throw new ArgumentException($"the ACD result's level map is [{string.Join(", ", shape)}], not an image [H, W]", nameof(result));
        using var levels = tensor(result.LevelMap.Select(l => l + 1L).ToArray(), shape);
        return LevelMap(levels, scale);
    }

    /// <summary>
    /// A grey image ([H, W], [1, H, W] or [1, 1, H, W], values in [0, 1] and clipped to it; a colour image [3, H, W] is
    /// shown as its channel mean) as a PNG. Integer and bool images are read as 0 (black) and 1 (white) pixels.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="image"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="image"/> is 0-dim, has more than 4 dimensions (or is a batch of
    /// several images), is empty, is complex, contains NaN or ±Inf, or would make a picture of more than 2^28 pixels at
    /// <paramref name="scale"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is outside 1..256.</exception>
    public static byte[] Image(Tensor image, int scale = 8)
    {
        Raster.CheckScale(scale);
        var (grey, h, w) = GreyPlane(image, "HeatMaps.Image", scale, Raster.PlaneKind.Real);
        using var bitmap = Panels.Image(grey, h, w, scale);
        return Raster.Encode(bitmap);
    }

    /// <summary>Writes <paramref name="png"/> to <paramref name="path"/> atomically, creating its directory.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="png"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or <paramref name="png"/> is not a PNG (it does
    /// not start with the PNG signature).</exception>
    /// <exception cref="IOException">The file or its directory cannot be written.</exception>
    public static void Save(string path, byte[] png)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(png);
        if (!Raster.IsPng(png))
            throw new ArgumentException(
                $"HeatMaps.Save: png ({png.Length} bytes) is not a PNG (it does not start with the PNG signature); pass the bytes that HeatMaps.Png, Overlay, Figure, ColorBar, Image, LevelMap or Curves.Png return", nameof(png));
        Raster.CreateDirectoryOf(path, "HeatMaps.Save");
        AtomicFile.Write(path, s => s.Write(png));
    }

    /// <summary>The colour of the <paramref name="i"/>-th distinct level (0-based) in <see cref="LevelMap(Tensor, int)"/>.</summary>
    public static (byte R, byte G, byte B) LevelColor(int i)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(i);
        if (i < Palette.Length) return Palette[i];
        // Beyond the palette: hues spaced by the golden angle, alternating lightness, so neighbours stay apart.
        var hue = (i - Palette.Length) * 137.50776405 % 360.0;
        var light = i % 2 == 0 ? 0.45 : 0.65;
        return Hsl(hue, 0.65, light);
    }

    /// <summary>The colour of pixels in no component in <see cref="LevelMap(Tensor, int)"/>.</summary>
    public static (byte R, byte G, byte B) NoComponent { get; } = (235, 235, 235);

    // Tableau 10 followed by its light variants (tab20 order rearranged so the first ten are the strong colours).
    private static readonly (byte R, byte G, byte B)[] Palette =
    [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
        (174, 199, 232), (255, 187, 120), (152, 223, 138), (255, 152, 150), (197, 176, 213),
        (196, 156, 148), (247, 182, 210), (199, 199, 199), (219, 219, 141), (158, 218, 229),
    ];

    private static ColorMap DefaultMap(double[] values) => values.Any(v => v < 0) ? ColorMap.Diverging : ColorMap.Sequential;

    // The grey image and the attribution plane of one picture, checked to have the same H × W.
    private static (double[] Grey, double[] Values, int H, int W) ImageAndAttribution(Tensor image, Tensor attribution, string method, int scale)
    {
        var (grey, h, w) = GreyPlane(image, method, scale, Raster.PlaneKind.Float);
        var (values, ah, aw) = Raster.Plane(attribution, nameof(attribution), method, scale, Raster.PlaneKind.Float);
        if (ah != h || aw != w)
            throw new ArgumentException(
                $"{method}: the attribution (shape {Format.Shape(attribution)}) is a [{ah}, {aw}] map but the image (shape {Format.Shape(image)}) is [{h}, {w}]; " +
                "pass the attribution of this image (same height and width)", nameof(attribution));
        return (grey, values, h, w);
    }

    private static (double[] Values, int H, int W) GreyPlane(Tensor image, string method, int scale, Raster.PlaneKind kind)
    {
        var (values, h, w) = Raster.Plane(image, nameof(image), method, scale, kind);
        var shape = image.shape;
        var channels = shape.Length switch { 3 => shape[0], 4 => shape[1], _ => 1 };
        if (channels > 1) for (var i = 0; i < values.Length; i++) values[i] /= channels;
        return (values, h, w);
    }

    private static void Put(byte[] rgb, int i, (byte R, byte G, byte B) c)
    {
        rgb[i * 3] = c.R;
        rgb[i * 3 + 1] = c.G;
        rgb[i * 3 + 2] = c.B;
    }

    private static (byte, byte, byte) Hsl(double h, double s, double l)
    {
        var c = (1 - Math.Abs(2 * l - 1)) * s;
        var x = c * (1 - Math.Abs(h / 60 % 2 - 1));
        var m = l - c / 2;
        var (r, g, b) = h switch
        {
            < 60 => (c, x, 0.0), < 120 => (x, c, 0.0), < 180 => (0.0, c, x),
            < 240 => (0.0, x, c), < 300 => (x, 0.0, c), _ => (c, 0.0, x),
        };
        return ((byte)Math.Round((r + m) * 255), (byte)Math.Round((g + m) * 255), (byte)Math.Round((b + m) * 255));
    }
}
