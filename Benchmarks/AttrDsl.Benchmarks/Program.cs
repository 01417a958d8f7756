using System.Globalization;
using AttrDsl.Benchmarks;
using AttrDsl.Performance;
using AttrDsl.Samples.MnistTrain;
using TorchSharp;

// Usage: dotnet run -c Release --project Benchmarks/AttrDsl.Benchmarks [-- [runtime|attribution|priors|decomposition|models|acd|generator|analyzers|deeplift]... [--threads N]]
// Prints Markdown tables; docs/benchmarks.md keeps the latest results with this command.
// The allocator setting is part of what is measured: every process of the run (children included) tunes it first.
var tuned = Allocator.TuneAllocator();
if (args is ["--help" or "-h", ..])
{
    Console.WriteLine("""
        AttrDsl benchmarks (ratios are measured in one run, so machine load affects both sides alike).
          runtime       call overhead, 512x512 matmul GFLOP/s, MLP and MNIST CNN training steps
          attribution   IG (n = 50, Gauss–Legendre, batch 16) vs one forward + backward of the same 800 rows; peak memory with/without internal batching
          priors        TV-prior training step vs plain step on the MNIST CNN (k = 1)
          decomposition one contextual-decomposition pass vs one forward pass of the MNIST CNN (batch 64)
          models        models you did not write: contextual decomposition vs forward of TorchVision's resnet18 and of a
                        text classifier on TorchSharp's transformer encoder; Grad-CAM at resnet18's "layer4" by name vs a hand split
          surrogates    KernelSHAP (200 coalitions, 4x4 patches) of one digit on the MNIST CNN: batched vs one row per forward
          acd           ACD agglomeration of one 28x28 digit at pixel tiles: candidates scored in batches vs one per pass
          generator     the source generator over 1,000 synthetic models: cold generation, one-keystroke edit re-run
          analyzers     AttrDsl's analyzers on the same project: their execution time as a share of the compile
          deeplift      DeepLift on the MNIST CNN (batch 64) vs one forward + backward of the same batch (not run by default)
          --threads N   libtorch intra-op threads (default: all cores)
        With no suite named, all but deeplift run.
        """);
    return 0;
}

var threadsAt = Array.IndexOf(args, "--threads");
var threads = Environment.ProcessorCount;
if (threadsAt >= 0)
{
    if (threadsAt + 1 >= args.Length || !int.TryParse(args[threadsAt + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out threads))
        return Fail("--threads needs a whole number after it, e.g. --threads 2");
    if (CommandLineChecks.Threads(threads) is { } problem) return Fail(problem);
}
torch.set_num_threads(threads);   // validated above: 0 would terminate the process

if (args is ["--peak-ig", var ibs, ..])   // child process of the attribution suite
{
    Console.WriteLine(AttributionBenchmarks.PeakIg(int.Parse(ibs, CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture));
    return 0;
}
var suites = args.Where((a, i) => !a.StartsWith("--") && (threadsAt < 0 || i != threadsAt + 1)).ToHashSet();
if (suites.Count == 0) suites = ["runtime", "attribution", "priors", "decomposition", "models", "acd", "surrogates", "generator", "analyzers"];
var unknown = suites.Except(["runtime", "attribution", "priors", "decomposition", "models", "acd", "surrogates", "generator", "analyzers", "deeplift"]).ToList();
if (unknown.Count > 0) return Fail($"unknown suite(s): {string.Join(", ", unknown)}; name runtime, attribution, priors, decomposition, models, acd, surrogates, generator, analyzers or deeplift (see --help)");
if (args.FirstOrDefault(a => a.StartsWith("--") && a != "--threads") is { } option) return Fail($"unknown option {option}; see --help");

ChildProcess.ExtraArguments = ["--threads", threads.ToString(CultureInfo.InvariantCulture)];
Console.WriteLine($"AttrDsl benchmarks — TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)}, libtorch CPU, {torch.get_num_threads()} threads, " +
    $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, allocator {(tuned ? "tuned (mallopt 1 GiB)" : "glibc default")}, {DateTime.UtcNow:yyyy-MM-dd}");
if (suites.Contains("runtime")) Table("Runtime", RuntimeBenchmarks.Run());
if (suites.Contains("attribution")) Table("Attribution", AttributionBenchmarks.Run());
if (suites.Contains("deeplift")) Table("DeepLift", DeepLiftBenchmarks.Run());
if (suites.Contains("priors")) Table("Attribution priors", PriorBenchmarks.Run());
if (suites.Contains("decomposition")) Table("Contextual decomposition", DecompositionBenchmarks.Run());
if (suites.Contains("models"))
{
    Table("Models you did not write: contextual decomposition", ModelDecompositionBenchmarks.Run());
    Table("Models you did not write: Grad-CAM by module path", GradCamByNameBenchmarks.Run());
}
if (suites.Contains("acd")) Table("ACD agglomeration", AcdBenchmarks.Run());
if (suites.Contains("surrogates")) Table("Surrogate methods", SurrogateBenchmarks.Run());
if (suites.Contains("generator")) Table("Source generator", GeneratorBenchmarks.Run());
if (suites.Contains("analyzers")) Table("Analyzers", AnalyzerBenchmarks.Run());
return 0;

static void Table(string title, IEnumerable<(string Name, string Value)> rows)
{
    Console.WriteLine();
    Console.WriteLine($"### {title}");
    Console.WriteLine();
    Console.WriteLine("| measurement | result |");
    Console.WriteLine("|---|---|");
    foreach (var (name, value) in rows) Console.WriteLine($"| {name} | {value} |");
}

static int Fail(string message)
{
    Console.Error.WriteLine($"error: {message}");
    return 2;
}
