using AttrDsl.Visualization;

namespace AttrDsl.Tests.Visualization;

/// <summary>
/// Sign modes and scales, checked on decoded PNG pixels against values computed here: which cells get the zero colour,
/// which the end colour, and how saturated a map is on a shared scale.
/// </summary>
public class SignAndScaleTests
{
    private static readonly (byte, byte, byte) White = (255, 255, 255);

    // A 6 × 8 map: a positive bump (peak +2 at [1, 2]), a negative one (trough −1 at [4, 6]), zeros elsewhere, and a
    // small positive and negative value of equal size at [5, 0] and [0, 7].
    private static Tensor Signed()
    {
        var v = new float[6, 8];
        v[1, 2] = 2f; v[1, 1] = 1f; v[2, 2] = 0.5f;
        v[4, 6] = -1f; v[3, 6] = -0.5f;
        v[5, 0] = 0.25f; v[0, 7] = -0.25f;
        return tensor(v.Cast<float>().ToArray()).reshape(6, 8);
    }

    private static float[] Values(Tensor t) => t.data<float>().ToArray();

    [Fact]
    public void Positive_mode_shows_only_values_above_zero_and_leaves_the_rest_at_the_zero_colour()
    {
        using var map = Signed();
        const int s = 3;
        using var png = new Png(HeatMaps.Png(map, new HeatMapOptions { Sign = AttributionSign.Positive, Scale = AttributionScale.PerImage(100), PixelsPerCell = s }));
        var values = Values(map);
        var cm = ColorMap.Sequential;
        Assert.Same(cm, ColorMap.For(AttributionSign.Positive));
        for (var i = 0; i < values.Length; i++)
        {
            var c = png.Cell(i / 8, i % 8, s);
            if (values[i] <= 0) Assert.Equal(cm.ZeroColor, c);
            else Assert.Equal(cm.Color(values[i] / 2.0), c);   // the scale is the largest positive value, 2
        }
        Assert.Equal(cm.Color(1), png.Cell(1, 2, s));
    }

    [Fact]
    public void Negative_mode_shows_only_values_below_zero_by_magnitude()
    {
        using var map = Signed();
        const int s = 3;
        using var png = new Png(HeatMaps.Png(map, new HeatMapOptions { Sign = AttributionSign.Negative, Scale = AttributionScale.PerImage(100), PixelsPerCell = s }));
        var values = Values(map);
        var cm = ColorMap.Blues;
        for (var i = 0; i < values.Length; i++)
        {
            var c = png.Cell(i / 8, i % 8, s);
            if (values[i] >= 0) Assert.Equal(cm.ZeroColor, c);
            else Assert.Equal(cm.Color(-values[i] / 1.0), c);   // the scale is the largest |negative| value, 1
        }
        Assert.Equal(cm.Color(1), png.Cell(4, 6, s));
        var end = cm.Color(1);
        Assert.True(end.B > end.R + 100, $"the negative end is blue: {end}");
    }

    [Fact]
    public void Absolute_mode_gives_equal_magnitudes_of_either_sign_the_same_colour()
    {
        using var map = Signed();
        const int s = 3;
        using var png = new Png(HeatMaps.Png(map, new HeatMapOptions { Sign = AttributionSign.Absolute, Scale = AttributionScale.PerImage(100), PixelsPerCell = s }));
        var cm = ColorMap.Purples;
        Assert.Equal(png.Cell(5, 0, s), png.Cell(0, 7, s));              // +0.25 and −0.25
        Assert.Equal(cm.Color(0.125), png.Cell(5, 0, s));
        Assert.Equal(cm.Color(1), png.Cell(1, 2, s));
        Assert.Equal(cm.Color(0.5), png.Cell(4, 6, s));                  // |−1| of a scale of 2
        Assert.Equal(cm.ZeroColor, png.Cell(3, 3, s));
    }

