using AttrDsl.OpGen;

// Usage: dotnet run --project tools/OpGen [-- <repo root> [<libtorch_cpu.so>]]
var root = args.Length > 0 ? args[0] : FindRoot(AppContext.BaseDirectory);
var lib = args.Length > 1 ? args[1] : Symbols.DefaultLibrary();
var table = File.ReadAllText(Path.Combine(root, "Runtime", "Native", "ops.tsv"));
try
{
    foreach (var (path, text) in Generator.Generate(table, Symbols.Read(lib)))
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        if (File.Exists(full) && File.ReadAllText(full) == text) { Console.WriteLine($"unchanged {path}"); continue; }
        File.WriteAllText(full, text);
        Console.WriteLine($"wrote     {path}");
    }
    return 0;
}
catch (Exception e) when (e is InvalidOperationException or FormatException or FileNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static string FindRoot(string start)
{
    for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "AttrDsl.sln"))) return d.FullName;
    throw new DirectoryNotFoundException("run from inside the AttrDsl repository or pass its root");
}
