using AttrDsl.Visualization;

namespace AttrDsl.Tests.Visualization;

public class HeatMapTests
{
    private static Tensor Ramp(int h, int w) =>
        linspace(-1, 1, h * w, dtype: ScalarType.Float32).reshape(h, w);

    [Theory]
    [InlineData(28, 28, 8)]
    [InlineData(5, 7, 3)]
    [InlineData(1, 1, 1)]
    public void Png_has_H_times_scale_by_W_times_scale_pixels(int h, int w, int scale)
    {
        using var map = randn(h, w);
        using var png = new Png(HeatMaps.Png(map, scale: scale));
        Assert.Equal(w * scale, png.Width);
        Assert.Equal(h * scale, png.Height);
    }

    [Fact]
    public void Channels_are_summed_and_a_batch_of_one_is_accepted()
    {
        using var plane = randn(6, 5);
        using var chw = stack([plane * 0.25, plane * 0.75]);        // [2, 6, 5] sums to plane
        using var nchw = chw.unsqueeze(0);                             // [1, 2, 6, 5]
        var a = HeatMaps.Png(plane, scale: 2);
        Assert.Equal(a, HeatMaps.Png(chw, scale: 2));
        Assert.Equal(a, HeatMaps.Png(nchw, scale: 2));
        using var two = randn(2, 1, 6, 5);
        Assert.Throws<ArgumentException>(() => HeatMaps.Png(two));
    }

    [Fact]
    public void Diverging_maps_most_negative_to_blue_zero_to_white_most_positive_to_red()
    {
        // A row: −1, 0, +1. The default for signed data is the diverging map.
        using var map = tensor(new float[] { -1, 0, 1 }).reshape(1, 3);
        using var png = new Png(HeatMaps.Png(map, scale: 4, percentile: 100));
        var (neg, zero, pos) = (png.Cell(0, 0, 4), png.Cell(0, 1, 4), png.Cell(0, 2, 4));
        Assert.Equal(ColorMap.Diverging.Color(0), neg);
        Assert.Equal(ColorMap.Diverging.Color(1), pos);
        Assert.Equal(((byte)255, (byte)255, (byte)255), zero);
        Assert.True(neg.B > neg.R + 50, $"most negative should be blue, got {neg}");
        Assert.True(pos.R > pos.B + 50, $"most positive should be red, got {pos}");
    }

    [Fact]
    public void Colour_map_end_points()
    {
        Assert.Equal(((byte)255, (byte)255, (byte)255), ColorMap.Diverging.Color(0.5));
        var blue = ColorMap.Diverging.Color(0);
        var red = ColorMap.Diverging.Color(1);
        Assert.True(blue.B > blue.R && blue.B > blue.G, $"{blue}");
        Assert.True(red.R > red.G && red.R > red.B, $"{red}");
        // Symmetric in lightness around zero: equal distances from white at t and 1 − t.
        for (var t = 0.0; t <= 0.5; t += 0.05)
        {
            var (a, b) = (ColorMap.Diverging.Color(t), ColorMap.Diverging.Color(1 - t));
            Assert.InRange(Math.Abs((a.R + a.G + a.B) - (b.R + b.G + b.B)), 0, 140);
        }
        Assert.Equal(((byte)255, (byte)255, (byte)255), ColorMap.Sequential.Color(0));
        var dark = ColorMap.Sequential.Color(1);
        Assert.True(dark.R > 80 && dark.G < 30 && dark.B < 30, $"{dark}");
        Assert.Equal(((byte)0, (byte)0, (byte)0), ColorMap.Grey.Color(0));
        Assert.Equal(((byte)255, (byte)255, (byte)255), ColorMap.Grey.Color(1));
        Assert.Equal(ColorMap.Grey.Color(1), ColorMap.Grey.Color(7));      // clamped
        Assert.Equal(ColorMap.Grey.Color(0), ColorMap.Grey.Color(-3));
        var mid = ColorMap.Grey.Color(0.5);
        Assert.InRange((int)mid.R, 126, 129);
    }

