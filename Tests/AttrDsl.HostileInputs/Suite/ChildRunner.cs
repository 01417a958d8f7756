using System.Diagnostics;
using System.Text;

namespace AttrDsl.HostileInputs;

/// <summary>One run of one case as the parent saw it.</summary>
public sealed record CaseRun(string Area, string Id, Outcome Outcome, string Detail)
{
    public string EntryPoint => Id.Split('/')[2];
}

/// <summary>
/// The parent side: runs each area in a child process (<c>dotnet AttrDsl.HostileInputs.dll --area X --from N</c>), reads
/// START/RESULT lines, records a case whose child died (or hung) after START as <see cref="Outcome.Death"/> and restarts
/// the child from the next case.
/// </summary>
public static class ChildRunner
{
    public static TimeSpan CaseTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public static List<CaseRun> RunArea(string dll, string area, Action<string>? log = null)
    {
        var runs = new List<CaseRun>();
        var from = 0;
        while (true)
        {
            var (done, next) = RunChild(dll, area, from, runs, log);
            if (done) return runs;
            from = next;
        }
    }

    private static (bool Done, int Next) RunChild(string dll, string area, int from, List<CaseRun> runs, Action<string>? log)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--area", area, "--from", from.ToString() }) start.ArgumentList.Add(a);
        using var child = Process.Start(start)!;
        var stderr = new StringBuilder();
        child.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        child.BeginErrorReadLine();
        string? pending = null;
        var pendingIndex = from;
        while (true)
        {
            var read = child.StandardOutput.ReadLineAsync();
            if (!read.Wait(CaseTimeout))
            {
                try { child.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                runs.Add(new CaseRun(area, pending ?? $"{area}/{pendingIndex:D3}/?/?", Outcome.Death, $"hung: no result within {CaseTimeout.TotalSeconds:F0} s"));
                return (false, pendingIndex + 1);
            }
            var line = read.Result;
            if (line is null)
            {
                child.WaitForExit();
                if (pending is null) return (true, 0);
                string tail;
                lock (stderr) tail = string.Join(" ⏎ ", stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3));
                runs.Add(new CaseRun(area, pending, Outcome.Death, $"the process died (exit {child.ExitCode}): {Evaluator.OneLine(tail)}"));
                return (false, pendingIndex + 1);
            }
            if (line.StartsWith("START ", StringComparison.Ordinal))
            {
                pending = line[6..];
                pendingIndex = int.Parse(pending.Split('/')[1]);
            }
            else if (line.StartsWith("RESULT ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', 4);
                runs.Add(new CaseRun(area, parts[1], Enum.Parse<Outcome>(parts[2], ignoreCase: true), parts.Length > 3 ? parts[3] : ""));
                log?.Invoke(line);
                pending = null;
            }
        }
    }

    /// <summary>Runs every area (sequentially: the machine is small).</summary>
    public static List<CaseRun> RunAll(string dll, Action<string>? log = null) =>
        CaseCatalog.Areas.SelectMany(a => RunArea(dll, a, log)).ToList();

    public static string Table(IReadOnlyList<CaseRun> runs)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| area | clear | correct | unclear | silent | death | total |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        string Row(string name, IEnumerable<CaseRun> rs)
        {
            var l = rs.ToList();
            int N(Outcome o) => l.Count(r => r.Outcome == o);
            return $"| {name} | {N(Outcome.Clear)} | {N(Outcome.Correct)} | {N(Outcome.Unclear)} | {N(Outcome.Silent)} | {N(Outcome.Death)} | {l.Count} |";
        }
        foreach (var area in runs.Select(r => r.Area).Distinct()) sb.AppendLine(Row(area, runs.Where(r => r.Area == area)));
        sb.AppendLine(Row("**total**", runs));
        return sb.ToString();
    }

    public static string Offenders(IReadOnlyList<CaseRun> runs)
    {
        var sb = new StringBuilder();
        foreach (var r in runs.Where(r => r.Outcome is not (Outcome.Clear or Outcome.Correct)))
            sb.AppendLine($"- {r.Outcome.ToString().ToLowerInvariant()} `{r.Id}` ({r.EntryPoint}): {r.Detail}");
        return sb.ToString();
    }
}
