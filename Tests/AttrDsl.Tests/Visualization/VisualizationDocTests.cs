using System.Text.RegularExpressions;
using AttrDsl.Visualization;

namespace AttrDsl.Tests.Visualization;

/// <summary>
/// The examples of docs/visualization.md run here as written: each C# block of the page (except those marked as
/// fragments) is the body of one test below, between <c>// docs:begin N</c> and <c>// docs:end</c>, and a test checks
/// that the page and this file hold the same code. What the page's code needs (a digit, its attributions, a folder) is
/// made before the block.
/// </summary>
public sealed class VisualizationDocTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "attrdsl-vis-docs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }


    // A ring-shaped "digit" [1, 1, 28, 28] and a smooth signed attribution of the same shape.
    private static (Tensor X, Tensor Attribution) Digit(double strength = 1)
    {
        var yy = arange(28, dtype: ScalarType.Float32).reshape(28, 1);
        var xx = arange(28, dtype: ScalarType.Float32).reshape(1, 28);
        var x = ((yy - 14).pow(2) + (xx - 14).pow(2)).sqrt().sub(8).abs().lt(2).to_type(ScalarType.Float32).reshape(1, 1, 28, 28);
        var a = (exp(-((yy - 10).pow(2) + (xx - 9).pow(2)) / 18.0) - 0.6 * exp(-((yy - 20).pow(2) + (xx - 19).pow(2)) / 12.0)) * (0.01 * strength);
        return (x, a.reshape(1, 1, 28, 28));
    }

    [Fact]
    public void ThePageShowsExactlyTheCodeTheseTestsRun() => AttrDsl.Tests.Docs.PageRegions.AssertSameCode("docs/visualization.md", "Tests/AttrDsl.Tests/Visualization/VisualizationDocTests.cs");

    [Fact]
    public void OneAttributionAsAFigure()
    {
        var (x, ig) = Digit();
        var folder = _folder;
        // docs:begin 1
        // x: a digit [1, 1, 28, 28] in [0, 1]; ig: its attribution, same shape.
        byte[] figure = HeatMaps.Figure(x[0], ig[0], title: "integrated gradients");
        HeatMaps.Save(Path.Combine(folder, "ig.png"), figure);
        // docs:end
        using var png = new Png(File.ReadAllBytes(Path.Combine(folder, "ig.png")));
        Assert.True(png.Width > 3 * 224);
    }

    [Fact]
    public void SignModes()
    {
        var (x, ig) = Digit();
        // docs:begin 2
        var positive = new HeatMapOptions { Sign = AttributionSign.Positive, PixelsPerCell = 10 };
        byte[] evidenceFor = HeatMaps.Overlay(x[0], ig[0], positive);        // 280 × 280: only values > 0, in red
        double full = positive.Scale.Resolve(ig[0], positive.Sign);          // the value drawn at full colour
        byte[] magnitudes = HeatMaps.Png(ig[0], positive with { Sign = AttributionSign.Absolute });
        // docs:end
        using var png = new Png(evidenceFor);
        Assert.Equal(280, png.Width);
        Assert.True(full > 0);
        Assert.NotEmpty(magnitudes);
    }

    [Fact]
    public void TwoModelsOnOneScale()
    {
        var (x, igPrior) = Digit();
        var (_, igPlain) = Digit(strength: 0.4);
        var folder = _folder;
        // docs:begin 3
        var shared = HeatMaps.SharedScale([igPrior[0], igPlain[0]]);
        var options = new HeatMapOptions { Scale = shared };
        Console.WriteLine($"full colour at ±{shared.Max:G3}: {shared.Describe()}");

        new HtmlReport("Digit 0: two models")
            .Heading("Integrated gradients")
            .FigureRow("TV prior model", [("heat map", HeatMaps.Png(igPrior[0], options)), ("overlay", HeatMaps.Overlay(x[0], igPrior[0], options))])
            .FigureRow("no-prior model", [("heat map", HeatMaps.Png(igPlain[0], options)), ("overlay", HeatMaps.Overlay(x[0], igPlain[0], options))])
            .Figure("colour scale of both rows", HeatMaps.ColorBar(shared.Max!.Value, caption: shared.Describe()))
            .Save(Path.Combine(folder, "report.html"));
        // docs:end
        var html = File.ReadAllText(Path.Combine(folder, "report.html"));
        Assert.Contains("<p class=\"group-label\">no-prior model</p>", html);
        Assert.Contains("href=\"#integrated-gradients\"", html);
        Assert.Equal(5, Regex.Matches(html, "<img ").Count);
    }

    [Fact]
    public void AOneEpochChart()
    {
        // docs:begin 4
        byte[] chart = Curves.Png("held-out accuracy", "epoch", "accuracy",
            [("TV prior", [1.0], [0.9512]), ("no prior", [1.0], [0.9634])]);
        // docs:end
        using var png = new Png(chart);
        Assert.Equal(640, png.Width);
    }
}
