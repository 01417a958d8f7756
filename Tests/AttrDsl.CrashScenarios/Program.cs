using AttrDsl.CrashScenarios;

// Usage: AttrDsl.CrashScenarios <scenario>. Prints "EXCEPTION <type>: <message>" and exits 0 when the scenario ends in
// a .NET exception, "OK <detail>" and exits 0 when it completes, exits 2 for an unknown scenario. A libtorch abort
// kills the process (exit 134) before any of that is printed.
if (args.Length != 1 || !Scenarios.All.TryGetValue(args[0], out var scenario))
{
    Console.Error.WriteLine($"usage: AttrDsl.CrashScenarios <{string.Join("|", Scenarios.All.Keys)}>");
    return 2;
}
try
{
    var detail = scenario();
    Console.WriteLine($"OK {detail}");
}
catch (Exception e)
{
    Console.WriteLine($"EXCEPTION {e.GetType().FullName}: {e.Message}");
}
return 0;
