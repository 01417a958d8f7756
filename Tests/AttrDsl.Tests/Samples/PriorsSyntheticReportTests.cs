using AttrDsl.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Samples;

/// <summary>
/// The PriorsSynthetic sample run as the user runs it (its built dll in a child process), with the smallest sizes its
/// command line allows: both experiments keep their Markdown report and also write a self-contained HTML report, with
/// embedded PNG figures, to the --report folder, and print its path.
/// </summary>
public class PriorsSyntheticReportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-priors-synthetic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string[]> Runs => new()
    {
        new[] { "graph", "--seeds", "2", "--epochs", "3", "--k", "2", "--eval-k", "2", "--train", "20", "--test", "40", "--features", "12", "--modules", "3" },
        new[] { "sparsity", "--seeds", "2", "--epochs", "3", "--warmup", "1", "--k", "2", "--eval-k", "2", "--eval-samples", "20", "--train", "40", "--test", "40",
            "--features", "10", "--block-size", "5", "--signal", "2", "--gini-lambdas", "1", "--l1-lambdas", "0.1" },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void ATinyRunWritesTheMarkdownAndAnHtmlReportWithFigures(string[] args)
    {
        var markdown = Path.Combine(_dir, "report.md");
        var reportDir = Path.Combine(_dir, "html");   // does not exist yet: the sample creates it
        var run = ChildProcess.Run(SampleDll(), _dir, TimeSpan.FromMinutes(5), output, [.. args, "--threads", "1", "--output", markdown, "--report", reportDir]);
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}; stderr: {run.Error}");
        Assert.True(File.Exists(markdown), "the Markdown report is still written");
        var html = Path.Combine(reportDir, "report.html");
        Assert.True(File.Exists(html), $"no {html}; stdout:\n{run.Output}");
        Assert.Contains("report.html", run.Output.Replace("\n", ""));
        var text = File.ReadAllText(html);
        Assert.Contains("<img src=\"data:image/png;base64,", text);
        Assert.Contains("<table", text);
        Assert.Contains("Per seed.", text);
    }

    [Fact]
    public void AReportFolderThatIsAFileIsOneLineBeforeTheRun()
    {
        var file = Path.Combine(_dir, "taken");
        File.WriteAllText(file, "");
        var run = ChildProcess.Run(SampleDll(), _dir, TimeSpan.FromMinutes(5), output, "graph", "--seeds", "2", "--epochs", "1", "--output", Path.Combine(_dir, "g.md"), "--report", file);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Error.Trim());
        Assert.Contains("--report", run.Error);
        Assert.False(File.Exists(Path.Combine(_dir, "g.md")));
    }

    private static string SampleDll() => SampleDll("PriorsSynthetic");

    /// <summary>A sample's own build output (Samples/&lt;name&gt;/bin/&lt;configuration&gt;/&lt;tfm&gt;/&lt;name&gt;.dll), in the configuration of these tests.</summary>
    internal static string SampleDll(string name)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));   // …/Tests/AttrDsl.Tests/bin/<configuration>/<tfm>
        var (tfm, configuration) = (here.Name, here.Parent!.Name);
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "AttrDsl.sln"))) root = root.Parent;
        Assert.NotNull(root);
        var dll = Path.Combine(root.FullName, "Samples", name, "bin", configuration, tfm, name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        return dll;
    }
}
