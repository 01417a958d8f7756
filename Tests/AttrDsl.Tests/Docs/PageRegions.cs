using System.Text.RegularExpressions;

namespace AttrDsl.Tests.Docs;

/// <summary>
/// Pages whose examples are the bodies of tests: each unmarked C# block of the page is the code between
/// <c>// docs:begin N</c> and <c>// docs:end</c> of the test file (N counting the page's blocks from 1), so the page shows
/// exactly what the tests run.
/// </summary>
public static class PageRegions
{
    /// <summary>Fails unless <paramref name="page"/>'s unmarked C# blocks and <paramref name="testFile"/>'s regions hold the same code.</summary>
    /// <param name="page">The page, relative to the repository root (e.g. docs/your-model.md).</param>
    /// <param name="testFile">The test source, relative to the repository root.</param>
    public static void AssertSameCode(string page, string testFile)
    {
        var root = DocBlocks.Root();
        var lines = File.ReadAllLines(Path.Combine(root, page));
        var blocks = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp") continue;
            var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            if (i == 0 || lines[i - 1].Trim() != "<!-- fragment -->") blocks.Add(Normalize(lines[(i + 1)..end]));
            i = end;
        }
        var source = File.ReadAllText(Path.Combine(root, testFile));
        var regions = Regex.Matches(source, @"// docs:begin (\d+)\r?\n(.*?)\r?\n\s*// docs:end", RegexOptions.Singleline)
            .ToDictionary(m => int.Parse(m.Groups[1].Value), m => Normalize(m.Groups[2].Value.Split('\n')));
        Assert.True(blocks.Count == regions.Count, $"{page} has {blocks.Count} unmarked C# blocks but {testFile} has {regions.Count} docs:begin regions");
        for (var k = 0; k < blocks.Count; k++)
            Assert.True(blocks[k] == regions[k + 1], $"block {k + 1} of {page} differs from the test's code:\n{blocks[k]}\n---\n{regions[k + 1]}");
    }

    // Usings stay out of the comparison (the test file has them at its top); indentation and blank lines do not count.
    private static string Normalize(IEnumerable<string> lines) =>
        string.Join("\n", lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("using ", StringComparison.Ordinal)));
}
