namespace AttrDsl.Visualization;

/// <summary>
/// A colour map: a piecewise-linear path through a few RGB control points, read with <see cref="Color(double)"/> for
/// t in [0, 1]. <see cref="Diverging"/> is for signed attributions (blue for negative, white for zero, red for
/// positive), <see cref="Sequential"/> for non-negative maps (white to dark red), <see cref="Blues"/> and
/// <see cref="Purples"/> for the magnitudes of negative values and of all values, <see cref="Grey"/> for images.
/// <see cref="For"/> gives the map of each <see cref="AttributionSign"/>.
/// </summary>
public sealed class ColorMap
{
    private readonly (double T, byte R, byte G, byte B)[] _stops;

    private ColorMap(string name, bool isDiverging, params (double T, byte R, byte G, byte B)[] stops)
    {
        Name = name;
        IsDiverging = isDiverging;
        _stops = stops;
    }

    /// <summary>
    /// Blue–white–red, symmetric around zero (after ColorBrewer's RdBu, without its darkest ends): t = 0 is blue (the most
    /// negative value), t = 0.5 pure white (zero), t = 1 red (the most positive value). Redness (2R − G − B) rises
    /// monotonically from white to the red end and blueness likewise towards blue, so the strongest value is also the
    /// most saturated colour, also when blended over a grey image.
    /// </summary>
    public static ColorMap Diverging { get; } = new("diverging", true,
        (0.00, 33, 102, 172), (0.20, 103, 169, 207), (0.35, 209, 229, 240), (0.50, 255, 255, 255),
        (0.65, 253, 219, 199), (0.80, 239, 138, 98), (1.00, 178, 24, 43));

    /// <summary>
    /// White (t = 0) to dark red (t = 1), after ColorBrewer's Reds: for magnitudes and other non-negative maps. Redness
    /// rises monotonically along it.
    /// </summary>
    public static ColorMap Sequential { get; } = new("sequential", false,
        (0.00, 255, 255, 255), (0.33, 252, 187, 161), (0.66, 251, 106, 74), (1.00, 203, 24, 29));

    /// <summary>
    /// White (t = 0) to dark blue (t = 1), after ColorBrewer's Blues: the magnitude of negative values
    /// (<see cref="AttributionSign.Negative"/>), in the hue the diverging map gives them.
    /// </summary>
    public static ColorMap Blues { get; } = new("blues", false,
        (0.00, 255, 255, 255), (0.33, 198, 219, 239), (0.66, 107, 174, 214), (1.00, 8, 81, 156));

    /// <summary>
    /// White (t = 0) to dark purple (t = 1), after ColorBrewer's Purples: magnitudes whatever their sign
    /// (<see cref="AttributionSign.Absolute"/>), in a hue that means neither "for" (red) nor "against" (blue).
    /// </summary>
    public static ColorMap Purples { get; } = new("purples", false,
        (0.00, 255, 255, 255), (0.33, 218, 218, 235), (0.66, 158, 154, 200), (1.00, 84, 39, 143));

    /// <summary>
    /// The colour map of a sign mode: <see cref="Diverging"/> for <see cref="AttributionSign.All"/>,
    /// <see cref="Sequential"/> (reds) for <see cref="AttributionSign.Positive"/>, <see cref="Blues"/> for
    /// <see cref="AttributionSign.Negative"/> and <see cref="Purples"/> for <see cref="AttributionSign.Absolute"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sign"/> is not an <see cref="AttributionSign"/> value.</exception>
    public static ColorMap For(AttributionSign sign)
    {
        Shading.CheckSign(sign, "ColorMap.For");
        return sign switch
        {
            AttributionSign.Positive => Sequential,
            AttributionSign.Negative => Blues,
            AttributionSign.Absolute => Purples,
            _ => Diverging,
        };
    }

    /// <summary>Black (t = 0) to white (t = 1): images.</summary>
    public static ColorMap Grey { get; } = new("grey", false, (0.0, 0, 0, 0), (1.0, 255, 255, 255));

    /// <summary>The map's name (diverging, sequential, blues, purples, grey).</summary>
    public string Name { get; }

    /// <summary>Whether the map is meant for signed values with zero at t = 0.5.</summary>
    public bool IsDiverging { get; }

    /// <summary>The colour of zero: t = 0.5 on a diverging map, t = 0 on the others.</summary>
    public (byte R, byte G, byte B) ZeroColor => Color(IsDiverging ? 0.5 : 0);

    /// <summary>The colour at <paramref name="t"/>, clamped to [0, 1] (±∞ reads as the nearer end).</summary>
    /// <exception cref="ArgumentException"><paramref name="t"/> is NaN: it has no place on the map, and any colour would
    /// show a missing value as a real one.</exception>
    public (byte R, byte G, byte B) Color(double t)
    {
        if (double.IsNaN(t))
            throw new ArgumentException($"ColorMap.Color ({Name}): t is NaN, which has no colour; pass a position in [0, 1] (values outside are clamped), and clean NaNs from the data first", nameof(t));
        t = Math.Clamp(t, 0.0, 1.0);
        for (var i = 1; i < _stops.Length; i++)
        {
            var (t1, r1, g1, b1) = _stops[i];
            if (t > t1 && i < _stops.Length - 1) continue;
            var (t0, r0, g0, b0) = _stops[i - 1];
            var f = t1 > t0 ? (t - t0) / (t1 - t0) : 0.0;
            return (Lerp(r0, r1, f), Lerp(g0, g1, f), Lerp(b0, b1, f));
        }
        var last = _stops[^1];
        return (last.R, last.G, last.B);
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    private static byte Lerp(byte a, byte b, double f) => (byte)Math.Round(a + (b - a) * f);
}
