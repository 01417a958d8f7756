using AttrDsl.Visualization;

namespace AttrDsl.Tests.Visualization;

/// <summary>
/// The composite figure, the colour bar and the notes of pictures with nothing to show, checked on decoded pixels: the
/// panels are the very pictures HeatMaps.Png and Overlay draw, the bar's ends are the colour map's ends, notes put ink
/// where there would be none.
/// </summary>
public class FigureTests
{
    private static (Tensor Image, Tensor Attribution) Digit(int h = 10, int w = 12)
    {
        var yy = arange(h, dtype: ScalarType.Float32).reshape(h, 1);
        var xx = arange(w, dtype: ScalarType.Float32).reshape(1, w);
        var image = ((yy - h / 2.0).pow(2) + (xx - w / 2.0).pow(2)).sqrt().sub(3).abs().lt(1.2).to_type(ScalarType.Float32);
        var attribution = exp(-((yy - 3).pow(2) + (xx - 3).pow(2)) / 4.0) - 0.5 * exp(-((yy - 7).pow(2) + (xx - 9).pow(2)) / 3.0);
        return (image, attribution);
    }

    // Dark grey text (the notes and labels are drawn in near-black).
    private static bool Ink((byte R, byte G, byte B) c) => c.R < 110 && c.G < 110 && c.B < 110 && Math.Abs(c.R - c.B) < 30;

    [Fact]
    public void The_figure_holds_the_image_the_heat_map_and_the_overlay_side_by_side_pixel_for_pixel()
    {
        var (image, attribution) = Digit();
        var options = new HeatMapOptions { PixelsPerCell = 4 };
        using var figure = new Png(HeatMaps.Figure(image, attribution, options, title: "IG"));
        using var picture = new Png(HeatMaps.Image(image, 4));
        using var heat = new Png(HeatMaps.Png(attribution, options));
        using var overlay = new Png(HeatMaps.Overlay(image, attribution, options));
        var at = new[] { picture, heat, overlay }.Select(p => Assert.Single(figure.Find(p))).ToList();
        Assert.True(at[0].X < at[1].X && at[1].X < at[2].X, $"panels at {string.Join(", ", at)}");
        Assert.True(at[0].Y == at[1].Y && at[1].Y == at[2].Y, $"panels at {string.Join(", ", at)}");
        Assert.True(figure.Width >= 3 * 48, $"{figure.Width}");

        // Two panels: no image panel, and the figure is narrower.
        using var two = new Png(HeatMaps.Figure(image, attribution, options, panels: FigurePanels.HeatMap | FigurePanels.Overlay));
        Assert.Empty(two.Find(picture));
        Assert.True(Assert.Single(two.Find(heat)).X < at[1].X, "the heat map should move left when the image panel is left out");
    }

    [Fact]
    public void The_figure_colour_bar_spans_the_map_from_end_to_end_with_zero_in_the_middle()
    {
        var (image, attribution) = Digit();
        using var figure = new Png(HeatMaps.Figure(image, attribution, new HeatMapOptions { PixelsPerCell = 6 }));
        AssertBar(figure, ColorMap.Diverging, signed: true, minWidth: figure.Width * 0.85);
    }

    [Theory]
    [InlineData(AttributionSign.All)]
    [InlineData(AttributionSign.Positive)]
    [InlineData(AttributionSign.Negative)]
    [InlineData(AttributionSign.Absolute)]
    public void The_colour_bar_alone_has_the_colour_maps_end_colours_at_its_ends_and_labels_under_them(AttributionSign sign)
    {
        using var bar = new Png(HeatMaps.ColorBar(0.0123, sign, width: 321, caption: "shared by both models"));
        Assert.Equal(321, bar.Width);
        var map = ColorMap.For(sign);
        var (y, left, right) = AssertBar(bar, map, signed: sign == AttributionSign.All, minWidth: 280, negative: sign == AttributionSign.Negative);
        // Labels: ink under the left end, the right end and (signed) the middle.
        bool InkNear(int x0, int x1) { for (var yy = y + 3; yy < bar.Height; yy++) for (var x = Math.Max(0, x0); x < Math.Min(bar.Width, x1); x++) if (Ink(bar[x, yy])) return true; return false; }
        Assert.True(InkNear(left, left + 30), "no label under the bar's left end");
        Assert.True(InkNear(right - 30, right + 1), "no label under the bar's right end");
        if (sign == AttributionSign.All) Assert.True(InkNear((left + right) / 2 - 6, (left + right) / 2 + 6), "no 0 under the bar's middle");
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatMaps.ColorBar(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatMaps.ColorBar(double.NaN));
    }

