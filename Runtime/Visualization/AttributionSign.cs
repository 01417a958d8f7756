namespace AttrDsl.Visualization;

/// <summary>
/// Which values of an attribution a heat map or overlay shows, as Captum's <c>sign</c> argument of
/// <c>visualize_image_attr</c>.
/// </summary>
public enum AttributionSign
{
    /// <summary>Signed values on a diverging map: negative blue, zero white, positive red (<see cref="ColorMap.Diverging"/>).</summary>
    All,

    /// <summary>Only values &gt; 0, by size (<see cref="ColorMap.Sequential"/>); zero and negative values get the zero colour.</summary>
    Positive,

    /// <summary>Only values &lt; 0, by magnitude |v| (<see cref="ColorMap.Blues"/>); zero and positive values get the zero colour.</summary>
    Negative,

    /// <summary>The magnitude |v| of every value, whatever its sign (<see cref="ColorMap.Purples"/>).</summary>
    Absolute,
}

/// <summary>The panels of <see cref="HeatMaps.Figure"/>, left to right in this order; combine them with <c>|</c>.</summary>
[Flags]
public enum FigurePanels
{
    /// <summary>The input image in grey.</summary>
    Image = 1,

    /// <summary>The heat map of the attribution alone.</summary>
    HeatMap = 2,

    /// <summary>The attribution blended over the grey image.</summary>
    Overlay = 4,

    /// <summary>All three: image, heat map, overlay (Captum's <c>visualize_image_attr_multiple</c> with those methods).</summary>
    All = Image | HeatMap | Overlay,
}
