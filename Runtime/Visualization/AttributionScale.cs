using System.Globalization;

namespace AttrDsl.Visualization;

/// <summary>
/// The attribution value drawn at the full colour of a heat map or overlay (the colour map's end): each picture's own
/// percentile (<see cref="PerImage"/>, the default) or one number shared by several pictures (<see cref="Fixed"/>,
/// <see cref="HeatMaps.SharedScale"/>). Values beyond it are clipped to the end colour.
/// </summary>
/// <remarks>
/// Per-image scales make every picture use its full colour range, so two pictures' colours cannot be compared: a map ten
/// times weaker looks the same. Draw the pictures that are to be compared (two models' maps of one digit) with one
/// shared scale, and show its number with <see cref="HeatMaps.ColorBar"/>.
/// </remarks>
public sealed class AttributionScale
{
    private readonly string? _description;

    private AttributionScale(double? percentile, double? max, string? description)
    {
        Percentile = percentile;
        Max = max;
        _description = description;
    }

    /// <summary>The default: each picture's own 99th percentile of the magnitudes it shows.</summary>
    public static AttributionScale Default { get; } = new(99, null, null);

    /// <summary>
    /// Each picture's own <paramref name="percentile"/>-th percentile (linear interpolation, as NumPy's default) of the
    /// magnitudes the sign mode shows: |v| for <see cref="AttributionSign.All"/> and <see cref="AttributionSign.Absolute"/>,
    /// max(v, 0) for <see cref="AttributionSign.Positive"/>, max(−v, 0) for <see cref="AttributionSign.Negative"/>, over
    /// all pixels. When that percentile is 0 but some value is not (a sparse map), the largest magnitude is used instead,
    /// so a map with a few non-zero pixels is not drawn blank.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is outside (0, 100] or NaN.</exception>
    public static AttributionScale PerImage(double percentile = 99)
    {
        Raster.CheckPercentile(percentile);
        return percentile == 99 ? Default : new AttributionScale(percentile, null, null);
    }

    /// <summary>
    /// One value for every picture drawn with this scale: <paramref name="max"/> (and −<paramref name="max"/> for negative
    /// values) is the end colour. <paramref name="description"/> says where the number comes from (shown by
    /// <see cref="HeatMaps.Figure"/>, returned by <see cref="Describe"/>); by default "fixed scale".
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="max"/> is not a finite number &gt; 0.</exception>
    public static AttributionScale Fixed(double max, string? description = null)
    {
        if (!(max > 0) || double.IsInfinity(max))
            throw new ArgumentOutOfRangeException(nameof(max), max,
                $"AttributionScale.Fixed: max = {max.ToString(CultureInfo.InvariantCulture)}; the scale is the attribution value drawn at full colour, a finite number > 0. " +
                "Compute one from the maps with HeatMaps.SharedScale, or use AttributionScale.PerImage().");
        return new AttributionScale(null, max, description);
    }

    // SharedScale's result: may be 0 when every map is zero (the pictures then carry an "all zero" note).
    internal static AttributionScale Shared(double max, string description) => new(null, max, description);

    /// <summary>The percentile of a per-image scale; null for a fixed one.</summary>
    public double? Percentile { get; }

    /// <summary>The value of a fixed (shared) scale; null for a per-image one.</summary>
    public double? Max { get; }

    /// <summary>Whether every picture drawn with this scale uses the same value (<see cref="Max"/>).</summary>
    public bool IsFixed => Max is not null;

    /// <summary>
    /// The value at full colour for <paramref name="map"/> ([H, W], [C, H, W] or [1, C, H, W], summed over channels as the
    /// pictures do) in <paramref name="sign"/> mode: the percentile of this map, or <see cref="Max"/>. 0 when the map has
    /// nothing to show in that mode (all zero, or no values of that sign) and the scale is per image.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="map"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="map"/> is not a floating-point map [H, W], [C, H, W] or
    /// [1, C, H, W], is empty, or contains NaN or ±Inf.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sign"/> is not an <see cref="AttributionSign"/> value.</exception>
    public double Resolve(Tensor map, AttributionSign sign = AttributionSign.All)
    {
        Shading.CheckSign(sign, "AttributionScale.Resolve");
        var (values, _, _) = Raster.Plane(map, nameof(map), "AttributionScale.Resolve", 1, Raster.PlaneKind.Float);
        return ResolveValues(values, sign);
    }

    internal double ResolveValues(double[] values, AttributionSign sign) => Max ?? Shading.PercentileOfShown(values, sign, Percentile!.Value);

    /// <summary>
    /// Where the scale comes from, in words for a caption: "99th percentile of |attribution| of this image" for a
    /// per-image scale in <paramref name="sign"/> mode, the description given to <see cref="Fixed"/> (or "fixed scale"),
    /// or what <see cref="HeatMaps.SharedScale"/> computed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sign"/> is not an <see cref="AttributionSign"/> value.</exception>
    public string Describe(AttributionSign sign = AttributionSign.All)
    {
        Shading.CheckSign(sign, "AttributionScale.Describe");
        if (Max is not null) return _description ?? "fixed scale";
        return $"{Ordinal(Percentile!.Value)} percentile of {Shown(sign)} of this image";
    }

    /// <inheritdoc />
    public override string ToString() => Max is { } m ? $"fixed {m.ToString("G4", CultureInfo.InvariantCulture)}" : $"{Ordinal(Percentile!.Value)} percentile per image";

    /// <summary>The quantity a sign mode shows, in words.</summary>
    internal static string Shown(AttributionSign sign) => sign switch
    {
        AttributionSign.Positive => "the positive attribution",
        AttributionSign.Negative => "|negative attribution|",
        _ => "|attribution|",
    };

    /// <summary>99 → "99th", 1 → "1st", 99.5 → "99.5th".</summary>
    internal static string Ordinal(double p)
    {
        if (p != Math.Floor(p)) return p.ToString("0.###", CultureInfo.InvariantCulture) + "th";
        var n = (long)p;
        var suffix = (n % 100) is >= 11 and <= 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return n.ToString(CultureInfo.InvariantCulture) + suffix;
    }
}
