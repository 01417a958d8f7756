using System.Collections.Immutable;
using AttrDsl.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttrDsl.Tests.Docs;

/// <summary>
/// Compiles the files of a documentation example as `dotnet new console` would with the AttrDsl package: the .NET
/// framework, TorchSharp, AttrDsl and SkiaSharp as references (nothing else the test project happens to load), the
/// console template's implicit usings, nullable annotations on, and AttrDsl's source generator run over the sources.
/// </summary>
public static class DocCompiler
{
    // What <ImplicitUsings>enable</ImplicitUsings> adds to a Microsoft.NET.Sdk console project.
    private const string ImplicitUsings =
        "global using global::System;\nglobal using global::System.Collections.Generic;\nglobal using global::System.IO;\n" +
        "global using global::System.Linq;\nglobal using global::System.Net.Http;\nglobal using global::System.Threading;\n" +
        "global using global::System.Threading.Tasks;\n";

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var paths = Directory.EnumerateFiles(framework, "*.dll").Where(IsManaged).ToList();
        paths.Add(typeof(TorchSharp.torch).Assembly.Location);
        paths.Add(typeof(AttrDsl.ExplainableAttribute).Assembly.Location);
        paths.Add(typeof(SkiaSharp.SKBitmap).Assembly.Location);
        return [.. paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    });

    private static bool IsManaged(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Compiles <paramref name="files"/> (path, source) with the generator; returns every error and warning, in the
    /// files or in the generated code, formatted with its file and line.
    /// </summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<(string Path, string Source)> files)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Source, parse, f.Path)).ToList();
        trees.Add(CSharpSyntaxTree.ParseText(ImplicitUsings, parse, "obj/GlobalUsings.g.cs"));
        var program = trees.Any(t => t.GetRoot().ChildNodes().OfType<GlobalStatementSyntax>().Any());
        var compilation = CSharpCompilation.Create("DocExample", trees, References.Value,
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                // The SDK's own defaults (NoWarn 1701;1702: assembly-version unification notes).
                specificDiagnosticOptions: [new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));
        var driver = CSharpGeneratorDriver.Create([new ExplainableGenerator().AsSourceGenerator()], parseOptions: parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        return generatorDiagnostics.Concat(output.GetDiagnostics())
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .ToList();
    }
}
