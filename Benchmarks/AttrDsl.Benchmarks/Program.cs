using AttrDsl.Benchmarks;
using AttrDsl.Torch;

// Usage: dotnet run -c Release --project Benchmarks/AttrDsl.Benchmarks [-- [runtime|attribution|priors]... [--threads N]]
// Prints Markdown tables; docs/benchmarks.md keeps the latest results with this command.
if (args is ["--help" or "-h", ..])
{
    Console.WriteLine("""
        AttrDsl benchmarks (ratios are measured in one run, so machine load affects both sides alike).
          runtime       call overhead, 512x512 matmul GFLOP/s, MLP and CNN training steps
          attribution   IG (n = 50, Gauss–Legendre) vs 50 × (forward + backward); peak memory with/without internal batching
          priors        TV-prior training step vs plain step on the MNIST CNN (k = 1)
          --threads N   libtorch intra-op threads (default: all cores)
        With no suite named, all run.
        """);
    return;
}
if (args is ["--peak-ig", var ibs])   // child process of the attribution suite
{
    Console.WriteLine(AttributionBenchmarks.PeakIg(int.Parse(ibs)).ToString(System.Globalization.CultureInfo.InvariantCulture));
    return;
}
var threadsAt = Array.IndexOf(args, "--threads");
var threads = threadsAt >= 0 && threadsAt + 1 < args.Length ? int.Parse(args[threadsAt + 1]) : Environment.ProcessorCount;
var suites = args.Where((a, i) => !a.StartsWith("--") && (threadsAt < 0 || i != threadsAt + 1)).ToHashSet();
if (suites.Count == 0) suites = ["runtime", "attribution", "priors"];
var unknown = suites.Except(["runtime", "attribution", "priors"]).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"unknown suite(s): {string.Join(", ", unknown)}; see --help");
    Environment.Exit(2);
}

torch.set_num_threads(threads);
Console.WriteLine($"AttrDsl benchmarks — libtorch 2.10 CPU, {torch.get_num_threads()} threads, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}");
void Table(string title, IEnumerable<(string Name, string Value)> rows)
{
    Console.WriteLine();
    Console.WriteLine($"### {title}");
    Console.WriteLine();
    Console.WriteLine("| measurement | result |");
    Console.WriteLine("|---|---|");
    foreach (var (name, value) in rows) Console.WriteLine($"| {name} | {value} |");
}
if (suites.Contains("runtime")) Table("Runtime", RuntimeBenchmarks.Run());
if (suites.Contains("attribution")) Table("Attribution", AttributionBenchmarks.Run());
if (suites.Contains("priors")) Table("Attribution priors", PriorBenchmarks.Run());
