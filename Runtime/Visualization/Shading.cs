namespace AttrDsl.Visualization;

/// <summary>
/// How attribution values become colours: the magnitude each sign mode shows, the per-image scale, colour-map positions,
/// the overlay's blend, and the note a picture carries when it has nothing to show.
/// </summary>
internal static class Shading
{
    /// <summary>Below this fraction of the scale a value is (nearly) the zero colour: a map whose values all are gets a note.</summary>
    public const double BlankFraction = 0.01;

    public static void CheckSign(AttributionSign sign, string method, string paramName = "sign")
    {
        if (!Enum.IsDefined(sign))
            throw new ArgumentOutOfRangeException(paramName, sign, $"{method}: {paramName} = {(int)sign} is not an AttributionSign; use All, Positive, Negative or Absolute");
    }

    /// <summary>The magnitude <paramref name="sign"/> mode shows for <paramref name="v"/>: |v|, max(v, 0) or max(−v, 0).</summary>
    public static double Shown(double v, AttributionSign sign) => sign switch
    {
        AttributionSign.Positive => Math.Max(v, 0),
        AttributionSign.Negative => Math.Max(-v, 0),
        _ => Math.Abs(v),
    };

    /// <summary>
    /// The percentile of the shown magnitudes over all pixels; the largest magnitude when that percentile is 0 (a sparse
    /// map would otherwise have no scale); 0 only when nothing is shown.
    /// </summary>
    public static double PercentileOfShown(double[] values, AttributionSign sign, double percentile)
    {
        var shown = new double[values.Length];
        for (var i = 0; i < values.Length; i++) shown[i] = Shown(values[i], sign);
        var p = Raster.AbsPercentile(shown, percentile);
        return p > 0 ? p : shown.Max();
    }

    /// <summary>The shown magnitude as a fraction of the scale, clipped to [0, 1]; any shown value is 1 on a zero scale.</summary>
    public static double Fraction(double v, AttributionSign sign, double scale)
    {
        var m = Shown(v, sign);
        if (m == 0) return 0;
        return scale > 0 ? Math.Min(1, m / scale) : 1;
    }

    /// <summary>Whether <paramref name="v"/> is drawn in the colour map's negative half (diverging maps only).</summary>
    private static bool Negative(double v, AttributionSign sign) => sign == AttributionSign.Negative || (sign == AttributionSign.All && v < 0);

    /// <summary>
    /// The colour-map position of <paramref name="v"/>: on a diverging map 0.5 ± half the fraction (towards 0 for negative
    /// values), otherwise the fraction itself (a one-sided map, or a sequential map in All mode, which then shows |v|).
    /// </summary>
    public static double Position(double v, AttributionSign sign, double scale, ColorMap map)
    {
        var m = Fraction(v, sign, scale);
        if (!map.IsDiverging) return m;
        return Negative(v, sign) ? 0.5 - 0.5 * m : 0.5 + 0.5 * m;
    }

    /// <summary>The saturated end colour an overlay blends <paramref name="v"/> towards.</summary>
    public static (byte R, byte G, byte B) EndColor(double v, AttributionSign sign, ColorMap map) =>
        map.IsDiverging && Negative(v, sign) ? map.Color(0) : map.Color(1);

    /// <summary>
    /// The overlay's blend weight for a value at fraction <paramref name="m"/> of the scale: alpha × √m. The square root
    /// lifts weak values (10 % of the scale gets a third of the full weight), so that they stay visible on a white stroke,
    /// while the order of strengths is kept.
    /// </summary>
    public static double OverlayWeight(double m, double alpha) => alpha * Math.Sqrt(m);

    /// <summary>
    /// Why a picture of <paramref name="values"/> in <paramref name="sign"/> mode at <paramref name="scale"/> shows nothing,
    /// or null when it shows something: all zero, no values of the sign, or every shown value below 1 % of the scale.
    /// </summary>
    public static string? Note(double[] values, AttributionSign sign, double scale)
    {
        var max = 0.0;
        var anyNonZero = false;
        foreach (var v in values)
        {
            anyNonZero |= v != 0;
            max = Math.Max(max, Shown(v, sign));
        }
        if (!anyNonZero) return "all zero";
        if (max == 0) return sign == AttributionSign.Positive ? "no positive values" : "no negative values";
        if (scale > 0 && max < BlankFraction * scale) return "all below 1 % of the scale";
        return null;
    }
}
