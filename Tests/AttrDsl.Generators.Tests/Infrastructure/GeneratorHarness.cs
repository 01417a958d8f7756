using System.Collections.Immutable;
using System.Reflection;
using AttrDsl.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace AttrDsl.Generators.Tests.Infrastructure;

/// <summary>Builds compilations of test sources against the real reference set and runs the generator over them.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    // The framework's assemblies plus TorchSharp and AttrDsl: what a user's project compiles against.
    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(TorchSharp.torch).Assembly.Location);
        paths.Add(typeof(AttrDsl.ExplainableAttribute).Assembly.Location);
        return [.. paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    });

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    /// <summary>The directory of the checked-in test project (baselines are written there).</summary>
    public static string ProjectDirectory { get; } = typeof(GeneratorHarness).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ProjectDirectory").Value!;

    /// <summary>The source of a test model from Tests/Models.</summary>
    public static string ModelSource(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Models", name + ".cs"));

    public static CSharpCompilation Compile(params (string Path, string Source)[] sources) =>
        CSharpCompilation.Create("TestModels",
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Source, ParseOptions, s.Path)),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver(bool track = true) =>
        CSharpGeneratorDriver.Create([new ExplainableGenerator().AsSourceGenerator()], parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

    /// <summary>Runs the generator; returns the compilation with the generated files and the run's result.</summary>
    public static (Compilation Output, GeneratorDriverRunResult Result) Run(CSharpCompilation compilation)
    {
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (output, driver.GetRunResult());
    }

    /// <summary>Errors and warnings of a compilation, excluding nothing: generated code must compile cleanly.</summary>
    public static IReadOnlyList<Diagnostic> Problems(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
}
