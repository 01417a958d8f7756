using System.Diagnostics;
using AttrDsl.HostileInputs;

// Usage:
//   --area <name> [--from <index>]   run one area's cases in this process, printing START/RESULT lines
//   --summary                        run every area in child processes of this program; print the table and offenders
//   --list-entry-points              print every entry point the cases name, and the exemptions ("EXEMPT <entry> <reason>")
var arg = (string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
if (args.Contains("--list-entry-points"))
{
    foreach (var e in CaseCatalog.EntryPoints()) Console.WriteLine(e);
    foreach (var (k, v) in Exemptions.Members) Console.WriteLine($"EXEMPT {k} {v}");
    return 0;
}
if (args.Contains("--summary"))
{
    var dll = typeof(Case).Assembly.Location;
    var sw = Stopwatch.StartNew();
    var runs = ChildRunner.RunAll(dll, line => Console.Error.WriteLine(line));
    Console.WriteLine(ChildRunner.Table(runs));
    Console.WriteLine($"{runs.Count} cases in {sw.Elapsed.TotalSeconds:F0} s\n");
    Console.WriteLine(ChildRunner.Offenders(runs));
    return 0;
}
if (arg("--area") is not { } area)
{
    Console.Error.WriteLine($"usage: AttrDsl.HostileInputs --area <{string.Join("|", CaseCatalog.Areas)}> [--from N] | --summary | --list-entry-points");
    return 2;
}
torch.set_num_threads(1);
var from = int.Parse(arg("--from") ?? "0");
var stdout = Console.Out;
Console.SetOut(TextWriter.Null); // progress bars and user code must not interleave with the protocol
foreach (var c in CaseCatalog.Area(area).Skip(from))
{
    stdout.WriteLine($"START {c.Id}");
    stdout.Flush();
    (Outcome, string) result;
    using (var scope = torch.NewDisposeScope())
    {
        torch.manual_seed(0);
        result = Evaluator.Run(c);
    }
    stdout.WriteLine($"RESULT {c.Id} {result.Item1.ToString().ToLowerInvariant()} {result.Item2}");
    stdout.Flush();
}
return 0;
