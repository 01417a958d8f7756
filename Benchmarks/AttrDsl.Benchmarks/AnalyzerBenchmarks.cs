using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using AttrDsl.Analyzers;
using AttrDsl.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AttrDsl.Benchmarks;

/// <summary>
/// AttrDsl's analyzers on the generator suite's synthetic project (1,000 annotated models in 100 files, each file also
/// holding code that calls forward and ExpectedGradients, for the train-EG data flow): analyzer execution time (Roslyn's
/// per-analyzer telemetry, what -p:ReportAnalyzer=true reports) as a share of the compile (binding every body and
/// emitting, with the generated code) plus the analyzers.
/// </summary>
internal static class AnalyzerBenchmarks
{
    private const int Files = 100, Runs = 3;

    public static IEnumerable<(string Name, string Value)> Run()
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = Enumerable.Range(0, Files).Select(f => CSharpSyntaxTree.ParseText(GeneratorBenchmarks.File(f) + Usage(f), parse, $"/synthetic/Models{f}.cs")).ToArray();
        var input = CSharpCompilation.Create("Synthetic", trees, GeneratorBenchmarks.References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(new ExplainableGenerator()).RunGeneratorsAndUpdateCompilation(input, out var compilation, out _);
        var errors = compilation.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        if (errors > 0) throw new InvalidOperationException($"the synthetic project has {errors} errors");
        ImmutableArray<DiagnosticAnalyzer> analyzers =
            [new PartialModelAnalyzer(), new TensorModuleAnalyzer(), new PriorDeclarationAnalyzer(), new ForwardAnalyzer(), new TrainEgFlagAnalyzer()];

        var compile = new List<double>();
        var analysis = new List<double>();
        var perAnalyzer = new Dictionary<string, double>();
        var reported = 0;
        for (var run = 0; run <= Runs; run++)
        {
            // A fresh compilation each run (nothing bound yet), as in a build.
            var fresh = compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(compilation.SyntaxTrees);
            var sw = Stopwatch.StartNew();
            using (var stream = new MemoryStream())
                if (!fresh.Emit(stream).Success) throw new InvalidOperationException("the synthetic project does not emit");
            var compileSeconds = sw.Elapsed.TotalSeconds;

            var withAnalyzers = fresh.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
                new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
            var result = withAnalyzers.GetAnalysisResultAsync(CancellationToken.None).GetAwaiter().GetResult();
            var analyzerSeconds = result.AnalyzerTelemetryInfo.Values.Sum(t => t.ExecutionTime.TotalSeconds);
            reported = result.GetAllDiagnostics().Length;
            if (run == 0) continue;   // warm-up: JIT of the compiler and the analyzers
            compile.Add(compileSeconds);
            analysis.Add(analyzerSeconds);
            foreach (var (analyzer, telemetry) in result.AnalyzerTelemetryInfo)
                perAnalyzer[analyzer.GetType().Name] = perAnalyzer.GetValueOrDefault(analyzer.GetType().Name) + telemetry.ExecutionTime.TotalSeconds / Runs;
        }
        double c = compile.Average(), a = analysis.Average();
        yield return ("synthetic project: models / files / analyzer diagnostics (its code is correct)", $"{Files * 10} / {Files} / {reported}");
        yield return ($"compile with generated code (bind + emit), mean of {Runs}", $"{c:F2} s");
        yield return ("AttrDsl analyzers, summed execution time (telemetry)", $"{a:F3} s");
        yield return ("**analyzer share of the compile** (analyzers / (compile + analyzers); goal < 5 %)", $"**{100 * a / (c + a):F1} %**");
        foreach (var (name, seconds) in perAnalyzer.OrderByDescending(p => p.Value))
            yield return ($"  {name}", $"{seconds * 1e3:F0} ms");
    }

    // Code that trains and explains the file's first model, so the train-EG analysis has real work (all correct).
    private static string Usage(int f) => string.Create(CultureInfo.InvariantCulture, $$"""

        public static class Use{{f}}
        {
            public static Tensor Explain(Mnist{{f * 10}} model, Tensor x, Tensor y, int n)
            {
                var output = model.forward(x, trainEg: true);
                Tensor sum = model.ExpectedGradients(output, y);
                for (var i = 0; i < n; i++)
                {
                    var again = n > 2 ? model.forward(x, trainEg: true) : output;
                    sum = sum + model.ExpectedGradients(again, y);
                }
                return sum;
            }
        }
        """);
}
