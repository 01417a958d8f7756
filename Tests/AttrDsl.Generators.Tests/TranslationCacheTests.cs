using AttrDsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace AttrDsl.Generators.Tests;

/// <summary>
/// The parser keeps the translation of an unedited forward between runs (keystroke cost). What the translation read
/// outside forward's file must still be seen: a block marked [Decomposable] in another file makes the model decomposable.
/// </summary>
public sealed class TranslationCacheTests
{
    private const string Model = """
        using AttrDsl;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        [Explainable]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            private readonly Block block = new();
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(block.forward(x));
        }
        """;

    private const string Block = """
        using AttrDsl;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        ATTRIBUTE
        public partial class Block : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 4);
            public Block() : base("b") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """;

    [Fact]
    public void Marking_a_block_in_another_file_decomposable_reaches_the_unedited_model()
    {
        var before = GeneratorHarness.Compile(("/m/Net.cs", Model), ("/m/Block.cs", Block.Replace("ATTRIBUTE", "")));
        var driver = GeneratorHarness.Driver().RunGenerators(before);
        Assert.DoesNotContain("Decompose(", NetSource(driver));

        var blockTree = before.SyntaxTrees.Single(t => t.FilePath == "/m/Block.cs");
        var after = before.ReplaceSyntaxTree(blockTree, CSharpSyntaxTree.ParseText(Block.Replace("ATTRIBUTE", "[Decomposable]"), GeneratorHarness.ParseOptions, "/m/Block.cs"));
        driver = driver.RunGenerators(after);
        Assert.Contains("CdFunctional.module(block, ", NetSource(driver));

        // And back: the cached translation is not reused once the block loses its mark.
        driver = driver.RunGenerators(before);
        Assert.DoesNotContain("Decompose(", NetSource(driver));
    }

    private static string NetSource(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName.StartsWith("Net", StringComparison.Ordinal)).SourceText.ToString();
}
