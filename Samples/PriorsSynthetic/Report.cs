using System.Globalization;
using System.Text;
using AttrDsl.Data.Synthetic;
using Spectre.Console;

namespace AttrDsl.Samples.PriorsSynthetic;

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

    /// <summary>The machine, for the report.</summary>
    public static string Machine(int threads) =>
        $"{Environment.ProcessorCount} logical CPUs visible, libtorch threads {threads}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
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
