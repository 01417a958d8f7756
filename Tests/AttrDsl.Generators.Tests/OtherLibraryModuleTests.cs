using AttrDsl.Generators.Tests.Infrastructure;
using AttrDsl.Generators.Translation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttrDsl.Generators.Tests;

/// <summary>
/// A module from another library (not TorchSharp's, not in the user's source) is left to the runtime's rule registry:
/// the translation calls it through <c>module(m, d)</c>, where a built-in or registered rule decomposes it. A TorchSharp
/// module that has no rule is still refused at compile time (ATTR007), and TorchSharp's transformer encoder is known.
/// </summary>
public sealed class OtherLibraryModuleTests
{
    private const string Library = """
        using TorchSharp;
        using static TorchSharp.torch;
        namespace Vendor.Layers
        {
            public sealed class ChannelsLast : nn.Module<Tensor, Tensor>
            {
                public ChannelsLast() : base(nameof(ChannelsLast)) { }
                public override Tensor forward(Tensor x) => x.permute(0, 2, 3, 1);
            }
        }
        """;

    private static MetadataReference LibraryReference()
    {
        var library = CSharpCompilation.Create("Vendor.Layers", [CSharpSyntaxTree.ParseText(Library, GeneratorHarness.ParseOptions)],
            GeneratorHarness.References, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = library.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    }

    private static TranslationResult Translate(string fields, string body, params MetadataReference[] extra)
    {
        var source = $$"""
            using AttrDsl;
            using TorchSharp;
            using TorchSharp.Modules;
            using static TorchSharp.torch;
            [Explainable]
            public partial class M : nn.Module<Tensor, Tensor>
            {
                {{fields}}
                private readonly Linear fc = nn.Linear(4, 3);
                public M() : base("m") => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    {{body}}
                }
            }
            """;
        var compilation = GeneratorHarness.Compile(("/t/M.cs", source)).AddReferences(extra);
        var tree = compilation.SyntaxTrees.Single();
        var forward = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.ValueText == "forward");
        return ForwardTranslator.Translate(forward, compilation.GetSemanticModel(tree), CancellationToken.None);
    }

    [Fact]
    public void A_module_of_another_library_is_called_through_the_registry()
    {
        var result = Translate("private readonly Vendor.Layers.ChannelsLast last = new();", "return fc.call(last.call(x));", LibraryReference());
        Assert.True(result.Forward is not null, $"not translated: {result.Problem}");
        Assert.Contains("module(last,", result.Forward!.Body);
    }

    [Fact]
    public void TorchSharps_transformer_encoder_is_a_known_module()
    {
        var result = Translate("private readonly TransformerEncoder encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 2);",
            "return fc.call(encoder.call(x.transpose(0, 1)).mean([0]));");
        Assert.True(result.Forward is not null, $"not translated: {result.Problem}");
        Assert.Contains("module(encoder,", result.Forward!.Body);
    }

    [Fact]
    public void A_TorchSharp_module_without_a_rule_is_still_refused()
    {
        var result = Translate("private readonly Softmax softmax = nn.Softmax(1);", "return softmax.call(fc.call(x));");
        Assert.Null(result.Forward);
        Assert.Contains("has no contextual-decomposition rule", result.Problem);
    }
}
