using System.Globalization;
using System.Text.RegularExpressions;
using AttrDsl.Cli;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Tests.Visualization;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Cli;

/// <summary><c>attrdsl rank-methods</c> run as the user runs it: the printed ranking, the report and its curve charts, and its bad input.</summary>
[Collection(CliCollection.Name)]
public sealed class RankMethodsCommandTests(CliFixture fixture, ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-rank-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ChildRun Run(params string[] args)
    {
        var run = CliFixture.Run(_dir, args);
        log.WriteLine($"$ attrdsl {string.Join(' ', args)} → exit {run.ExitCode}\nstdout: {run.Output}\nstderr: {run.Error}");
        return run;
    }

    private static readonly string[] Methods = ["integrated gradients", "saliency", "input × gradient", "SmoothGrad", "GradientSHAP", "occlusion"];

    [Fact]
    public void RanksTheSixMethodsAndWritesTheReportWithBothCurveCharts()
    {
        var folder = Path.Combine(_dir, "rank");
        var run = Run("rank-methods", "--checkpoint", fixture.PlainCheckpoint, "--count", "2", "--threads", "1", "--output", folder);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        Assert.DoesNotContain("error:", run.Error);

        // The printed table: one row per method, columns method, six metrics, mean rank; rows by mean rank.
        var rows = run.Output.Split('\n')
            .Select(l => l.Split('│', StringSplitOptions.TrimEntries))
            .Where(c => c.Length == 10 && Methods.Contains(c[1]))
            .Select(c => (Name: c[1], Values: c[2..9].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()))
            .ToList();
        Assert.Equal(Methods.Order(), rows.Select(r => r.Name).Order());
        foreach (var (name, v) in rows)
        {
            Assert.InRange(v[0], 0, 1);    // deletion area of a probability over x ∈ [0, 1]
            Assert.InRange(v[1], 0, 1);    // insertion area
            Assert.InRange(v[2], -1, 1);   // LeRF − MoRF of probabilities
            Assert.InRange(v[3], -1, 1);   // a rank correlation
            Assert.InRange(v[4], 0, 783.0 / 784);       // Gini of 784 values
            Assert.InRange(v[5], 0, Math.Log(784) + 1e-3);   // entropy of 784 values
            Assert.InRange(v[6], 1, 6);    // a mean of ranks among 6
        }
        // Ranks among 6 methods sum to 1 + … + 6 = 21 for every metric (ties share their mean rank), so the mean ranks do too.
        Assert.Equal(21, rows.Sum(r => r.Values[6]), 1);
        Assert.Equal(rows.Select(r => r.Values[6]).Order(), rows.Select(r => r.Values[6]));

        var html = File.ReadAllText(Path.Combine(folder, "report.html"));
        Assert.Contains("Attribution methods ranked by faithfulness", html);
        Assert.Contains("<table", html);
        foreach (var m in Methods) Assert.Contains(System.Net.WebUtility.HtmlEncode(m), html);
        var images = Regex.Matches(html, "<img src=\"data:image/png;base64,([^\"]+)\"").Select(m => Convert.FromBase64String(m.Groups[1].Value)).ToList();
        Assert.Equal(2, images.Count);   // the deletion and the insertion chart
        foreach (var bytes in images)
        {
            using var png = new Png(bytes);
            Assert.Equal((640, 400), (png.Width, png.Height));
            // Each of the six curves is drawn in its palette colour (the chart's first six series colours).
            foreach (var colour in new (byte, byte, byte)[] { (31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189), (140, 86, 75) })
                Assert.True(png.Count(c => c == colour) > 20, $"no curve drawn in {colour}");
        }
    }

    [Fact]
    public void BadInputIsOneLineBeforeAnyWork()
    {
        foreach (var (args, named) in new (string[], string[])[]
        {
            (["rank-methods", "--checkpoint", "/nonexistent/model.safetensors", "--output", Path.Combine(_dir, "r")], ["/nonexistent/model.safetensors"]),
            (["rank-methods", "--checkpoint", fixture.PlainCheckpoint, "--count", "0", "--output", Path.Combine(_dir, "r")], ["--count 0", "from 1 to 200"]),
            (["rank-methods", "--checkpoint", fixture.PlainCheckpoint, "--count", "201", "--output", Path.Combine(_dir, "r")], ["--count 201", "from 1 to 200"]),
            (["rank-methods", "--checkpoint", fixture.PlainCheckpoint, "--output", " "], ["--output"]),
        })
        {
            var run = Run(args);
            var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length == 1, $"expected one error line, got {lines.Length}:\n{run.Error}");
            Assert.StartsWith("error: ", lines[0]);
            foreach (var n in named) Assert.Contains(n, lines[0]);
            Assert.NotEqual(0, run.ExitCode);
            Assert.DoesNotContain("   at ", run.Error + run.Output);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));   // nothing written
    }
}
