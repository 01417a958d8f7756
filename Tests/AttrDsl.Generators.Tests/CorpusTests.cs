using AttrDsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttrDsl.Generators.Tests;

/// <summary>
/// The corpus of models written the way TorchSharp users write them (Tests/Models/Corpus): compiled together with the
/// generator, the output compilation must be clean and every model must get its decomposition and a layer map.
/// </summary>
public sealed class CorpusTests
{
    private static readonly string CorpusDirectory = Path.Combine(AppContext.BaseDirectory, "Models", "Corpus");

    // CS1701/CS1702 (assembly-version unification: TorchSharp is built against .NET 8's System.Runtime.Numerics) are
    // suppressed by the .NET SDK in every real build; the in-memory compilation reports them.
    private static List<Diagnostic> Problems(Compilation c) => GeneratorHarness.Problems(c).Where(d => d.Id is not ("CS1701" or "CS1702")).ToList();

    private static (Compilation Output, GeneratorDriverRunResult Result, CSharpCompilation Input) Run()
    {
        var files = Directory.GetFiles(CorpusDirectory, "*.cs").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        var compilation = GeneratorHarness.Compile([.. files.Select(f => ($"/corpus/{Path.GetFileName(f)}", File.ReadAllText(f)))]);
        var (output, result) = GeneratorHarness.Run(compilation);
        return (output, result, compilation);
    }

    // Every annotated class of the corpus, with whether it is a whole model ([Explainable]) or a block ([Decomposable]).
    public static TheoryData<string, bool> Models()
    {
        var data = new TheoryData<string, bool>();
        foreach (var file in Directory.GetFiles(CorpusDirectory, "*.cs").OrderBy(f => f, StringComparer.Ordinal))
        {
            var root = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();
            foreach (var c in root.DescendantNodes().OfType<ClassDeclarationSyntax>())
            {
                var attributes = c.AttributeLists.SelectMany(l => l.Attributes).Select(a => a.Name.ToString()).ToList();
                if (attributes.Contains("Explainable")) data.Add(c.Identifier.ValueText, true);
                else if (attributes.Contains("Decomposable")) data.Add(c.Identifier.ValueText, false);
            }
        }
        return data;
    }

    [Fact]
    public void The_corpus_has_at_least_twenty_models()
    {
        Assert.True(Models().Count(m => (bool)m[1]) >= 20);
    }

    [Fact]
    public void The_corpus_compiles_without_generator_diagnostics_or_compile_problems()
    {
        var (output, result, input) = Run();
        var own = Problems(input);   // the models themselves are valid C#
        Assert.True(own.Count == 0, string.Join("\n", own.Select(p => p.ToString())));
        Assert.Empty(result.Diagnostics);
        var problems = Problems(output);
        Assert.True(problems.Count == 0, string.Join("\n", problems.Select(p => p.ToString())));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Each_model_gets_its_decomposition_and_a_layer_map(string model, bool explainable)
    {
        var (output, result, _) = Run();
        var diagnostics = result.Diagnostics.Where(d => d.GetMessage().Contains(model, StringComparison.Ordinal)).ToList();
        Assert.True(diagnostics.Count == 0, string.Join("\n", diagnostics));
        var type = output.GetTypeByMetadataName($"AttrDsl.Tests.Models.Corpus.{model}");
        Assert.NotNull(type);
        var decompose = type!.GetMembers("Decompose").OfType<IMethodSymbol>()
            .Where(m => m.Parameters.Length == 1 && m.Parameters[0].Type.Name == "Decomposition").ToList();
        var cd = type.GetMembers("ContextualDecomposition").OfType<IMethodSymbol>().Where(m => m.Parameters.Length == 2).ToList();
        // A token model has no Decompose(Decomposition) (its input is token indices), only ContextualDecomposition(tokens, mask).
        Assert.True(decompose.Count == 1 || cd.Count == 1, $"{model} has neither Decompose(Decomposition) nor ContextualDecomposition(x, mask)");
        if (!explainable) return;
        Assert.Single(cd);
        var layer = type.GetTypeMembers("Layer").SingleOrDefault();
        Assert.NotNull(layer);
        var layers = layer!.GetMembers().Where(m => m.IsStatic && m is IPropertySymbol { Type.Name: "Layer" } or IMethodSymbol { ReturnType.Name: "Layer", MethodKind: MethodKind.Ordinary, Name: not "At" }).ToList();
        Assert.NotEmpty(layers);
        foreach (var name in new[] { "ForwardTo", "ForwardFrom", "ListLayers", "Explain" })
            Assert.NotEmpty(type.GetMembers(name));
    }
}
