using AttrDsl.Data;
using AttrDsl.Visualization;

namespace AttrDsl.Tests.Visualization;

/// <summary>
/// Bad tensors and arguments to the pictures, masks and batchers: each is a .NET exception naming the argument and what is
/// wrong with it, raised before libtorch or SkiaSharp sees it (no "empty handle", no C++ frames, nothing silent).
/// </summary>
public class HostileInputTests
{
    private static Tensor Dead(Tensor t)
    {
        t.Dispose();
        return t;
    }

    private static Tensor WithValue(Tensor t, double v)
    {
        using (no_grad()) t.reshape(-1)[t.numel() - 1] = v;
        return t;
    }

    private static void NoNativeText(Exception e)
    {
        foreach (var text in new[] { "frame #", "Exception raised from", ".cpp:", "empty handle" })
            Assert.DoesNotContain(text, e.Message);
    }

    public static TheoryData<string> Maps() => ["Png", "Overlay.attribution", "Overlay.image", "Image", "LevelMap", "TopK", "UnitsWithBlur", "OutlierNormalize"];

    private static (Func<Tensor, object> Call, string Arg) Entry(string which) => which switch
    {
        "Png" => (t => HeatMaps.Png(t), "map"),
        "Overlay.attribution" => (t => HeatMaps.Overlay(rand(4, 4), t), "attribution"),
        "Overlay.image" => (t => HeatMaps.Overlay(t, randn(4, 4)), "image"),
        "Image" => (t => HeatMaps.Image(t), "image"),
        "LevelMap" => (t => HeatMaps.LevelMap(t), "levels"),
        "TopK" => (t => AttributionMasks.TopK(t, 0.5), "attribution"),
        "UnitsWithBlur" => (t => AttributionMasks.UnitsWithBlur(t, 0.5), "attribution"),
        _ => (t => AttributionMasks.OutlierNormalize(t), "a"),
    };

    [Theory]
    [MemberData(nameof(Maps))]
    public void A_disposed_tensor_is_ObjectDisposedException_naming_the_argument(string which)
    {
        var (call, arg) = Entry(which);
        var e = Assert.Throws<ObjectDisposedException>(() => call(Dead(rand(4, 4))));
        Assert.Equal(arg, e.ObjectName);
        Assert.Contains("disposed", e.Message);
        NoNativeText(e);
    }

    [Theory]
    [MemberData(nameof(Maps))]
    public void Empty_and_0_dim_tensors_are_refused_naming_the_argument(string which)
    {
        var (call, arg) = Entry(which);
        using var empty = which == "LevelMap" ? zeros(new long[] { 0, 4 }, int64) : zeros(0, 4);
        var e = Assert.ThrowsAny<ArgumentException>(() => call(empty));
        Assert.Equal(arg, e.ParamName);
        Assert.Contains("[0, 4]", e.Message);
        using var scalar = which == "LevelMap" ? tensor(1L) : tensor(1f);
        var s = Assert.ThrowsAny<ArgumentException>(() => call(scalar));
        Assert.Equal(arg, s.ParamName);
        Assert.Contains("0-dim", s.Message);
    }

    // LevelMap is not among them: its levels are integers (float levels are refused, below).
    public static TheoryData<string> FloatMaps() => ["Png", "Overlay.attribution", "Overlay.image", "Image", "TopK", "UnitsWithBlur", "OutlierNormalize"];

    [Theory]
    [MemberData(nameof(FloatMaps))]
    public void NaN_and_infinity_are_refused_with_the_first_index(string which)
    {
        var (call, arg) = Entry(which);
        using var nan = WithValue(rand(4, 4), double.NaN);
        var e = Assert.ThrowsAny<ArgumentException>(() => call(nan));
        Assert.Equal(arg, e.ParamName);
        Assert.Contains("NaN", e.Message);
        Assert.Contains("[3, 3]", e.Message);
        using var inf = WithValue(rand(4, 4), double.NegativeInfinity);
        var i = Assert.ThrowsAny<ArgumentException>(() => call(inf));
        Assert.Equal(arg, i.ParamName);
        Assert.Contains("Infinity", i.Message);
    }

    [Theory]
    [MemberData(nameof(Maps))]
    public void A_huge_plane_is_refused_up_front_naming_its_size(string which)
    {
        var (call, arg) = Entry(which);
        using var one = which == "LevelMap" ? zeros(new long[] { 1, 1 }, int64) : zeros(1, 1);
        using var huge = one.expand(100_000, 100_000);   // no memory behind it: the check must come before any copy
        var e = Assert.ThrowsAny<ArgumentException>(() => call(huge));
        Assert.Equal(arg, e.ParamName);
        Assert.Contains("100000", e.Message);
        NoNativeText(e);
    }

