using System.Globalization;
using System.Text;
using AttrDsl.Datasets.Synthetic;
using AttrDsl.Visualization;
using Spectre.Console;

namespace AttrDsl.Samples.PriorsSynthetic;

/// <summary>
/// The tables of a report, recorded as the Markdown is written (<see cref="Md"/>), so the HTML report shows exactly the
/// numbers of the Markdown one.
/// </summary>
internal sealed class ReportTables
{
    public List<(string Caption, string[] Header, List<string[]> Rows)> All { get; } = [];

    /// <summary>Records the table under <paramref name="caption"/> and returns it as Markdown.</summary>
    public string Md(string caption, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var list = rows.Select(r => r.ToArray()).ToList();
        All.Add((caption, header.ToArray(), list));
        return Report.Table(header, list);
    }
}

/// <summary>Markdown helpers for the experiment reports.</summary>
internal static class Report
{
    public static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The command line that reproduces this run, as typed in the repository root.</summary>
    public static string Command(string[] args) =>
        "dotnet run -c Release --project Samples/PriorsSynthetic -- " + string.Join(" ", args.Select(Quote));

    private static string Quote(string a) => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./=,:+".Contains(c)) ? a : "'" + a.Replace("'", "'\\''") + "'";

    /// <summary>"mean ± se" with <paramref name="format"/>.</summary>
    public static string MeanSe(IReadOnlyList<double> values, string format = "F3")
    {
        var (m, se) = SyntheticMetrics.MeanAndStandardError(values);
        return $"{m.ToString(format, Inv)} ± {se.ToString(format, Inv)}";
    }

    /// <summary>A p-value for a table.</summary>
    public static string P(double p) => p < 1e-4 ? p.ToString("0.0e+0", Inv) : p.ToString("0.0000", Inv);

    /// <summary>A number for a table.</summary>
    public static string F(double v, string format = "F3") => v.ToString(format, Inv);

    /// <summary>A Markdown table.</summary>
    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var sb = new StringBuilder();
        sb.Append("| ").AppendJoin(" | ", header.Select(Cell)).AppendLine(" |");
        sb.Append('|').AppendJoin("", header.Select(_ => "---|")).AppendLine();
        foreach (var r in rows) sb.Append("| ").AppendJoin(" | ", r.Select(Cell)).AppendLine(" |");
        return sb.ToString();
    }

    /// <summary>A table cell: pipes escaped so they do not split the cell.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|");

    /// <summary>The line after which a report's hand-written notes begin; everything from it on survives regeneration.</summary>
    public const string NotesMarker = "<!-- notes: everything below this line is hand-written and kept when the report is regenerated -->";

    /// <summary>
    /// Writes the generated <paramref name="text"/> to <paramref name="path"/> atomically (a temporary file renamed over it),
    /// keeping the hand-written notes of an existing report (from <see cref="NotesMarker"/> on).
    /// </summary>
    public static void Write(string path, string text)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var notes = NotesMarker + Environment.NewLine;
        if (File.Exists(full))
        {
            var old = File.ReadAllText(full);
            var at = old.IndexOf(NotesMarker, StringComparison.Ordinal);
            if (at >= 0) notes = old[at..];
        }
        var tmp = full + ".tmp";
        File.WriteAllText(tmp, text.TrimEnd() + Environment.NewLine + Environment.NewLine + notes);
        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>
    /// Writes <c>report.html</c> into <paramref name="dir"/> (created if missing): the command, the wall time, the setup
    /// lines, every table of <paramref name="tables"/>, the verdict and the figures; returns its full path.
    /// </summary>
    public static string WriteHtml(string dir, string title, string[] args, double seconds, int seeds, int threads, IEnumerable<string> setup,
        ReportTables tables, string verdict, IReadOnlyList<(string Caption, byte[] Png)> figures)
    {
        var report = new HtmlReport(title)
            .Paragraph($"Made by Samples/PriorsSynthetic on {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", Inv)} UTC; every number below was computed in this run. From the repository root:")
            .Code(Command(args))
            .Paragraph($"Wall time: {seconds.ToString("F0", Inv)} s for {seeds} seeds ({Machine(threads)}).")
            .Heading("Setup");
        foreach (var line in setup) report.Paragraph(line.Replace("**", "").Replace("`", ""));
        report.Heading("Results");
        foreach (var (caption, header, rows) in tables.All) report.Table(header, rows, caption);
        report.Paragraph("Verdict. " + verdict);
        report.Heading("Figures");
        foreach (var (caption, png) in figures) report.Figure(caption, png);
        var path = Path.GetFullPath(Path.Combine(dir, "report.html"));
        report.Save(path);
        return path;
    }

    /// <summary>The setup bullets of a generated Markdown report (the lines of its "## Setup" section), for the HTML report.</summary>
    public static IEnumerable<string> SetupLines(string markdown)
    {
        var lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var start = Array.IndexOf(lines, "## Setup");
        if (start < 0) yield break;
        for (var i = start + 1; i < lines.Length && !lines[i].StartsWith("## ", StringComparison.Ordinal); i++)
            if (lines[i].StartsWith("- ", StringComparison.Ordinal)) yield return lines[i][2..];
    }

    /// <summary>A per-seed curve series: x = seed.</summary>
    public static (string Name, double[] X, double[] Y) PerSeed<T>(string name, IReadOnlyList<T> r, Func<T, int> seed, Func<T, double> value) =>
        (name, r.Select(x => (double)seed(x)).ToArray(), r.Select(value).ToArray());

    /// <summary>A per-feature curve series: x = feature index.</summary>
    public static (string Name, double[] X, double[] Y) PerFeature(string name, double[] phi) =>
        (name, Enumerable.Range(0, phi.Length).Select(i => (double)i).ToArray(), phi);

    /// <summary>The machine, for the report.</summary>
    public static string Machine(int threads) =>
        $"{Environment.ProcessorCount} logical CPUs visible, libtorch threads {threads}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";

    /// <summary>The opening every experiment report shares: title, how to regenerate it, the command, the wall time.</summary>
    public static void Header(System.Text.StringBuilder sb, string title, string[] args, double seconds, int seeds, int threads)
    {
        sb.AppendLine($"# {title}");
        sb.AppendLine();
        sb.AppendLine("Generated by `Samples/PriorsSynthetic`: rerun the command below (from the repository root) to regenerate everything above the hand-written notes at the end, which are kept.");
        sb.AppendLine();
        sb.AppendLine("```sh");
        sb.AppendLine(Command(args));
        sb.AppendLine("```");
        sb.AppendLine();
        sb.AppendLine($"Wall time: **{seconds:F0} s** for {seeds} seeds ({Machine(threads)}).");
        sb.AppendLine();
    }
}

/// <summary>Runs the replicates with a live console table (or, when the output is redirected, one line per replicate and the table at the end).</summary>
internal static class LiveTable
{
    public static void Run(Spectre.Console.Table table, int count, Func<int, string[]> replicate)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        if (Console.IsOutputRedirected)
        {
            for (var i = 0; i < count; i++)
            {
                table.AddRow(replicate(i));
                Console.WriteLine($"replicate {i + 1}/{count} done ({sw.Elapsed.TotalSeconds:F1} s)");
            }
            Spectre.Console.AnsiConsole.Write(table);
            return;
        }
        Spectre.Console.AnsiConsole.Live(table).Start(ctx =>
        {
            for (var i = 0; i < count; i++)
            {
                table.AddRow(replicate(i));
                ctx.Refresh();
            }
        });
    }

}
