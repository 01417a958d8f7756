using AttrDsl.Visualization;

namespace AttrDsl.HostileInputs;

/// <summary>HeatMaps, AttributionMasks, Curves and HtmlReport with bad tensors and arguments.</summary>
public static class VisualizationCases
{
    public const string Area = "visualization";

    private static Case C(string entry, string name, Func<object?> action, Expectation e) => new(Area, entry, name, action, e);

    private static Expectation Png() => Expect.Result("a PNG", r => r is byte[] b && b.Length > 8 && b[1] == (byte)'P' ? null : Evaluator.Describe(r));

    // Runs write in a fresh temporary directory (removed afterwards); true when the path it returns is a file.
    // With keep, what write returned is the answer instead.
    private static object Written(Func<string, string> write, bool keep = false)
    {
        var dir = Path.Combine(Path.GetTempPath(), "attrdsl-hostile-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var result = write(dir);
            return keep ? result : File.Exists(result);
        }
        finally { Directory.Delete(dir, true); }
    }

    // The sign modes, scales, figure and colour bar: bad options, maps and numbers.
    private static IEnumerable<Case> PictureCases()
    {
        var bad = (AttributionSign)7;
        var positive = new HeatMapOptions { Sign = AttributionSign.Positive };
        yield return C("HeatMaps.Png", "options-null", () => HeatMaps.Png(randn(4, 4), (HeatMapOptions)null!), Expect.Null("options"));
        yield return C("HeatMaps.Png", "options-NaN-map", () => HeatMaps.Png(M.WithNaN(randn(4, 4)), positive), Expect.Error("map", "NaN"));
        yield return C("HeatMaps.Png", "options-huge-picture", () => HeatMaps.Png(zeros(1, 1).expand(2000, 2000), new HeatMapOptions { PixelsPerCell = 256 }), Expect.Error("map", "2000", "scale|smaller"));
        yield return C("HeatMaps.Png", "options-positive-mode", () => HeatMaps.Png(randn(4, 4), positive), Png());
        yield return C("HeatMaps.Png", "options-all-negative-in-positive-mode", () => HeatMaps.Png(-rand(4, 4) - 1, positive), Png());
        yield return C("HeatMaps.Overlay", "options-null", () => HeatMaps.Overlay(rand(4, 4), randn(4, 4), (HeatMapOptions)null!), Expect.Null("options"));
        yield return C("HeatMaps.Overlay", "options-shape-mismatch", () => HeatMaps.Overlay(rand(4, 4), randn(5, 5), positive), Expect.Error("attribution", "[5, 5]", "[4, 4]"));
        yield return C("HeatMaps.Overlay", "options-fixed-scale", () => HeatMaps.Overlay(rand(4, 4), randn(4, 4), new HeatMapOptions { Scale = AttributionScale.Fixed(0.5) }), Png());

        yield return C("HeatMaps.Figure", "null-image", () => HeatMaps.Figure(null!, randn(4, 4)), Expect.Null("image"));
        yield return C("HeatMaps.Figure", "null-attribution", () => HeatMaps.Figure(rand(4, 4), null!), Expect.Null("attribution"));
        yield return C("HeatMaps.Figure", "disposed-attribution", () => HeatMaps.Figure(rand(4, 4), M.Dead(randn(4, 4))), Expect.Disposed("attribution"));
        yield return C("HeatMaps.Figure", "NaN-attribution", () => HeatMaps.Figure(rand(4, 4), M.WithNaN(randn(4, 4))), Expect.Error("attribution", "NaN"));
        yield return C("HeatMaps.Figure", "int-image", () => HeatMaps.Figure(ones(new long[] { 4, 4 }, int64), randn(4, 4)), Expect.Error("image", "Int64|floating"));
        yield return C("HeatMaps.Figure", "shape-mismatch", () => HeatMaps.Figure(rand(4, 4), randn(3, 5)), Expect.Error("attribution", "[3, 5]", "[4, 4]"));
        yield return C("HeatMaps.Figure", "batch-of-two", () => HeatMaps.Figure(rand(4, 4), randn(2, 1, 4, 4)), Expect.Error("attribution", "batch"));
        yield return C("HeatMaps.Figure", "panels-none", () => HeatMaps.Figure(rand(4, 4), randn(4, 4), panels: 0), Expect.Error("panels", "no panel"));
        yield return C("HeatMaps.Figure", "panels-unknown", () => HeatMaps.Figure(rand(4, 4), randn(4, 4), panels: (FigurePanels)12), Expect.Error("panels", "unknown"));
        yield return C("HeatMaps.Figure", "too-large-side-by-side", () => HeatMaps.Figure(zeros(1, 1).expand(60, 60), zeros(1, 1).expand(60, 60), new HeatMapOptions { PixelsPerCell = 256 }),
            Expect.Error("options", "PixelsPerCell"));
        yield return C("HeatMaps.Figure", "all-zero-attribution", () => HeatMaps.Figure(rand(4, 4), zeros(4, 4)), Png());
        yield return C("HeatMaps.Figure", "valid-one-panel", () => HeatMaps.Figure(rand(4, 4), randn(4, 4), title: "t", panels: FigurePanels.Overlay), Png());
        yield return C("HeatMaps.Figure", "valid-colour-image", () => HeatMaps.Figure(rand(3, 4, 4), randn(3, 4, 4), new HeatMapOptions { Sign = AttributionSign.Absolute }), Png());

        yield return C("HeatMaps.ColorBar", "scale-0", () => HeatMaps.ColorBar(0), Expect.Error("scaleMax", "0"));
        yield return C("HeatMaps.ColorBar", "scale-negative", () => HeatMaps.ColorBar(-1), Expect.Error("scaleMax", "-1"));
        yield return C("HeatMaps.ColorBar", "scale-NaN", () => HeatMaps.ColorBar(double.NaN), Expect.Error("scaleMax", "NaN"));
        yield return C("HeatMaps.ColorBar", "scale-infinite", () => HeatMaps.ColorBar(double.PositiveInfinity), Expect.Error("scaleMax", "∞|inf"));
        yield return C("HeatMaps.ColorBar", "sign-undefined", () => HeatMaps.ColorBar(1, bad), Expect.Error("sign", "7"));
        yield return C("HeatMaps.ColorBar", "width-10", () => HeatMaps.ColorBar(1, width: 10), Expect.Error("width", "10"));
        yield return C("HeatMaps.ColorBar", "valid-tiny-scale", () => HeatMaps.ColorBar(1e-12, AttributionSign.Negative, caption: "c"), Png());

        yield return C("HeatMaps.SharedScale", "null-maps", () => HeatMaps.SharedScale(null!), Expect.Null("maps"));
        yield return C("HeatMaps.SharedScale", "empty", () => HeatMaps.SharedScale([]), Expect.Error("maps", "empty"));
        yield return C("HeatMaps.SharedScale", "null-map", () => HeatMaps.SharedScale([randn(4, 4), null!]), Expect.Null("maps[1]"));
        yield return C("HeatMaps.SharedScale", "disposed-map", () => HeatMaps.SharedScale([M.Dead(randn(4, 4))]), Expect.Disposed("maps[0]"));
        yield return C("HeatMaps.SharedScale", "NaN-map", () => HeatMaps.SharedScale([randn(4, 4), M.WithNaN(randn(4, 4))]), Expect.Error("maps[1]", "NaN"));
        yield return C("HeatMaps.SharedScale", "int-map", () => HeatMaps.SharedScale([ones(new long[] { 4, 4 }, int64)]), Expect.Error("maps[0]", "Int64|floating"));
        yield return C("HeatMaps.SharedScale", "percentile-0", () => HeatMaps.SharedScale([randn(4, 4)], percentile: 0), Expect.Error("percentile", "0"));
        yield return C("HeatMaps.SharedScale", "sign-undefined", () => HeatMaps.SharedScale([randn(4, 4)], sign: bad), Expect.Error("sign", "7"));
        yield return C("HeatMaps.SharedScale", "twice-as-large-wins", () => HeatMaps.SharedScale([full(4, 4, 0.5f), full(4, 4, -1f)]).Max,
            Expect.Result("1 (the larger map's percentile)", r => r is 1.0 ? null : $"{r}"));
        yield return C("HeatMaps.SharedScale", "all-zero-is-zero", () => HeatMaps.SharedScale([zeros(4, 4)]).Max, Expect.Result("0", r => r is 0.0 ? null : $"{r}"));

        yield return C("AttributionScale.PerImage", "percentile-0", () => AttributionScale.PerImage(0), Expect.Error("percentile", "0"));
        yield return C("AttributionScale.PerImage", "percentile-NaN", () => AttributionScale.PerImage(double.NaN), Expect.Error("percentile", "NaN"));
        yield return C("AttributionScale.PerImage", "percentile-101", () => AttributionScale.PerImage(101), Expect.Error("percentile", "101"));
        yield return C("AttributionScale.PerImage", "valid-100", () => AttributionScale.PerImage(100).Percentile, Expect.Result("100", r => r is 100.0 ? null : $"{r}"));
        yield return C("AttributionScale.Fixed", "zero", () => AttributionScale.Fixed(0), Expect.Error("max", "0"));
        yield return C("AttributionScale.Fixed", "negative", () => AttributionScale.Fixed(-2), Expect.Error("max", "-2"));
        yield return C("AttributionScale.Fixed", "NaN", () => AttributionScale.Fixed(double.NaN), Expect.Error("max", "NaN"));
        yield return C("AttributionScale.Fixed", "infinite", () => AttributionScale.Fixed(double.NegativeInfinity), Expect.Error("max", "∞|inf"));
        yield return C("AttributionScale.Fixed", "valid", () => AttributionScale.Fixed(0.25, "shared").Max, Expect.Result("0.25", r => r is 0.25 ? null : $"{r}"));
        yield return C("AttributionScale.Resolve", "null-map", () => AttributionScale.PerImage().Resolve(null!), Expect.Null("map"));
        yield return C("AttributionScale.Resolve", "disposed-map", () => AttributionScale.PerImage().Resolve(M.Dead(randn(4, 4))), Expect.Disposed("map"));
        yield return C("AttributionScale.Resolve", "Inf-map", () => AttributionScale.PerImage().Resolve(M.WithNaN(randn(4, 4), double.PositiveInfinity)), Expect.Error("map", "∞|inf"));
        yield return C("AttributionScale.Resolve", "empty-map", () => AttributionScale.PerImage().Resolve(zeros(0, 4)), Expect.Error("map", "empty"));
        yield return C("AttributionScale.Resolve", "sign-undefined", () => AttributionScale.PerImage().Resolve(randn(4, 4), bad), Expect.Error("sign", "7"));
        yield return C("AttributionScale.Resolve", "fixed-checks-the-map-too", () => AttributionScale.Fixed(1).Resolve(M.WithNaN(randn(4, 4))), Expect.Error("map", "NaN"));
        yield return C("AttributionScale.Resolve", "percentile-100-is-the-max", () => AttributionScale.PerImage(100).Resolve(tensor(new float[] { -3, 1, 2 }).reshape(1, 3)),
            Expect.Result("3", r => r is 3.0 ? null : $"{r}"));
        yield return C("AttributionScale.Describe", "sign-undefined", () => AttributionScale.PerImage().Describe(bad), Expect.Error("sign", "7"));
        yield return C("AttributionScale.Describe", "valid", () => AttributionScale.PerImage().Describe(AttributionSign.Positive), Expect.Result("names the positive attribution", r => r is string s && s.Contains("positive") ? null : $"{r}"));

        yield return C("HeatMapOptions.ctor", "pixels-per-cell-0", () => new HeatMapOptions { PixelsPerCell = 0 }, Expect.Error("PixelsPerCell", "0"));
        yield return C("HeatMapOptions.ctor", "pixels-per-cell-300", () => new HeatMapOptions { PixelsPerCell = 300 }, Expect.Error("PixelsPerCell", "300"));
        yield return C("HeatMapOptions.ctor", "alpha-NaN", () => new HeatMapOptions { OverlayAlpha = double.NaN }, Expect.Error("OverlayAlpha", "NaN"));
        yield return C("HeatMapOptions.ctor", "alpha-negative", () => new HeatMapOptions { OverlayAlpha = -0.5 }, Expect.Error("OverlayAlpha", "-0.5"));
        yield return C("HeatMapOptions.ctor", "sign-undefined", () => new HeatMapOptions { Sign = bad }, Expect.Error("Sign", "7"));
        yield return C("HeatMapOptions.ctor", "scale-null", () => new HeatMapOptions { Scale = null! }, Expect.Null("Scale"));
        yield return C("HeatMapOptions.ctor", "valid-defaults", () => new HeatMapOptions().EffectiveColorMap, Expect.Result("the diverging map", r => r == ColorMap.Diverging ? null : $"{r}"));
        yield return C("ColorMap.For", "sign-undefined", () => ColorMap.For(bad), Expect.Error("sign", "7"));
        yield return C("ColorMap.For", "negative-is-blues", () => ColorMap.For(AttributionSign.Negative), Expect.Result("blues", r => r == ColorMap.Blues ? null : $"{r}"));
    }