    [Fact]
    public void All_mode_puts_the_signs_at_the_diverging_ends_and_zero_at_its_middle()
    {
        using var map = Signed();
        const int s = 3;
        using var png = new Png(HeatMaps.Png(map, new HeatMapOptions { Scale = AttributionScale.PerImage(100), PixelsPerCell = s }));
        var cm = ColorMap.Diverging;
        Assert.Equal(cm.Color(1), png.Cell(1, 2, s));
        Assert.Equal(cm.Color(0.25), png.Cell(4, 6, s));                 // −1 of a scale of 2
        Assert.Equal(cm.ZeroColor, png.Cell(3, 3, s));
        Assert.Equal(White, cm.ZeroColor);
    }

    [Fact]
    public void A_diverging_map_in_a_one_sided_mode_uses_its_half_of_that_sign()
    {
        using var map = Signed();
        using var png = new Png(HeatMaps.Png(map, new HeatMapOptions { Sign = AttributionSign.Negative, ColorMap = ColorMap.Diverging, Scale = AttributionScale.PerImage(100), PixelsPerCell = 2 }));
        Assert.Equal(ColorMap.Diverging.Color(0), png.Cell(4, 6, 2));
        Assert.Equal(ColorMap.Diverging.Color(0.5), png.Cell(1, 2, 2));   // positive: not shown, zero colour
    }

    [Fact]
    public void The_per_image_scale_is_the_percentile_of_the_shown_magnitudes_and_the_cells_beyond_it_reach_the_end_colour()
    {
        manual_seed(3);
        using var map = randn(20, 20);
        var values = Values(map);
        // The 99th percentile of |v| by linear interpolation, computed here independently.
        var abs = values.Select(v => (double)Math.Abs(v)).Order().ToArray();
        var pos = 0.99 * (abs.Length - 1);
        var p99 = abs[(int)pos] + (pos - Math.Floor(pos)) * (abs[(int)pos + 1] - abs[(int)pos]);
        Assert.Equal(p99, AttributionScale.PerImage().Resolve(map), 9);
        Assert.Equal(p99, AttributionScale.Default.Resolve(map), 9);

        using var png = new Png(HeatMaps.Png(map, new HeatMapOptions { PixelsPerCell = 1 }));
        var (red, blue) = (ColorMap.Diverging.Color(1), ColorMap.Diverging.Color(0));
        for (var i = 0; i < values.Length; i++)
        {
            var c = png.Cell(i / 20, i % 20, 1);
            // At or beyond the percentile: the end colour of the sign; clearly below it (the colour of a value just
            // below may round to the end colour): not.
            if (Math.Abs(values[i]) >= p99) Assert.Equal(values[i] > 0 ? red : blue, c);
            else if (Math.Abs(values[i]) < 0.95 * p99) Assert.True(c != red && c != blue, $"value {values[i]} below the percentile {p99} has the end colour");
        }
        // The hottest cell is where the largest value is.
        var hottest = Array.IndexOf(values, values.Max());
        Assert.Equal(red, png.Cell(hottest / 20, hottest % 20, 1));
    }

    [Fact]
    public void A_sparse_map_whose_percentile_is_zero_is_scaled_by_its_largest_value_instead_of_drawn_blank()
    {
        using var map = zeros(10, 20);
        map[3, 4] = tensor(0.5f);   // 0.5 % of the cells non-zero: the 99th percentile is 0
        Assert.Equal(0.5, AttributionScale.PerImage().Resolve(map), 6);
        using var png = new Png(HeatMaps.Png(map, new HeatMapOptions { PixelsPerCell = 2 }));
        Assert.Equal(ColorMap.Diverging.Color(1), png.Cell(3, 4, 2));
        Assert.Equal(0.0, AttributionScale.PerImage().Resolve(zeros(4, 4)));
        Assert.Equal(0.0, AttributionScale.PerImage().Resolve(map, AttributionSign.Negative));
    }

