using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace AttrDsl.Generators.Tests.Infrastructure;

/// <summary>One fresh generator run over a compilation, with everything a robustness test asserts on.</summary>
internal sealed record GeneratorCheck(Compilation Input, Compilation Output, GeneratorDriverRunResult Result, IReadOnlyList<Diagnostic> DriverDiagnostics)
{
    // What Roslyn reports when a generator throws (the exception itself is in GeneratorRunResult.Exception).
    private const string GeneratorFailed = "CS8785";

    public static GeneratorCheck Run(Compilation input)
    {
        var driver = GeneratorHarness.Driver(track: false).RunGeneratorsAndUpdateCompilation(input, out var output, out var diagnostics);
        return new GeneratorCheck(input, output, driver.GetRunResult(), diagnostics);
    }

    /// <summary>Why the generator failed (an exception escaped it), or null.</summary>
    public string? Crash()
    {
        if (Result.Results.Single().Exception is { } e) return $"exception {e.GetType().Name}: {e.Message}";
        var failed = DriverDiagnostics.Concat(Result.Diagnostics).FirstOrDefault(d => d.Id == GeneratorFailed);
        return failed is null ? null : failed.ToString();
    }

    /// <summary>The generated trees.</summary>
    public IEnumerable<SyntaxTree> Generated => Result.GeneratedTrees;

    /// <summary>The generated sources, joined (to look for members).</summary>
    public string GeneratedText => string.Concat(Result.GeneratedTrees.Select(t => t.ToString()));

    /// <summary>Errors anywhere in the output, and warnings located in generated code (the user's own warnings are theirs).</summary>
    public IReadOnlyList<Diagnostic> GeneratedProblems()
    {
        var generated = Generated.Select(t => t.FilePath).ToHashSet();
        return Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error
            || d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree.FilePath)).ToList();
    }

    /// <summary>Whether the user's code alone (no generator) has errors; parse errors are checked first because they are cheap.</summary>
    public static bool HasErrors(Compilation input) =>
        input.SyntaxTrees.Any(t => t.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))
        || input.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);

    public static string Describe(IEnumerable<Diagnostic> diagnostics) => string.Join("\n", diagnostics.Take(10).Select(d => d.ToString()));
}