    public static IEnumerable<Case> All()
    {
        (string Entry, Func<Tensor?, object?> Call, string Arg)[] maps =
        [
            ("HeatMaps.Png", t => HeatMaps.Png(t!), "map"),
            ("HeatMaps.Overlay", t => HeatMaps.Overlay(rand(4, 4), t!), "attribution"),
            ("HeatMaps.Overlay", t => HeatMaps.Overlay(t!, randn(4, 4)), "image"),
            ("HeatMaps.Image", t => HeatMaps.Image(t!), "image"),
            ("HeatMaps.LevelMap", t => HeatMaps.LevelMap(t!), "levels"),
            ("AttributionMasks.TopK", t => AttributionMasks.TopK(t!, 0.5), "attribution"),
            ("AttributionMasks.UnitsWithBlur", t => AttributionMasks.UnitsWithBlur(t!, 0.5), "attribution"),
            ("AttributionMasks.OutlierNormalize", t => AttributionMasks.OutlierNormalize(t!), "a"),
        ];
        foreach (var (entry, call, arg) in maps)
        {
            var tag = entry == "HeatMaps.Overlay" ? arg + "-" : "";
            var levels = entry == "HeatMaps.LevelMap";
            yield return C(entry, tag + "null", () => call(null), Expect.Null(arg));
            yield return C(entry, tag + "disposed", () => call(M.Dead(rand(4, 4))), Expect.Disposed(arg));
            yield return C(entry, tag + "empty", () => call(zeros(0, 4)), Expect.Error(arg, "[0, 4]|empty"));
            yield return C(entry, tag + "0-dim", () => call(tensor(1f)), Expect.Error(arg, "0-dim|[]|shape|dimension"));
            // TopK and OutlierNormalize document any rank ≥ 3 as a batch [N, ...] (e.g. volumes [N, C, D, H, W]), so a 5-D attribution is valid there.
            var anyRank = entry is "AttributionMasks.TopK" or "AttributionMasks.OutlierNormalize";
            yield return C(entry, tag + "5-D", () => call(rand(new long[] { 1, 1, 1, 4, 4 })), anyRank ? Expect.FiniteTensor(1, 1, 1, 4, 4) : Expect.Error(arg, "[1, 1, 1, 4, 4]"));
            if (!levels)
            {
                yield return C(entry, tag + "NaN", () => call(M.WithNaN(rand(4, 4))), Expect.Error(arg, "NaN"));
                yield return C(entry, tag + "Inf", () => call(M.WithNaN(rand(4, 4), double.PositiveInfinity)), Expect.Error(arg, "∞|inf"));
                yield return C(entry, tag + "all-zero", () => call(zeros(4, 4)), entry.StartsWith("HeatMaps") ? Png() : Expect.Completes());
                yield return C(entry, tag + "huge-plane", () => call(zeros(1, 1).expand(100_000, 100_000)), Expect.Error(arg, "100000"));
            }
            else
            {
                yield return C(entry, "float-levels", () => call(rand(4, 4)), Expect.Error("levels", "Float32|integer|int"));
                yield return C(entry, "negative-level-below-minus-one", () => call(full(new long[] { 4, 4 }, -5L, int64)), Expect.Error("levels", "-5"));
            }
            yield return C(entry, tag + "int64", () => call(ones(new long[] { 4, 4 }, int64)), levels || entry == "HeatMaps.Image" ? Expect.Completes() : Expect.Error(arg, "Int64|integer|floating"));
        }
        yield return C("HeatMaps.Overlay", "shape-mismatch", () => HeatMaps.Overlay(rand(4, 4), randn(5, 5)), Expect.Error("attribution", "[5, 5]", "[4, 4]"));
        yield return C("HeatMaps.Overlay", "alpha-above-1", () => HeatMaps.Overlay(rand(4, 4), randn(4, 4), alpha: 3), Expect.Error("alpha", "3"));
        yield return C("HeatMaps.Overlay", "alpha-NaN", () => HeatMaps.Overlay(rand(4, 4), randn(4, 4), alpha: double.NaN), Expect.Error("alpha", "NaN"));
        yield return C("HeatMaps.Png", "scale-0", () => HeatMaps.Png(rand(4, 4), scale: 0), Expect.Error("scale", "0"));
        yield return C("HeatMaps.Png", "scale-huge", () => HeatMaps.Png(rand(4, 4), scale: int.MaxValue), Expect.Error("scale", "2147483647"));
        yield return C("HeatMaps.Png", "percentile-0", () => HeatMaps.Png(rand(4, 4), percentile: 0), Expect.Error("percentile", "0"));
        yield return C("HeatMaps.Png", "percentile-NaN", () => HeatMaps.Png(rand(4, 4), percentile: double.NaN), Expect.Error("percentile", "NaN"));
        yield return C("HeatMaps.Png", "valid-3-D", () => HeatMaps.Png(rand(1, 4, 4)), Png());
        yield return C("HeatMaps.Png", "float64", () => HeatMaps.Png(rand(4, 4, float64)), Png());
        yield return C("HeatMaps.LevelMap", "null-result", () => HeatMaps.LevelMap((AttrDsl.Decomposition.Acd.AcdResult)null!), Expect.Null("result"));
        yield return C("HeatMaps.LevelColor", "negative", () => HeatMaps.LevelColor(-3), Expect.Error("i", "-3"));
        yield return C("HeatMaps.Save", "null-png", () => { HeatMaps.Save(Path.Combine(Path.GetTempPath(), "h.png"), null!); return "ok"; }, Expect.Null("png"));
        yield return C("HeatMaps.Save", "not-a-png", () => { HeatMaps.Save(Path.Combine(Path.GetTempPath(), "h.png"), [1, 2, 3]); return "ok"; }, Expect.Error("png", "PNG"));
        // Save documents (and its tests check) that it creates the file's directory, as a report writer should; as root the old case created /nonexistent-dir-9 and passed only elsewhere.
        yield return C("HeatMaps.Save", "missing-directory-is-created", () => Written(dir => { HeatMaps.Save(Path.Combine(dir, "sub", "h.png"), HeatMaps.Png(rand(4, 4))); return Path.Combine(dir, "sub", "h.png"); }), Expect.Result("the file, in the created directory", r => r is true ? null : "no file written"));
        yield return C("HeatMaps.Save", "parent-is-a-file", () => Written(dir => { File.WriteAllText(Path.Combine(dir, "f"), ""); HeatMaps.Save(Path.Combine(dir, "f", "h.png"), HeatMaps.Png(rand(4, 4))); return ""; }), Expect.Error<IOException>("f"));
        yield return C("AttributionMasks.TopK", "fraction-above-1", () => AttributionMasks.TopK(randn(4, 4), 1.5), Expect.Error("fraction", "1.5"));
        yield return C("AttributionMasks.TopK", "fraction-NaN", () => AttributionMasks.TopK(randn(4, 4), double.NaN), Expect.Error("fraction", "NaN"));
        yield return C("AttributionMasks.TopK", "fraction-half-count", () => AttributionMasks.TopK(randn(4, 4), 0.5).sum().item<float>(), Expect.Result("8 of 16 selected", r => r is 8f ? null : $"{r}"));
        yield return C("AttributionMasks.UnitsWithBlur", "sigma-negative", () => AttributionMasks.UnitsWithBlur(randn(4, 4), 0.5, -1), Expect.Error("sigma", "-1"));
        yield return C("AttributionMasks.OutlierNormalize", "percentile-above-100", () => AttributionMasks.OutlierNormalize(randn(4, 4), 101), Expect.Error("percentile", "101"));
        yield return C("AttributionMasks.OutlierNormalize", "constant-no-NaN", () => AttributionMasks.OutlierNormalize(zeros(4, 4)), Expect.FiniteTensor(4, 4));
        yield return C("ColorMap.Color", "NaN", () => ColorMap.Diverging.Color(double.NaN), Expect.Error("t", "NaN"));
        yield return C("ColorMap.Color", "out-of-range-clamps", () => ColorMap.Sequential.Color(7), Expect.Completes());
        yield return C("Curves.Png", "null-series", () => Curves.Png("t", "x", "y", null!), Expect.Null("series"));
        yield return C("Curves.Png", "x-y-length-differ", () => Curves.Png("t", "x", "y", [("a", [1.0, 2.0], [1.0])]), Expect.Error("a", "2", "1"));
        yield return C("Curves.Png", "NaN-values", () => Curves.Png("t", "x", "y", [("a", [1.0, 2.0], [1.0, double.NaN])]), Expect.Error("a", "NaN"));
        yield return C("Curves.Png", "width-0", () => Curves.Png("t", "x", "y", [("a", [1.0, 2.0], [1.0, 2.0])], width: 0), Expect.Error("width", "0"));
        yield return C("Curves.Png", "empty-series", () => Curves.Png("t", "x", "y", []), Expect.Error("series", "empty"));
        yield return C("Curves.Png", "valid", () => Curves.Png("t", "x", "y", [("a", [1.0, 2.0], [1.0, 2.0])]), Png());
        foreach (var c in PictureCases()) yield return c;
        yield return C("HtmlReport.ctor", "null-title", () => new HtmlReport(null!), Expect.Null("title"));
        yield return C("HtmlReport.Heading", "level-9", () => new HtmlReport("r").Heading("h", 9), Expect.Error("level", "9"));
        yield return C("HtmlReport.Heading", "null", () => new HtmlReport("r").Heading(null!), Expect.Null("text"));
        yield return C("HtmlReport.Paragraph", "null", () => new HtmlReport("r").Paragraph(null!), Expect.Null("text"));
        yield return C("HtmlReport.Paragraph", "script-is-escaped", () => new HtmlReport("r").Paragraph("<script>alert(1)</script>").ToHtml(), Expect.Result("escaped", r => r is string s && !s.Contains("<script>alert") ? null : "script not escaped"));
        yield return C("HtmlReport.Table", "row-too-long", () => new HtmlReport("r").Table(["a"], [["1", "2"]]), Expect.Error("rows|row", "2", "1"));
        yield return C("HtmlReport.Table", "null-headers", () => new HtmlReport("r").Table(null!, []), Expect.Null("headers"));
        yield return C("HtmlReport.Figure", "null-png", () => new HtmlReport("r").Figure("c", null!), Expect.Null("png"));
        yield return C("HtmlReport.Figure", "not-a-png", () => new HtmlReport("r").Figure("c", [1, 2, 3]), Expect.Error("png", "PNG"));
        yield return C("HtmlReport.FigureRow", "null", () => new HtmlReport("r").FigureRow(null!), Expect.Null("figures"));
        yield return C("HtmlReport.FigureRow", "labelled-null-label", () => new HtmlReport("r").FigureRow(null!, [("a", HeatMaps.Png(rand(4, 4)))]), Expect.Null("label"));
        yield return C("HtmlReport.FigureRow", "labelled-null-figures", () => new HtmlReport("r").FigureRow("TV prior model", null!), Expect.Null("figures"));
        yield return C("HtmlReport.FigureRow", "labelled-not-a-png", () => new HtmlReport("r").FigureRow("TV prior model", [("a", [1, 2, 3])]), Expect.Error("png", "PNG"));
        yield return C("HtmlReport.FigureRow", "labelled-label-is-escaped", () => new HtmlReport("r").FigureRow("<b>model</b>", [("a", HeatMaps.Png(rand(4, 4)))]).ToHtml(),
            Expect.Result("the label escaped in a group", r => r is string s && s.Contains("<p class=\"group-label\">&lt;b&gt;model&lt;/b&gt;</p>") ? null : "label missing or not escaped"));
        yield return C("HtmlReport.Heading", "repeated-headings-get-unique-anchors", () => new HtmlReport("r").Heading("A b").Heading("A b").ToHtml(),
            Expect.Result("ids a-b and a-b-2", r => r is string s && s.Contains("id=\"a-b\"") && s.Contains("id=\"a-b-2\"") && s.Contains("href=\"#a-b-2\"") ? null : "anchors missing or not unique"));
        yield return C("HtmlReport.Code", "null", () => new HtmlReport("r").Code(null!), Expect.Null("text"));
        // As HeatMaps.Save: creating the directory is documented and tested behaviour.
        yield return C("HtmlReport.Save", "missing-directory-is-created", () => Written(dir => { new HtmlReport("r").Save(Path.Combine(dir, "sub", "r.html")); return Path.Combine(dir, "sub", "r.html"); }), Expect.Result("the file, in the created directory", r => r is true ? null : "no file written"));
        yield return C("HtmlReport.SaveFolder", "null-folder", () => new HtmlReport("r").SaveFolder(null!), Expect.Null("folder"));
        yield return C("HtmlReport.SaveFolder", "file-outside-the-folder", () => Written(dir => new HtmlReport("r").SaveFolder(Path.Combine(dir, "rep"), [new("../escape.png", HeatMaps.Png(rand(4, 4)))])), Expect.Error("files", "../escape.png", "inside"));
        yield return C("ReportFolder.Write", "null-write", () => Written(dir => ReportFolder.Write(Path.Combine(dir, "rep"), null!)), Expect.Null("write"));
        yield return C("ReportFolder.Problem", "folder-is-a-file", () => Written(dir => { File.WriteAllText(Path.Combine(dir, "f"), ""); return ReportFolder.Problem(Path.Combine(dir, "f")) ?? ""; }, keep: true), Expect.Result("a problem naming the file", r => r is string p && p.Contains("/f") ? null : $"'{r}'"));
        yield return C("HtmlReport.Save", "null-path", () => { new HtmlReport("r").Save(null!); return "ok"; }, Expect.Null("path"));
        yield return C("HtmlReport.ToHtml", "empty-report", () => new HtmlReport("r").ToHtml(), Expect.Completes());
        yield return C("HtmlReport.Escape", "null", () => HtmlReport.Escape(null!), Expect.Null("text"));
    }
}