    [Fact]
    public void On_a_shared_scale_a_map_half_as_strong_is_half_as_saturated_and_on_its_own_scale_it_is_not()
    {
        using var strong = Signed();
        using var weak = strong * 0.5;
        var shared = HeatMaps.SharedScale([weak, strong], percentile: 100);
        Assert.True(shared.IsFixed);
        Assert.Equal(2.0, shared.Max!.Value, 6);                          // the larger map's largest |value|
        Assert.Equal(2.0, shared.Resolve(weak), 6);                       // the same number for every map
        Assert.StartsWith("shared by 2 maps", shared.Describe(), StringComparison.Ordinal);

        var options = new HeatMapOptions { Scale = shared, PixelsPerCell = 2 };
        using var strongPng = new Png(HeatMaps.Png(strong, options));
        using var weakPng = new Png(HeatMaps.Png(weak, options));
        var cm = ColorMap.Diverging;
        Assert.Equal(cm.Color(1), strongPng.Cell(1, 2, 2));
        Assert.Equal(cm.Color(0.75), weakPng.Cell(1, 2, 2));               // half the scale: half-way from white to red
        var full = Png.Distance(cm.Color(1), White);
        var half = Png.Distance(weakPng.Cell(1, 2, 2), White);
        Assert.InRange(half / full, 0.35, 0.65);

        // Each on its own scale, both reach the end colour.
        var own = options with { Scale = AttributionScale.PerImage(100) };
        using var weakOwn = new Png(HeatMaps.Png(weak, own));
        Assert.Equal(cm.Color(1), weakOwn.Cell(1, 2, 2));
    }

    [Fact]
    public void Shared_scale_is_the_largest_of_the_maps_own_percentiles_for_the_sign()
    {
        manual_seed(5);
        using var a = randn(12, 12);
        using var b = randn(12, 12) * 3;
        foreach (var sign in Enum.GetValues<AttributionSign>())
        {
            var expected = Math.Max(AttributionScale.PerImage(95).Resolve(a, sign), AttributionScale.PerImage(95).Resolve(b, sign));
            Assert.Equal(expected, HeatMaps.SharedScale([a, b], 95, sign).Max!.Value, 9);
        }
        Assert.Equal("TV vs none", HeatMaps.SharedScale([a], description: "TV vs none").Describe());
        Assert.Equal(0.0, HeatMaps.SharedScale([zeros(3, 3), zeros(2, 2)]).Max);
        Assert.Throws<ArgumentException>(() => HeatMaps.SharedScale([]));
    }

    [Fact]
    public void Fixed_scale_clips_beyond_its_value_and_describes_itself()
    {
        using var map = tensor(new float[] { -3, -0.5f, 0, 0.5f, 3 }).reshape(1, 5);
        var options = new HeatMapOptions { Scale = AttributionScale.Fixed(1, "one unit"), PixelsPerCell = 2 };
        using var png = new Png(HeatMaps.Png(map, options));
        var cm = ColorMap.Diverging;
        Assert.Equal(cm.Color(0), png.Cell(0, 0, 2));
        Assert.Equal(cm.Color(0.25), png.Cell(0, 1, 2));
        Assert.Equal(cm.Color(0.75), png.Cell(0, 3, 2));
        Assert.Equal(cm.Color(1), png.Cell(0, 4, 2));
        Assert.Equal("one unit", options.Scale.Describe());
        Assert.Equal("fixed scale", AttributionScale.Fixed(2).Describe());
        Assert.Equal("99th percentile of |attribution| of this image", AttributionScale.PerImage().Describe());
        Assert.Equal("95th percentile of the positive attribution of this image", AttributionScale.PerImage(95).Describe(AttributionSign.Positive));
        Assert.Equal("99.5th percentile of |negative attribution| of this image", AttributionScale.PerImage(99.5).Describe(AttributionSign.Negative));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttributionScale.Fixed(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttributionScale.Fixed(double.PositiveInfinity));
    }

