using System.Globalization;

namespace AttrDsl.Visualization;

/// <summary>
/// How <see cref="HeatMaps.Png(Tensor, HeatMapOptions)"/>, <see cref="HeatMaps.Overlay(Tensor, Tensor, HeatMapOptions)"/>
/// and <see cref="HeatMaps.Figure"/> draw an attribution: which values (<see cref="Sign"/>), the value at full colour
/// (<see cref="Scale"/>), the colours, the picture's size and the overlay's strength. One instance can draw a whole row
/// of pictures; <c>options with { Scale = shared }</c> gives a copy with another scale.
/// </summary>
/// <example>
/// <code>
/// var shared = HeatMaps.SharedScale([igPrior, igPlain]);
/// var options = new HeatMapOptions { Scale = shared, PixelsPerCell = 8 };
/// byte[] prior = HeatMaps.Figure(x, igPrior, options, title: "TV prior model");
/// </code>
/// </example>
public sealed record HeatMapOptions
{
    private readonly AttributionSign _sign = AttributionSign.All;
    private readonly AttributionScale _scale = AttributionScale.Default;
    private readonly int _pixelsPerCell = 8;
    private readonly double _overlayAlpha = 0.75;

    /// <summary>Which values are shown (default <see cref="AttributionSign.All"/>: signed, on a diverging map).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not an <see cref="AttributionSign"/> member.</exception>
    public AttributionSign Sign
    {
        get => _sign;
        init
        {
            Shading.CheckSign(value, "HeatMapOptions.Sign", nameof(Sign));
            _sign = value;
        }
    }

    /// <summary>The attribution value at full colour (default: each picture's own 99th percentile).</summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public AttributionScale Scale
    {
        get => _scale;
        init => _scale = value ?? throw new ArgumentNullException(nameof(Scale),
            "HeatMapOptions.Scale is null; use AttributionScale.PerImage(), AttributionScale.Fixed(max) or HeatMaps.SharedScale(maps)");
    }

    /// <summary>
    /// The colours; null (the default) picks <see cref="ColorMap.For"/> the <see cref="Sign"/>. A diverging map in a
    /// one-sided mode uses its half from zero towards the sign's end.
    /// </summary>
    public ColorMap? ColorMap { get; init; }

    /// <summary>Each map cell becomes a block of this many pixels square (1..256, default 8: a 28 × 28 map is 224 × 224 px).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1..256.</exception>
    public int PixelsPerCell
    {
        get => _pixelsPerCell;
        init
        {
            if (value is < 1 or > 256)
                throw new ArgumentOutOfRangeException(nameof(PixelsPerCell), value, $"HeatMapOptions.PixelsPerCell is {value}; it must be in 1..256 (8 draws a 28 × 28 map at 224 × 224 pixels)");
            _pixelsPerCell = value;
        }
    }

    /// <summary>
    /// In overlays, the blend weight of a value at full scale (0..1, default 0.75): a value at fraction m of the scale is
    /// blended over the image with weight <c>OverlayAlpha × √m</c> towards the colour map's end colour for its sign.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1] or NaN.</exception>
    public double OverlayAlpha
    {
        get => _overlayAlpha;
        init
        {
            if (!(value >= 0 && value <= 1))
                throw new ArgumentOutOfRangeException(nameof(OverlayAlpha), value,
                    $"HeatMapOptions.OverlayAlpha is {value.ToString(CultureInfo.InvariantCulture)}; it must be in [0, 1] (the blend weight of a value at full scale, 0.75 by default)");
            _overlayAlpha = value;
        }
    }

    /// <summary>The colour map in use: <see cref="ColorMap"/>, or the default for <see cref="Sign"/>.</summary>
    public ColorMap EffectiveColorMap => ColorMap ?? Visualization.ColorMap.For(Sign);
}