    [Theory]
    [InlineData("Png")]
    [InlineData("Overlay.attribution")]
    [InlineData("Overlay.image")]
    [InlineData("TopK")]
    [InlineData("UnitsWithBlur")]
    [InlineData("OutlierNormalize")]
    public void Integer_attributions_are_refused_naming_the_dtype(string which)
    {
        var (call, arg) = Entry(which);
        using var ints = ones(new long[] { 4, 4 }, int64);
        var e = Assert.ThrowsAny<ArgumentException>(() => call(ints));
        Assert.Equal(arg, e.ParamName);
        Assert.Contains("Int64", e.Message);
        if (which == "Overlay.image") Assert.Equal((byte)'P', HeatMaps.Image(ints)[1]);   // HeatMaps.Image still draws 0/1 integer images
    }

    [Fact]
    public void Overlay_shape_mismatch_gives_both_shapes()
    {
        using var image = rand(4, 4);
        using var attribution = randn(5, 5);
        var e = Assert.Throws<ArgumentException>(() => HeatMaps.Overlay(image, attribution));
        Assert.Equal("attribution", e.ParamName);
        Assert.Contains("[5, 5]", e.Message);
        Assert.Contains("[4, 4]", e.Message);
    }

    [Fact]
    public void LevelMap_refuses_float_levels_and_levels_below_minus_one()
    {
        using var floats = rand(4, 4);
        var f = Assert.Throws<ArgumentException>(() => HeatMaps.LevelMap(floats));
        Assert.Equal("levels", f.ParamName);
        Assert.Contains("Float32", f.Message);
        using var low = full(new long[] { 4, 4 }, -5L, int64);
        var l = Assert.Throws<ArgumentException>(() => HeatMaps.LevelMap(low));
        Assert.Contains("-5", l.Message);
        using var none = full(new long[] { 4, 4 }, -1L, int64);
        Assert.Equal((byte)'P', HeatMaps.LevelMap(none)[1]);
    }

    [Fact]
    public void Save_refuses_bytes_that_are_not_a_png()
    {
        var path = Path.Combine(Path.GetTempPath(), "attrdsl-notpng-" + Guid.NewGuid().ToString("N") + ".png");
        var e = Assert.Throws<ArgumentException>(() => HeatMaps.Save(path, [1, 2, 3]));
        Assert.Equal("png", e.ParamName);
        Assert.Contains("PNG", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Save_under_a_file_names_the_directory_it_cannot_create()
    {
        var dir = Path.Combine(Path.GetTempPath(), "attrdsl-vis-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var file = Path.Combine(dir, "f");
            File.WriteAllText(file, "");
            using var map = randn(4, 4);
            var e = Assert.Throws<IOException>(() => HeatMaps.Save(Path.Combine(file, "h.png"), HeatMaps.Png(map)));
            Assert.Contains("HeatMaps.Save", e.Message);
            Assert.Contains(file, e.Message);
            var r = Assert.Throws<IOException>(() => new HtmlReport("r").Save(Path.Combine(file, "r.html")));
            Assert.Contains("HtmlReport.Save", r.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ColorMap_refuses_NaN()
    {
        var e = Assert.Throws<ArgumentException>(() => ColorMap.Diverging.Color(double.NaN));
        Assert.Equal("t", e.ParamName);
        Assert.Contains("NaN", e.Message);
        Assert.Equal(ColorMap.Sequential.Color(1), ColorMap.Sequential.Color(double.PositiveInfinity));
    }

    [Fact]
    public void Curves_refuse_non_finite_values_and_no_series()
    {
        var nan = Assert.Throws<ArgumentException>(() => Curves.Png("t", "x", "y", [("loss", [1.0, 2.0], [1.0, double.NaN])]));
        Assert.Equal("series", nan.ParamName);
        Assert.Contains("'loss'", nan.Message);
        Assert.Contains("y[1] = NaN", nan.Message);
        var empty = Assert.Throws<ArgumentException>(() => Curves.Png("t", "x", "y", []));
        Assert.Equal("series", empty.ParamName);
        Assert.Contains("empty", empty.Message);
    }

    [Fact]
    public void Escape_of_null_is_ArgumentNullException()
    {
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => HtmlReport.Escape(null!)).ParamName);
    }

    [Fact]
    public void Batches_refuse_disposed_inputs_when_made_and_when_enumerated()
    {
        using var y = tensor(new long[] { 0, 1 });
        var e = Assert.Throws<ObjectDisposedException>(() => new Batches(Dead(rand(2, 3)), y, 1));
        Assert.Equal("inputs", e.ObjectName);
        var x = rand(2, 3);
        var batches = new Batches(x, y, 1);
        x.Dispose();
        var later = Assert.Throws<ObjectDisposedException>(() => batches.ToList());
        Assert.Equal("inputs", later.ObjectName);
        NoNativeText(later);
        Assert.Equal("inputs", Assert.Throws<ObjectDisposedException>(() => batches.Count).ObjectName);
    }

    [Fact]
    public void Batches_Rows_refuses_parts_that_differ_in_rows_before_enumerating()
    {
        using var x = rand(2, 4);
        using var y = zeros(3);
        var e = Assert.Throws<ArgumentException>(() => Batches.Rows([x, y], 1, null));   // eager: no enumeration needed
        Assert.Equal("parts", e.ParamName);
        Assert.Contains("parts[1] has 3 rows", e.Message);
        Assert.Contains("parts[0] has 2", e.Message);
    }
}