    [Theory]
    [InlineData(AttributionSign.All, 1.0)]
    [InlineData(AttributionSign.All, -1.0)]
    [InlineData(AttributionSign.Positive, 1.0)]
    [InlineData(AttributionSign.Negative, -1.0)]
    [InlineData(AttributionSign.Absolute, -1.0)]
    public void In_an_overlay_a_tenth_of_the_scale_on_a_white_stroke_is_clearly_visible(AttributionSign sign, double direction)
    {
        // A white image; one cell at 10 % of a fixed scale, one at full scale, the rest zero.
        using var image = ones(4, 4);
        using var attribution = zeros(4, 4);
        attribution[1, 1] = tensor((float)(0.1 * direction));
        attribution[2, 3] = tensor((float)direction);
        var options = new HeatMapOptions { Sign = sign, Scale = AttributionScale.Fixed(1), PixelsPerCell = 2 };
        using var overlay = new Png(HeatMaps.Overlay(image, attribution, options));
        using var plain = new Png(HeatMaps.Image(image, 2));
        Assert.Equal(White, plain.Cell(0, 0, 2));
        Assert.Equal(plain.Cell(0, 0, 2), overlay.Cell(0, 0, 2));                       // no attribution: the image itself
        var weak = Png.Distance(overlay.Cell(1, 1, 2), plain.Cell(1, 1, 2));
        var strong = Png.Distance(overlay.Cell(2, 3, 2), plain.Cell(2, 3, 2));
        Assert.True(weak >= 60, $"10 % of the scale on white moved the pixel by only {weak:F1} (colour {overlay.Cell(1, 1, 2)})");
        Assert.True(strong > weak + 60, $"full scale ({strong:F1}) should stand out from 10 % ({weak:F1})");
        // The tint has the sign's hue: red for positive, blue for negative (purple for magnitudes).
        var c = overlay.Cell(1, 1, 2);
        if (sign == AttributionSign.Absolute) Assert.True(c.G < c.R && c.G < c.B, $"{c}");
        else if (direction > 0) Assert.True(c.R > c.B, $"{c}");
        else Assert.True(c.B > c.R, $"{c}");
    }

    [Fact]
    public void The_default_overlay_shows_a_tenth_of_the_per_image_scale_on_white_too()
    {
        using var image = ones(4, 4);
        using var attribution = zeros(4, 4);
        attribution[0, 0] = tensor(1f);
        attribution[3, 3] = tensor(0.1f);
        attribution[1, 2] = tensor(-0.1f);
        using var overlay = new Png(HeatMaps.Overlay(image, attribution, scale: 2, percentile: 100));
        Assert.True(Png.Distance(overlay.Cell(3, 3, 2), White) >= 60, $"{overlay.Cell(3, 3, 2)}");
        Assert.True(Png.Distance(overlay.Cell(1, 2, 2), White) >= 60, $"{overlay.Cell(1, 2, 2)}");
    }

    [Fact]
    public void Positive_mode_overlay_leaves_negative_pixels_as_the_image()
    {
        using var image = linspace(0, 1, 48).reshape(6, 8);
        using var map = Signed();
        using var overlay = new Png(HeatMaps.Overlay(image, map, new HeatMapOptions { Sign = AttributionSign.Positive, PixelsPerCell = 2 }));
        using var plain = new Png(HeatMaps.Image(image, 2));
        Assert.Equal(plain.Cell(4, 6, 2), overlay.Cell(4, 6, 2));
        Assert.Equal(plain.Cell(0, 7, 2), overlay.Cell(0, 7, 2));
        Assert.NotEqual(plain.Cell(1, 2, 2), overlay.Cell(1, 2, 2));
    }

    [Fact]
    public void Options_refuse_values_out_of_range_naming_the_property()
    {
        Assert.Equal("PixelsPerCell", Assert.Throws<ArgumentOutOfRangeException>(() => new HeatMapOptions { PixelsPerCell = 0 }).ParamName);
        Assert.Equal("OverlayAlpha", Assert.Throws<ArgumentOutOfRangeException>(() => new HeatMapOptions { OverlayAlpha = double.NaN }).ParamName);
        Assert.Equal("Sign", Assert.Throws<ArgumentOutOfRangeException>(() => new HeatMapOptions { Sign = (AttributionSign)9 }).ParamName);
        Assert.Equal("Scale", Assert.Throws<ArgumentNullException>(() => new HeatMapOptions { Scale = null! }).ParamName);
        var o = new HeatMapOptions();
        Assert.Equal(AttributionSign.All, o.Sign);
        Assert.Same(AttributionScale.Default, o.Scale);
        Assert.Equal(8, o.PixelsPerCell);
        Assert.Same(ColorMap.Diverging, o.EffectiveColorMap);
        Assert.Same(ColorMap.Purples, (o with { Sign = AttributionSign.Absolute }).EffectiveColorMap);
    }
}
