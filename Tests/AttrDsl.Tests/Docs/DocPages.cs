namespace AttrDsl.Tests.Docs;

/// <summary>
/// The pages whose C# blocks must compile (README.md, Runtime/README.md — the package's page on NuGet — and every page
/// under docs/), and the tests other than <see cref="DocCodeBlockTests"/> that compile a page's unmarked blocks.
/// </summary>
public static class DocPages
{
    /// <summary>A test that compiles every unmarked C# block of <see cref="Page"/>; its source must name the page.</summary>
    public sealed record Compiler(string Page, string Source, string How);

    /// <summary>Pages whose unmarked blocks are compiled elsewhere, each block on its own.</summary>
    public static readonly Compiler[] CompiledElsewhere =
    [
        new("docs/dsl.md", "Tests/AttrDsl.Generators.Tests/DocsTests.cs", "each block compiled with the generator, the page's usings in front"),
        new("docs/your-model.md", "Tests/AttrDsl.Tests/Docs/YourModelDocTests.cs", "each block is the body of a test, compared with the page"),
        new("docs/visualization.md", "Tests/AttrDsl.Tests/Visualization/VisualizationDocTests.cs", "each block is the body of a test, compared with the page"),
    ];

    /// <summary>The page the tutorial test (.ci/tutorial-test) also builds and runs in a fresh project outside the repository.</summary>
    public const string Tutorial = "docs/getting-started.md";

    /// <summary>Every page in scope, relative to the repository root with '/' separators, in a fixed order.</summary>
    public static IReadOnlyList<string> All()
    {
        var root = DocBlocks.Root();
        var docs = Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'));
        return ["README.md", "Runtime/README.md", .. docs.Order(StringComparer.Ordinal)];
    }
}
