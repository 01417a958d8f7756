using AttrDsl.Visualization;
using Xunit.Abstractions;

namespace AttrDsl.Report.Tests;

/// <summary>
/// The HTML report in headless chromium: no console or page errors, no failed requests, every image decoded with a
/// non-zero natural size, and a full-page screenshot kept as a test artifact under the test's output folder
/// (bin/&lt;configuration&gt;/net10.0/artifacts/; the path is printed).
/// </summary>
public class ReportInBrowserTests(ITestOutputHelper output)
{
    private static readonly string Artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");

    /// <summary>A report with every kind of content the API offers, pictures from every drawing function.</summary>
    private static HtmlReport FullReport()
    {
        const int h = 28, w = 28;
        using var yy = arange(h, dtype: ScalarType.Float32).reshape(h, 1);
        using var xx = arange(w, dtype: ScalarType.Float32).reshape(1, w);
        using var digit = ((yy - 14).pow(2) + (xx - 14).pow(2)).sqrt().sub(8).abs().lt(2).to_type(ScalarType.Float32);
        using var attribution = exp(-((yy - 10).pow(2) + (xx - 9).pow(2)) / 18.0) - 0.6 * exp(-((yy - 20).pow(2) + (xx - 19).pow(2)) / 12.0);
        using var batch = attribution.reshape(1, 1, h, w);
        using var topk = AttributionMasks.TopK(batch, 0.1);
        using var units = AttributionMasks.UnitsWithBlur(batch, 0.1, sigma: 1.5);
        using var normalized = AttributionMasks.OutlierNormalize(batch);
        using var levels = (yy.div(7, rounding_mode: RoundingMode.floor) * 4 + xx.div(7, rounding_mode: RoundingMode.floor)).to_type(ScalarType.Int64) % 6;
        double[] epochs = [1, 2, 3, 4, 5, 6];

        double[] one = [1];
        var shared = HeatMaps.SharedScale([attribution, attribution * 0.5]);
        var options = new HeatMapOptions { Scale = shared };

        return new HtmlReport("AttrDsl report <browser test> & friends")
            .Paragraph("Every picture below is drawn by AttrDsl.Visualization; text with <tags> & \"quotes\" is escaped.")
            .Heading("Robustness")
            .Table(["noise", "with prior", "without prior"],
                [["0.0", "98.9 %", "99.1 %"], ["0.1", "97.0 %", "93.4 %"], ["0.2", "91.2 %", "80.5 %"]],
                caption: "accuracy under salt-and-pepper noise")
            .Table(["model", "epoch", "task loss", "λ·Ω", "seconds", "digits/s", "held-out accuracy", "a long column heading that makes the table wide"],
                [["TV prior", "1", "0.4312", "0.01234", "12.3", "812", "0.9512", "a long cell value, longer than a phone is wide, to need scrolling"]],
                caption: "a table wider than a phone")
            .Figure("robustness curve", Curves.Png("accuracy vs noise", "noise", "accuracy",
                [("with prior", [0.0, 0.1, 0.2], [0.989, 0.970, 0.912]), ("without prior", [0.0, 0.1, 0.2], [0.991, 0.934, 0.805])]))
            .Heading("Explanations")
            .Figure("input, heat map and overlay with the colour bar (per-image scale)", HeatMaps.Figure(digit, attribution, title: "a composite figure"))
            .FigureRow("shared scale: the attribution and half of it", [
                ("full", HeatMaps.Figure(digit, attribution, options, panels: FigurePanels.HeatMap | FigurePanels.Overlay)),
                ("half", HeatMaps.Figure(digit, attribution * 0.5, options, panels: FigurePanels.HeatMap | FigurePanels.Overlay)),
                ("the shared colour bar", HeatMaps.ColorBar(shared.Max!.Value, caption: shared.Describe())),
            ])
            .FigureRow("sign modes", [
                ("positive", HeatMaps.Png(attribution, new HeatMapOptions { Sign = AttributionSign.Positive })),
                ("negative", HeatMaps.Png(attribution, new HeatMapOptions { Sign = AttributionSign.Negative })),
                ("absolute", HeatMaps.Overlay(digit, attribution, new HeatMapOptions { Sign = AttributionSign.Absolute })),
                ("all zero", HeatMaps.Png(zeros(h, w), new HeatMapOptions())),
            ])
            .FigureRow([
                ("input", HeatMaps.Image(digit)),
                ("attribution", HeatMaps.Png(attribution)),
                ("overlay", HeatMaps.Overlay(digit, attribution)),
                ("outlier-normalised", HeatMaps.Png(normalized[0], ColorMap.Diverging)),
                ("top 10 %", HeatMaps.Png(topk[0], ColorMap.Grey)),
                ("units with blur", HeatMaps.Png(units[0], ColorMap.Sequential)),
                ("ACD levels", HeatMaps.LevelMap(levels)),
            ])
            .Heading("Training", 3)
            .Figure("loss", Curves.Png("training loss", "epoch", "loss",
                [("loss", epochs, [2.3, 0.9, 0.5, 0.35, 0.3, 0.28]), ("prior loss", epochs, [0.8, 0.6, 0.45, 0.4, 0.38, 0.37])]), alt: "training loss curve")
            .Figure("one epoch", Curves.Png("held-out accuracy", "epoch", "accuracy", [("TV prior", one, [0.9512]), ("no prior", one, [0.9634])]))
            .Heading("Training", 3)
            .Code("dotnet run --project Samples/Main -- --quick");
    }

