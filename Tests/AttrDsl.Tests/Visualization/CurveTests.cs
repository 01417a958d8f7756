using AttrDsl.Visualization;

namespace AttrDsl.Tests.Visualization;

public class CurveTests
{
    private static readonly double[] Epochs = [1, 2, 3, 4, 5];

    [Fact]
    public void Curve_has_the_requested_size_and_draws_each_series_in_its_own_colour()
    {
        var bytes = Curves.Png("training loss", "epoch", "loss",
            [("with prior", Epochs, [2.0, 1.2, 0.8, 0.6, 0.5]), ("without", Epochs, [2.1, 1.0, 0.6, 0.4, 0.3])], 500, 320);
        using var png = new Png(bytes);
        Assert.Equal(500, png.Width);
        Assert.Equal(320, png.Height);
        // The first series is blue (31, 119, 180), the second red (214, 39, 40): both appear.
        int blue = 0, red = 0;
        for (var y = 0; y < png.Height; y++)
        for (var x = 0; x < png.Width; x++)
        {
            var c = png[x, y];
            if (c == (31, 119, 180)) blue++;
            if (c == (214, 39, 40)) red++;
        }
        Assert.True(blue > 50, $"blue pixels: {blue}");
        Assert.True(red > 50, $"red pixels: {red}");
    }

    [Fact]
    public void Text_is_drawn_with_the_embedded_font_without_system_fonts()
    {
        // The embedded typeface loads from the assembly, not from fontconfig or /usr/share/fonts.
        Assert.Equal("DejaVu Sans Mono", Curves.Typeface.FamilyName);
        Assert.True(Curves.Typeface.GlyphCount > 1000);
        // A title changes pixels (glyphs are rendered, not skipped).
        var series = new List<(string, double[], double[])> { ("", Epochs, [1.0, 2, 3, 4, 5]) };
        using var without = new Png(Curves.Png("", "", "", series));
        using var with = new Png(Curves.Png("A TITLE WITH GLYPHS", "", "", series));
        var differing = 0;
        for (var y = 0; y < 30; y++)
        for (var x = 0; x < with.Width; x++)
            if (with[x, y] != without[x, y]) differing++;
        Assert.True(differing > 200, $"only {differing} pixels differ in the title band");
    }

    [Fact]
    public void Degenerate_data_still_draws()
    {
        using var noPoints = new Png(Curves.Png("no points", "x", "y", [("c", [], [])]));
        Assert.Equal(640, noPoints.Width);
        using var flat = new Png(Curves.Png("flat", "x", "y", [("c", [1.0, 2, 3], [0.5, 0.5, 0.5])]));
        using var single = new Png(Curves.Png("one", "x", "y", [("c", [0.0], [0.0])]));
        using var tiny = new Png(Curves.Png("tiny", "x", "y", [("c", [0.0, 1e-7], [1e-7, 2e-7])]));
        Assert.Equal(400, tiny.Height);
    }

    [Fact]
    public void A_one_epoch_run_draws_large_markers_with_their_values_in_the_middle_of_the_plot()
    {
        double[] one = [1];
        (byte, byte, byte) blue = (31, 119, 180), red = (214, 39, 40);
        // Two series side by side around the one x value: the first to the left (its value written left of it), the second
        // to the right.
        using (var two = new Png(Curves.Png("held-out accuracy", "epoch", "accuracy", [("TV prior", one, [0.9512]), ("no prior", one, [0.9634])])))
        {
            double Centre((byte, byte, byte) colour)
            {
                var xs = new List<int>();
                for (var y = 0; y < two.Height; y++)
                for (var x = 0; x < two.Width * 3 / 4; x++)
                    if (two[x, y] == colour) xs.Add(x);
                Assert.True(xs.Count > 60, $"{colour}: only {xs.Count} pixels");
                return xs.Average();
            }
            Assert.True(Centre(blue) < two.Width * 0.5 && Centre(red) > two.Width * 0.5, $"blue at {Centre(blue):F0}, red at {Centre(red):F0} of {two.Width} px");
        }
        using var png = new Png(Curves.Png("held-out accuracy", "epoch", "accuracy", [("TV prior", one, [0.9512])]));
        foreach (var colour in new[] { blue })
        {
            var xs = new List<int>();
            for (var y = 0; y < png.Height; y++)
            for (var x = 0; x < png.Width * 3 / 4; x++)   // left of the legend
                if (png[x, y] == colour) xs.Add(x);
            // A marker of radius ≥ 5 px is ≥ 60 pixels of the series colour, not a lonely dot.
            Assert.True(xs.Count > 60, $"{colour}: only {xs.Count} pixels");
            // The marker sits in the middle of the plot (a single x value gets half a unit of room on each side), and its
            // value is written to its right in the same colour.
            var marker = xs.Min() + 6;   // the marker is the leftmost thing of its colour, its label to its right
            Assert.InRange(marker, png.Width * 0.45, png.Width * 0.65);
            Assert.True(xs.Count(x => x > marker + 12) > 20, $"{colour}: no value label beside the marker");
        }
    }

