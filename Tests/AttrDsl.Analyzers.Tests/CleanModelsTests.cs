using System.Collections.Immutable;
using AttrDsl.Generators;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AttrDsl.Analyzers.Tests;

/// <summary>Every analyzer over the annotated test models (Tests/Models, the corpus included) and the samples' models: zero diagnostics.</summary>
public sealed class CleanModelsTests
{
    private static readonly ImmutableArray<DiagnosticAnalyzer> All =
    [
        new PartialModelAnalyzer(), new TensorModuleAnalyzer(), new GenericModelAnalyzer(), new PriorDeclarationAnalyzer(), new ForwardAnalyzer(), new TrainEgFlagAnalyzer(),
    ];

    public static TheoryData<string> Files()
    {
        var root = RepositoryRoot();
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(root, "Tests", "Models"), "*.cs", SearchOption.AllDirectories)) data.Add(Path.GetRelativePath(root, file));
        data.Add(Path.Combine("Samples", "MnistTrain", "MnistNet.cs"));
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task The_model_has_no_diagnostics(string file)
    {
        var path = Path.Combine(RepositoryRoot(), file);
        var tree = CSharpSyntaxTree.ParseText(File.ReadAllText(path), new CSharpParseOptions(LanguageVersion.Latest), path);
        var references = Net100.References.All.Concat(
        [
            MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
            MetadataReference.CreateFromFile(typeof(AttrDsl.ExplainableAttribute).Assembly.Location),
        ]);
        // A corpus model may use a block another corpus file declares (the transformer's encoder layer): its folder compiles together.
        var siblings = Path.GetFileName(Path.GetDirectoryName(path)) == "Corpus"
            ? Directory.GetFiles(Path.GetDirectoryName(path)!, "*.cs").Where(f => f != path)
                .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), new CSharpParseOptions(LanguageVersion.Latest), f))
            : [];
        var compilation = CSharpCompilation.Create("Models", [tree, .. siblings], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(new ExplainableGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);

        Assert.Empty(generated.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var diagnostics = await generated.WithAnalyzers(All).GetAnalyzerDiagnosticsAsync();
        Assert.Empty(diagnostics);
    }

    [Fact]
    public async Task The_analyzers_do_report_on_a_broken_copy_of_a_model()
    {
        // Guards the test above against passing because nothing ran: the same models with their flaws put back.
        var root = RepositoryRoot();
        var source = File.ReadAllText(Path.Combine(root, "Tests", "Models", "MnistNet.cs"))
            .Replace("public partial class MnistNet", "public class MnistNet")
            .Replace("Lambda = 1e-3", "Lambda = -1");
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create("Broken", [tree], Net100.References.All.Concat(
            [MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location), MetadataReference.CreateFromFile(typeof(AttrDsl.ExplainableAttribute).Assembly.Location)]),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var ids = (await compilation.WithAnalyzers(All).GetAnalyzerDiagnosticsAsync()).Select(d => d.Id).Order().ToArray();
        Assert.Equal(["ATTR001", "ATTR009"], ids);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AttrDsl.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("AttrDsl.sln not found above the test binaries");
    }
}