    public static TheoryData<string> Viewports() => ["desktop", "phone"];

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task The_report_opens_in_headless_chromium_with_every_image_loaded_no_errors_and_fits_the_window(string which)
    {
        var viewport = which == "phone" ? Viewport.Phone : Viewport.Desktop;
        var report = FullReport();
        var html = Path.Combine(Artifacts, $"report-{which}.html");
        report.Save(html);
        var shot = Path.Combine(Artifacts, $"report-{which}.png");
        var check = await Browser.AssertOpensCleanly(html, shot, minImages: report.ImageCount, viewport);
        output.WriteLine($"report: {html}");
        output.WriteLine($"screenshot: {shot}");
        // The name .ci/run prints for the desktop screenshot.
        if (which == "desktop") File.Copy(shot, Path.Combine(Artifacts, "report.png"), overwrite: true);

        Assert.Equal("AttrDsl report <browser test> & friends", check.Title);
        Assert.Equal(report.ImageCount, check.Images.Count);
        Assert.Equal(18, check.Images.Count);   // robustness curve, composite, 3 in the shared row, 4 sign modes, 7 pictures, 2 training curves
        Assert.Contains(check.Images, i => i.Alt == "overlay" && i.NaturalWidth == 224 && i.NaturalHeight == 224);
        Assert.Contains(check.Images, i => i.Alt == "training loss curve" && i.NaturalWidth == 640 && i.NaturalHeight == 400);
        // The table of contents lists the level-2 and level-3 headings, each link to a unique id (the repeated
        // "Training" heading gets its own).
        Assert.Equal(["#robustness", "#explanations", "#training", "#training-2"], check.Layout.TocLinks);
        Assert.Equal(2, check.Layout.Tables);
        using var bitmap = SkiaSharp.SKBitmap.Decode(shot);
        var pixelWidth = (int)(viewport.Width * viewport.DeviceScaleFactor);
        Assert.True(bitmap.Width == pixelWidth && bitmap.Height > viewport.Height * viewport.DeviceScaleFactor, $"screenshot is {bitmap.Width} × {bitmap.Height}");
        if (which == "phone")
        {
            // On a phone every figure is at most the column's width and the composite shrinks with it.
            Assert.All(check.Layout.Figures, f => Assert.True(f.ImgWidth <= viewport.Width, $"{f.Alt}: {f.ImgWidth}"));
            Assert.Contains(check.Layout.Figures, f => f.Alt.StartsWith("input, heat map", StringComparison.Ordinal) && f.ImgWidth < 390);
        }
    }

    [Fact]
    public async Task The_check_catches_a_broken_image_and_a_console_error()
    {
        // A control page: the same checks must flag what the report must never contain.
        var png = HeatMaps.Image(ones(2, 2));
        var truncated = Convert.ToBase64String(png[..20]);
        var page = Path.Combine(Artifacts, "broken.html");
        Directory.CreateDirectory(Artifacts);
        File.WriteAllText(page, $$"""
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>broken</title></head><body>
            <img alt="good" src="data:image/png;base64,{{Convert.ToBase64String(png)}}">
            <img alt="truncated" src="data:image/png;base64,{{truncated}}">
            <script>console.error("deliberate error");</script>
            </body></html>
            """);
        var check = await Browser.Open(page, null);
        Assert.Equal(["deliberate error"], check.ConsoleErrors);
        Assert.Contains(check.Images, i => i.Alt == "good" && i.NaturalWidth == 16);
        Assert.Contains(check.Images, i => i.Alt == "truncated" && i.NaturalWidth == 0);
        var failure = await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => Browser.AssertOpensCleanly(page, Path.Combine(Artifacts, "broken.png")));
        Assert.Contains("deliberate error", failure.Message);
    }
}
