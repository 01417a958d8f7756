using AttrDsl.Benchmarks;
using AttrDsl.Torch;

// Usage: dotnet run -c Release --project Benchmarks/AttrDsl.Benchmarks [-- --threads N]
// Prints a Markdown table; docs/benchmarks.md keeps the latest results with this command.
var threads = args.Length >= 2 && args[0] == "--threads" ? int.Parse(args[1]) : Environment.ProcessorCount;
if (args is ["--help" or "-h", ..])
{
    Console.WriteLine("AttrDsl benchmarks: call overhead, matmul GFLOP/s, MLP and CNN training steps.\n  --threads N   libtorch intra-op threads (default: all cores)");
    return;
}
torch.set_num_threads(threads);
Console.WriteLine($"AttrDsl runtime benchmarks — libtorch 2.10 CPU, {torch.get_num_threads()} threads, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
Console.WriteLine();
Console.WriteLine("| measurement | result |");
Console.WriteLine("|---|---|");
foreach (var (name, value) in RuntimeBenchmarks.Run())
    Console.WriteLine($"| {name} | {value} |");