    [Fact]
    public void Non_negative_data_defaults_to_the_sequential_map()
    {
        using var map = tensor(new float[] { 0, 0.5f, 1 }).reshape(1, 3);
        using var png = new Png(HeatMaps.Png(map, scale: 2, percentile: 100));
        Assert.Equal(ColorMap.Sequential.Color(0), png.Cell(0, 0, 2));
        Assert.Equal(ColorMap.Sequential.Color(0.5), png.Cell(0, 1, 2));
        Assert.Equal(ColorMap.Sequential.Color(1), png.Cell(0, 2, 2));
    }

    [Fact]
    public void Outlier_percentile_clips_the_outlier_and_stretches_the_rest()
    {
        // 199 values of 1 and one of 1000: the 99th percentile of |values| (position 197.01 of 0..199) is 1, so 1 is
        // already full red and the outlier clips.
        var v = Enumerable.Repeat(1f, 199).Append(1000f).ToArray();
        using var map = tensor(v).reshape(10, 20);
        using var png = new Png(HeatMaps.Png(map, ColorMap.Diverging, scale: 1, percentile: 99));
        var red = ColorMap.Diverging.Color(1);
        Assert.Equal(red, png.Cell(0, 0, 1));
        Assert.Equal(red, png.Cell(9, 19, 1));
        // With the percentile at 100 the outlier alone is red and the rest nearly white.
        using var full = new Png(HeatMaps.Png(map, ColorMap.Diverging, scale: 1, percentile: 100));
        Assert.Equal(red, full.Cell(9, 19, 1));
        var pale = full.Cell(0, 0, 1);
        Assert.True(pale.G > 240 && pale.B > 240, $"{pale}");
    }

    [Fact]
    public void Cells_are_uniform_blocks()
    {
        using var map = Ramp(4, 4);
        using var png = new Png(HeatMaps.Png(map, scale: 5));
        for (var r = 0; r < 4; r++)
        for (var c = 0; c < 4; c++)
            Assert.True(png.CellIsUniform(r, c, 5), $"cell {r},{c}");
    }

    [Fact]
    public void An_all_zero_map_is_white_and_does_not_divide_by_zero()
    {
        using var map = zeros(3, 3);
        using var png = new Png(HeatMaps.Png(map, ColorMap.Diverging, scale: 2));
        Assert.Equal(((byte)255, (byte)255, (byte)255), png.Cell(1, 1, 2));
    }

    [Theory]
    [InlineData(5, 9)]
    [InlineData(20, 3)]
    public void Overlay_puts_its_reddest_pixel_on_a_single_hot_pixel(int row, int col)
    {
        using var image = full(28, 28, 0.5f);
        using var attr = zeros(28, 28);
        attr[row, col] = tensor(3.0f);
        AssertReddestAt(HeatMaps.Overlay(image, attr, scale: 4), row, col, 4);
    }

    [Fact]
    public void Overlay_puts_its_reddest_pixel_on_the_peak_of_a_gaussian_bump_over_a_digit_like_image()
    {
        const int h = 28, w = 28, pr = 17, pc = 8;
        using var yy = arange(h, dtype: ScalarType.Float32).reshape(h, 1);
        using var xx = arange(w, dtype: ScalarType.Float32).reshape(1, w);
        using var bump = exp(-((yy - pr).pow(2) + (xx - pc).pow(2)) / (2 * 3.0 * 3.0));
        // An image with a bright stroke elsewhere (white is not red: the test must find colour, not brightness).
        using var image = zeros(1, h, w);
        image[0, .., 20] = tensor(1.0f);
        using var attr = (bump - 0.1 * exp(-((yy - 5).pow(2) + (xx - 22).pow(2)) / 8.0)).unsqueeze(0);
        AssertReddestAt(HeatMaps.Overlay(image, attr, alpha: 0.6, scale: 3, percentile: 100), pr, pc, 3);
    }