    [Fact]
    public void A_one_epoch_run_starts_its_y_axis_at_zero_so_close_values_sit_close()
    {
        // 1.916 and 1.928 differ by 0.6 %: drawn on an axis from zero their markers are a few pixels apart; on an axis
        // fitted to the two values they would be at the top and the bottom of the plot.
        double[] one = [1];
        using var png = new Png(Curves.Png("training loss", "epoch", "loss", [("TV prior", one, [1.928]), ("no prior", one, [1.916])]));
        (byte, byte, byte) blue = (31, 119, 180), red = (214, 39, 40);
        double MarkerRow((byte, byte, byte) colour)
        {
            var rows = new List<int>();
            for (var y = 0; y < png.Height; y++)
            for (var x = png.Width * 2 / 5; x < png.Width * 3 / 5; x++)   // the marker column, left of the legend
                if (png[x, y] == colour) rows.Add(y);
            Assert.True(rows.Count > 60, $"{colour}: no marker");
            return rows.Average();
        }
        var (b, r) = (MarkerRow(blue), MarkerRow(red));
        Assert.True(Math.Abs(b - r) < png.Height * 0.05, $"markers {b:F0} and {r:F0} px down: too far apart for values 0.6 % apart");
        Assert.True(Math.Max(b, r) < png.Height * 0.4, $"markers at {b:F0} / {r:F0} px of {png.Height}: values near the top of a 0-based axis");
    }

    [Fact]
    public void Text_grows_with_the_chart_so_it_survives_being_shown_at_phone_width()
    {
        // Below the plot's frame, a chart twice as large holds text about twice as tall (measured as rows with ink).
        static int InkRows(byte[] bytes)
        {
            using var png = new Png(bytes);
            var frame = png.Height - 1;
            while (frame > 0 && Enumerable.Range(0, png.Width).Count(x => png[x, frame] == (90, 90, 90)) < png.Width / 2) frame--;
            Assert.True(frame > png.Height / 2, "no plot frame found");
            var rows = 0;
            for (var y = frame + 1; y < png.Height; y++)
            {
                var ink = false;
                for (var x = 0; x < png.Width && !ink; x++) { var c = png[x, y]; ink = c.R < 120 && c.G < 120 && c.B < 120; }
                if (ink) rows++;
            }
            return rows;
        }
        var series = new List<(string, double[], double[])> { ("", Epochs, [1.0, 2, 3, 4, 5]) };
        var small = InkRows(Curves.Png("", "epoch", "loss", series, 400, 250));
        var large = InkRows(Curves.Png("", "epoch", "loss", series, 800, 500));
        Assert.InRange(large / (double)small, 1.6, 2.5);
        // At the default 640 × 400 the tick labels are at least 16 px tall, 9 px at a phone's 360-pixel width.
        Assert.True(InkRows(Curves.Png("", "epoch", "loss", series)) >= 2 * 12, "tick and axis labels too small");
    }

    [Fact]
    public void Whole_number_x_values_get_whole_number_ticks()
    {
        var ticks = Curves.Ticks(1, 3, 12, minStep: 1);
        Assert.Equal([1.0, 2, 3], ticks);
        Assert.Contains(Curves.Ticks(1, 3, 12), t => t != Math.Floor(t));
    }

    [Fact]
    public void Bad_series_throw()
    {
        Assert.Throws<ArgumentException>(() => Curves.Png("t", "x", "y", [("c", [1.0, 2], [1.0])]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Curves.Png("t", "x", "y", [], width: 10));
    }

    [Theory]
    [InlineData(0, 1, 5)]
    [InlineData(0.3, 0.97, 4)]
    [InlineData(-3, 1200, 6)]
    [InlineData(1e-6, 3e-6, 5)]
    public void Ticks_are_round_and_cover_the_range(double lo, double hi, int target)
    {
        var ticks = Curves.Ticks(lo, hi, target);
        Assert.True(ticks[0] <= lo && ticks[^1] >= hi);
        Assert.InRange(ticks.Length - 1, target / 2, target * 2 + 1);
        var step = ticks[1] - ticks[0];
        var mantissa = step / Math.Pow(10, Math.Floor(Math.Log10(step)));
        Assert.Contains(Math.Round(mantissa, 6), new[] { 1.0, 2.0, 2.5, 5.0 });
    }
}