    // Finds the bar (the row holding both end colours, each at one end of a run of columns) and checks its colours:
    // ends exactly the map's ends, the middle exactly zero (signed) and a quarter of the way the map at 0.25 / 0.75.
    private static (int Y, int Left, int Right) AssertBar(Png png, ColorMap map, bool signed, double minWidth, bool negative = false)
    {
        // One-sided bars run from the zero colour (left) to the end colour (right); signed ones from t = 0 to t = 1.
        var leftColour = signed ? map.Color(0) : map.ZeroColor;
        var rightColour = map.IsDiverging && negative ? map.Color(0) : map.Color(1);
        for (var y = 0; y < png.Height; y++)
        {
            int right = -1;
            for (var x = png.Width - 1; x >= 0 && right < 0; x--) if (png[x, y] == rightColour) right = x;
            if (right < 0) continue;
            // The bar's left end: walk left to its grey frame, then check the colour.
            var left = right;
            while (left > 0 && png[left - 1, y] != (150, 150, 150)) left--;
            if (signed && png[left, y] != leftColour) continue;
            var width = right - left + 1;
            if (width < minWidth && signed) continue;
            if (signed)
            {
                Assert.Equal(leftColour, png[left, y]);
                Assert.True(width % 2 == 1, $"bar width {width} is even: no middle column");
                Assert.Equal(map.Color(0.5), png[(left + right) / 2, y]);
                AssertNear(map.Color(0.25), png[left + (width - 1) / 4, y]);
                AssertNear(map.Color(0.75), png[left + 3 * (width - 1) / 4, y]);
            }
            else
            {
                // From the end leftwards the colour fades monotonically to the zero colour.
                var previous = Png.Distance(png[right, y], map.ZeroColor);
                var x = right;
                for (; x > 0 && png[x, y] != map.ZeroColor; x--)
                {
                    var d = Png.Distance(png[x, y], map.ZeroColor);
                    Assert.True(d <= previous + 2, $"colour at {x} ({png[x, y]}) is further from zero than its right neighbour");
                    previous = d;
                }
                Assert.True(right - x >= minWidth * 0.9, $"the bar fades to zero over only {right - x} px");
                left = x;
            }
            return (y, left, right);
        }
        Assert.Fail($"no colour bar with end colour {rightColour} found");
        return default;
    }

    private static void AssertNear((byte R, byte G, byte B) expected, (byte R, byte G, byte B) actual) =>
        Assert.True(Png.Distance(expected, actual) <= 12, $"expected about {expected}, got {actual}");

    [Fact]
    public void An_all_zero_map_says_so_in_the_heat_map_the_overlay_and_the_figure()
    {
        var (image, _) = Digit(28, 28);
        using var zero = zeros(28, 28);
        var options = new HeatMapOptions();
        using var heat = new Png(HeatMaps.Png(zero, options));
        Assert.True(heat.Count(Ink) > 40, $"only {heat.Count(Ink)} text pixels on the all-zero heat map");
        // Without the note the picture would be the zero colour everywhere; a map with values has no ink at all.
        var (_, attribution) = Digit(28, 28);
        using var normal = new Png(HeatMaps.Png(attribution, options));
        Assert.Equal(0, normal.Count(Ink));
        using var legacy = new Png(HeatMaps.Png(zero));
        Assert.True(legacy.Count(Ink) > 40);

        using var overlay = new Png(HeatMaps.Overlay(image, zero, options));
        using var plain = new Png(HeatMaps.Image(image));
        var differing = 0;
        for (var y = 0; y < plain.Height; y++) for (var x = 0; x < plain.Width; x++) if (overlay[x, y] != plain[x, y]) differing++;
        Assert.True(differing > 100, $"the all-zero overlay differs from the image in only {differing} pixels: no note");

        using var figure = new Png(HeatMaps.Figure(image, zero, options));
        static bool NoteRed((byte R, byte G, byte B) c) => c.R > 140 && c.G < 90 && c.B < 100;
        Assert.True(figure.Count(NoteRed) > 40, "no red 'all zero' line in the figure");
        Assert.Equal(0, figure.Count(c => c == ColorMap.Diverging.Color(0)));   // no colour bar: there is no scale
    }

    [Fact]
    public void A_map_with_nothing_of_the_sign_or_far_below_a_shared_scale_carries_a_note()
    {
        using var negative = -rand(28, 28) - 0.1;
        using var positiveMode = new Png(HeatMaps.Png(negative, new HeatMapOptions { Sign = AttributionSign.Positive }));
        Assert.True(positiveMode.Count(Ink) > 40, "no 'no positive values' note");
        using var negativeMode = new Png(HeatMaps.Png(negative, new HeatMapOptions { Sign = AttributionSign.Negative }));
        Assert.Equal(0, negativeMode.Count(Ink));

        using var faint = rand(28, 28) * 1e-4;
        using var below = new Png(HeatMaps.Png(faint, new HeatMapOptions { Scale = AttributionScale.Fixed(1) }));
        Assert.True(below.Count(Ink) > 40, "no 'all below 1 % of the scale' note");
    }

    [Fact]
    public void Figure_checks_its_arguments()
    {
        var (image, attribution) = Digit();
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatMaps.Figure(image, attribution, panels: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatMaps.Figure(image, attribution, panels: (FigurePanels)8));
        using var wrong = zeros(5, 5);
        Assert.Equal("attribution", Assert.Throws<ArgumentException>(() => HeatMaps.Figure(image, wrong)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => HeatMaps.Png(attribution, (HeatMapOptions)null!)).ParamName);
    }

    [Theory]
    [InlineData(0.0123, false, "0.0123")]
    [InlineData(-0.0123, false, "\u22120.0123")]
    [InlineData(0.0123, true, "+0.0123")]
    [InlineData(12.3456, false, "12.3")]
    [InlineData(0.011, false, "0.011")]
    [InlineData(1234.4, false, "1234")]
    [InlineData(1.234e-5, false, "1.23e-05")]
    [InlineData(0, true, "0")]
    public void Scale_numbers_have_three_significant_digits(double v, bool signed, string expected) =>
        Assert.Equal(expected, Typesetting.Number(v, signed));
}