    [Fact]
    public void Overlay_shows_the_image_where_there_is_no_attribution()
    {
        using var image = linspace(0, 1, 16).reshape(4, 4);
        using var attr = zeros(4, 4);
        attr[0, 0] = tensor(1.0f);
        using var png = new Png(HeatMaps.Overlay(image, attr, scale: 2));
        using var plain = new Png(HeatMaps.Image(image, scale: 2));
        for (var r = 0; r < 4; r++)
        for (var c = 0; c < 4; c++)
            if (r + c > 0) Assert.Equal(plain.Cell(r, c, 2), png.Cell(r, c, 2));
        Assert.NotEqual(plain.Cell(0, 0, 2), png.Cell(0, 0, 2));
        using var wrong = zeros(5, 4);
        Assert.Throws<ArgumentException>(() => HeatMaps.Overlay(image, wrong));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatMaps.Overlay(image, attr, alpha: 1.5));
    }

    [Fact]
    public void Image_is_grey_and_clipped()
    {
        using var image = tensor(new float[] { -1, 0, 0.5f, 1, 2 }).reshape(1, 1, 5);
        using var png = new Png(HeatMaps.Image(image, scale: 3));
        Assert.Equal(15, png.Width);
        Assert.Equal(3, png.Height);
        Assert.Equal(((byte)0, (byte)0, (byte)0), png.Cell(0, 0, 3));
        Assert.Equal(((byte)0, (byte)0, (byte)0), png.Cell(0, 1, 3));
        var g = png.Cell(0, 2, 3);
        Assert.True(g.R == g.G && g.G == g.B && g.R is > 120 and < 135, $"{g}");
        Assert.Equal(((byte)255, (byte)255, (byte)255), png.Cell(0, 3, 3));
        Assert.Equal(((byte)255, (byte)255, (byte)255), png.Cell(0, 4, 3));
    }

    [Fact]
    public void Level_map_gives_each_level_its_own_colour_and_grey_to_no_component()
    {
        // 6 × 6 with levels 0 (none) and 1..30 plus a repeated level: every distinct level a distinct colour.
        var levels = new long[36];
        for (var i = 0; i < 36; i++) levels[i] = i < 5 ? 0 : (i % 31) + 1;
        using var t = tensor(levels).reshape(6, 6);
        using var png = new Png(HeatMaps.LevelMap(t, scale: 2));
        Assert.Equal(12, png.Width);
        var byLevel = new Dictionary<long, (byte, byte, byte)>();
        for (var i = 0; i < 36; i++)
        {
            var c = png.Cell(i / 6, i % 6, 2);
            if (levels[i] == 0) { Assert.Equal(HeatMaps.NoComponent, c); continue; }
            if (byLevel.TryGetValue(levels[i], out var seen)) Assert.Equal(seen, c);
            else byLevel[levels[i]] = c;
        }
        Assert.Equal(byLevel.Count, byLevel.Values.Distinct().Count());
        Assert.DoesNotContain(HeatMaps.NoComponent, byLevel.Values);
        // The first 64 level colours are pairwise distinct and none is the "no component" grey.
        var colours = Enumerable.Range(0, 64).Select(HeatMaps.LevelColor).ToList();
        Assert.Equal(64, colours.Distinct().Count());
        Assert.DoesNotContain(HeatMaps.NoComponent, colours);
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        using var map = randn(3, 3);
        using var vec = randn(9);
        Assert.Throws<ArgumentException>(() => HeatMaps.Png(vec));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatMaps.Png(map, scale: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatMaps.Png(map, percentile: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatMaps.Png(map, percentile: 101));
    }

    [Fact]
    public void Save_writes_the_file_and_creates_its_directory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "attrdsl-vis-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var map = randn(4, 4);
            var png = HeatMaps.Png(map);
            var path = Path.Combine(dir, "sub", "map.png");
            HeatMaps.Save(path, png);
            Assert.Equal(png, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    /// <summary>The reddest pixel (largest R − (G + B)/2) of the picture lies in map cell (row, col).</summary>
    private static void AssertReddestAt(byte[] bytes, int row, int col, int scale)
    {
        using var png = new Png(bytes);
        int bestX = -1, bestY = -1;
        var best = int.MinValue;
        for (var y = 0; y < png.Height; y++)
        for (var x = 0; x < png.Width; x++)
        {
            var (r, g, b) = png[x, y];
            var redness = 2 * r - g - b;
            if (redness > best) (best, bestX, bestY) = (redness, x, y);
        }
        Assert.True(best > 100, $"no clearly red pixel (best redness {best})");
        Assert.Equal((row, col), (bestY / scale, bestX / scale));
    }
}
