using AttrDsl.Generators;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace AttrDsl.Analyzers.Tests.Infrastructure;

/// <summary>
/// Runs an analyzer (and a fix) over test code the way a user's project compiles it: .NET 10 reference assemblies from
/// a package (no download), TorchSharp and AttrDsl, and AttrDsl's source generator, so generated members exist.
/// </summary>
internal static class Verify<TAnalyzer> where TAnalyzer : DiagnosticAnalyzer, new()
{
    public const string Usings = """
        using AttrDsl;
        using AttrDsl.Priors;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        """;

    /// <summary>Asserts that <paramref name="source"/> gives exactly <paramref name="expected"/> (spans marked {|ID:...|} or [|...|] in the source).</summary>
    public static Task Analyzer(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest { TestCode = Usings + source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public static Task Fix<TFix>(string source, string fixedSource, int iterations = 1) where TFix : CodeFixProvider, new()
    {
        var test = new FixTest<TFix> { TestCode = Usings + source, FixedCode = Usings + fixedSource, NumberOfFixAllIterations = iterations };
        return test.RunAsync();
    }

    private static void Configure(SolutionState state)
    {
        state.AdditionalReferences.AddRange(Net100.References.All);
        state.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location));
        state.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(AttrDsl.ExplainableAttribute).Assembly.Location));
    }

    private sealed class AnalyzerTest : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public AnalyzerTest()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");   // no package: Net100.References below instead
            Configure(TestState);
            TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        }

        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(ExplainableGenerator)];

        protected override ParseOptions CreateParseOptions() => new CSharpParseOptions(LanguageVersion.Latest);
    }

    private sealed class FixTest<TFix> : CSharpCodeFixTest<TAnalyzer, TFix, DefaultVerifier> where TFix : CodeFixProvider, new()
    {
        public FixTest()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            Configure(TestState);
            Configure(FixedState);
            Configure(BatchFixedState);
            TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        }

        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(ExplainableGenerator)];

        protected override ParseOptions CreateParseOptions() => new CSharpParseOptions(LanguageVersion.Latest);
    }
}
