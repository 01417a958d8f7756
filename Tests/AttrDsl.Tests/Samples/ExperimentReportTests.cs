using AttrDsl.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Samples;

/// <summary>
/// The MNIST experiment samples (CdepDecoy, CdepColor, PriorsMnist) run as the user runs them, from their own build
/// output in a child process, on a few hundred digits: each writes report.html into its --report folder (created when
/// missing) with its tables and embedded PNG figures, and prints the path.
/// </summary>
public class ExperimentReportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-experiment-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string[]> Runs => new()
    {
        { "CdepDecoy", ["--train-count", "200", "--test-count", "50", "--epochs", "1", "--hidden", "16", "--methods", "vanilla,cdep"] },
        { "CdepColor", ["--train-count", "200", "--test-count", "50", "--epochs", "1", "--pixels", "2"] },
        { "PriorsMnist", ["--sweep", "--sweep-lambdas", "1e-3", "--val-count", "100", "--test-count", "9700", "--epochs", "1"] },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void ATinyRunWritesAnHtmlReportWithTablesAndFigures(string sample, string[] args)
    {
        var reportDir = Path.Combine(_dir, "html");
        string[] extra = sample == "PriorsMnist" ? ["--output", Path.Combine(_dir, "results.md")] : [];
        var run = ChildProcess.Run(PriorsSyntheticReportTests.SampleDll(sample), _dir, TimeSpan.FromMinutes(5), output,
            [.. args, .. extra, "--threads", "1", "--report", reportDir]);
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}; stderr: {run.Error}");
        var html = Path.Combine(reportDir, "report.html");
        Assert.True(File.Exists(html), $"no {html}; stdout:\n{run.Output}");
        Assert.Contains("report: ", run.Output);
        var text = File.ReadAllText(html);
        Assert.Contains("<img src=\"data:image/png;base64,", text);
        Assert.Contains("<table", text);
    }
}
