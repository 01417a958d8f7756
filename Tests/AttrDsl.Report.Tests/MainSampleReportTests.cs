using AttrDsl.Cli;
using Spectre.Console;
using Xunit.Abstractions;

namespace AttrDsl.Report.Tests;

/// <summary>
/// The main sample's own report (attrdsl --quick: trains both models, explains, decomposes) in headless chromium on a
/// desktop and on a phone: no errors, every picture loaded, nothing wider than the window, captions under their images;
/// screenshots kept under artifacts/main-sample/ (report-desktop.png, report-phone.png).
/// </summary>
public class MainSampleReportTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_quick_main_sample_report_opens_cleanly_with_all_its_pictures()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "artifacts", "main-sample");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var log = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(log), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        var path = MainSample.Run(ReportSettings.QuickSizes(folder, seed: 0), console);
        output.WriteLine(log.ToString());
        // 2 digits × (image + 5 methods × 2 models), CD (digit + 2), ACD (digit + 2), 3 curves; on a desktop and on a phone.
        foreach (var viewport in new[] { Viewport.Desktop, Viewport.Phone })
        {
            var check = await Browser.AssertOpensCleanly(path, Path.Combine(folder, $"report-{viewport.Name}.png"), minImages: 2 * 11 + 6 + 3, viewport);
            output.WriteLine($"{viewport.Name}: {check.Images.Count} images; screenshot {check.Screenshot}");
            Assert.Contains("explainable MNIST CNN", check.Title);
            // Rows are labelled, not described as "top row"; every digit and method figure is at least 224 px.
            Assert.Contains(check.Layout.TocLinks, l => l.StartsWith("#test-digit-0", StringComparison.Ordinal));
            Assert.All(check.Images.Where(i => i.Alt.StartsWith("test digit", StringComparison.Ordinal)), i => Assert.True(i.NaturalWidth >= 224, $"{i.Alt}: {i.NaturalWidth} px"));
        }
        var html = File.ReadAllText(path);
        // One row per method, the two models side by side on the row's shared scale, each picture captioned with its model.
        Assert.Contains("<p class=\"group-label\">integrated gradients: TV prior model | no-prior model</p>", html);
        Assert.Contains("<figcaption>TV prior model</figcaption>", html);
        Assert.Contains("<figcaption>no-prior model</figcaption>", html);
        Assert.DoesNotContain("top row", html);
    }
}
