using AttrDsl.Cli;
using Spectre.Console;
using Xunit.Abstractions;

namespace AttrDsl.Report.Tests;

/// <summary>
/// The main sample's own report (attrdsl --quick: trains both models, explains, decomposes) in headless chromium: no
/// errors, every picture loaded, a screenshot kept under artifacts/.
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
        // 2 digits × (image + 5 methods × 2 models), CD (digit + 2), ACD (digit + 2), 3 curves.
        var check = await Browser.AssertOpensCleanly(path, Path.Combine(folder, "report-screenshot.png"), minImages: 2 * 11 + 6 + 3);
        output.WriteLine($"{check.Images.Count} images; screenshot {check.Screenshot}");
        Assert.Contains("explainable MNIST CNN", check.Title);
    }
}
