using System.Text.RegularExpressions;
using AttrDsl.Generators.Tests.Infrastructure;

namespace AttrDsl.Generators.Tests;

/// <summary>
/// The C# blocks of docs/dsl.md compile with the generator, with no error or warning in the generated code, and every
/// annotated model in them gets its decomposition and layer map: the reference page shows only what works.
/// </summary>
public sealed class DocsTests
{
    private const string Usings = "using System;\nusing AttrDsl;\nusing TorchSharp;\nusing TorchSharp.Modules;\nusing static TorchSharp.torch;\n\n";

    public static TheoryData<int> Blocks()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < CodeBlocks().Count; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void A_block_of_the_dsl_page_compiles_and_is_translated(int index)
    {
        var code = CodeBlocks()[index];
        var check = GeneratorCheck.Run(GeneratorHarness.Compile(("/docs/dsl.cs", Usings + code)));
        Assert.Null(check.Crash());
        var problems = check.GeneratedProblems();
        Assert.True(problems.Count == 0, $"block {index} of docs/dsl.md:\n{GeneratorCheck.Describe(problems)}\n{code}");
        var annotated = Regex.Matches(code, @"\[(Explainable|Decomposable)[^\]]*\]\s*public partial class (\w+)").Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
        Assert.NotEmpty(annotated);
        foreach (var (attribute, model) in annotated)
        {
            var generated = check.Generated.Single(t => t.FilePath.EndsWith($"{model}.g.cs", StringComparison.Ordinal)).ToString();
            Assert.True(generated.Contains("ContextualDecomposition(", StringComparison.Ordinal), $"{model} has no decomposition");
            // A residual block keeps its input live to the end, so it may have no split point; a model has some.
            if (attribute == "Explainable") Assert.True(generated.Contains("struct Layer", StringComparison.Ordinal), $"{model} has no layer map");
        }
    }

    // The ```csharp blocks of docs/dsl.md, except those marked <!-- fragment --> on the line before and those headed by
    // the file they are (**Program.cs**): complete programs, compiled as a project by Tests/AttrDsl.Tests/Docs/DocCodeBlockTests.
    private static List<string> CodeBlocks()
    {
        var path = Path.GetFullPath(Path.Combine(GeneratorHarness.ProjectDirectory, "..", "..", "docs", "dsl.md"));
        var lines = File.ReadAllLines(path);
        var blocks = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp" || i > 0 && lines[i - 1].Trim() == "<!-- fragment -->") continue;
            var heading = i == 0 ? -1 : Array.FindLastIndex(lines, i - 1, l => l.Trim().Length > 0);
            if (heading >= 0 && Regex.IsMatch(lines[heading].Trim(), @"^\*\*[A-Za-z0-9_.\-/]+\.cs\*\*$")) continue;
            var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            blocks.Add(string.Join("\n", lines[(i + 1)..end]));
            i = end;
        }
        return blocks;
    }
}
