namespace AttrDsl.Tests.Docs;

/// <summary>
/// Every C# block of the documentation compiles in a test or is marked as an excerpt. A block headed by a bold file name
/// (<c>**Program.cs**</c>) is part of an example project compiled here as written, with AttrDsl's generator, as a fresh
/// console project would compile it: the blocks naming the same file are joined in order, and a name with a folder
/// (<c>**Other/Program.cs**</c>) belongs to a second project of the page. A block after <c>&lt;!-- fragment --&gt;</c> is an
/// excerpt. Any other block must be on a page that another test compiles block by block (<see cref="DocPages.CompiledElsewhere"/>).
/// </summary>
public class DocCodeBlockTests
{
    [Fact]
    public void EveryCSharpBlockIsCompiledByATestOrMarkedAFragment()
    {
        var offenders = new List<string>();
        foreach (var page in DocPages.All())
        {
            var elsewhere = DocPages.CompiledElsewhere.Any(c => c.Page == page);
            foreach (var block in DocBlocks.Read(page).Where(b => b.IsCSharp))
            {
                if (block.Mark == BlockMark.File && !block.File!.EndsWith(".cs", StringComparison.Ordinal))
                    offenders.Add($"{block}: a C# block marked as the file '{block.File}', which is not a .cs file");
                else if (block.Mark == BlockMark.None && page == DocPages.Tutorial)
                    offenders.Add($"{block}: the tutorial's blocks are files of its project: head it with the file it goes in (**Program.cs**)");
                else if (block.Mark == BlockMark.None && !elsewhere)
                    offenders.Add($"{block}: compiled by no test: head it with the file it goes in (**Program.cs**) so that it compiles here, or mark an excerpt with <!-- fragment --> on the line before");
            }
        }
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [Fact]
    public void TheTestsNamedAsCompilingAPageReadIt()
    {
        foreach (var compiler in DocPages.CompiledElsewhere)
        {
            var source = Path.Combine(DocBlocks.Root(), compiler.Source);
            Assert.True(File.Exists(source), $"{compiler.Source} (named as compiling {compiler.Page}) does not exist");
            Assert.Contains(Path.GetFileName(compiler.Page), File.ReadAllText(source));
        }
        Assert.Contains(DocPages.Tutorial, File.ReadAllText(Path.Combine(DocBlocks.Root(), ".ci", "tutorial-test")));
    }

    [Fact]
    public void FileMarksAreFound()
    {
        // The parser itself, on the page that uses every mark: the tutorial's model and program files.
        var files = DocBlocks.Read(DocPages.Tutorial).Where(b => b.Mark == BlockMark.File).Select(b => b.File).Distinct().ToList();
        Assert.Contains("Program.cs", files);
        Assert.Contains("MnistNet.cs", files);
        Assert.Matches(DocBlocks.FileMark(), "**Other/Program.cs**");
        Assert.DoesNotMatch(DocBlocks.FileMark(), "**Note:** Program.cs");
    }

    public static TheoryData<string, string> Projects()
    {
        var data = new TheoryData<string, string>();
        foreach (var page in DocPages.All())
            foreach (var project in DocBlocks.Read(page).Where(b => b.IsCSharp && b.Mark == BlockMark.File).Select(b => b.Project).Distinct())
                data.Add(page, project);
        return data;
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void AnExampleProjectCompilesWithoutWarnings(string page, string project)
    {
        var blocks = DocBlocks.Read(page).Where(b => b.IsCSharp && b.Mark == BlockMark.File && b.Project == project).ToList();
        var files = blocks.GroupBy(b => b.File!).Select(g => (g.Key, string.Join("\n", g.Select(b => b.Code)))).ToList();
        var problems = DocCompiler.Problems(files);
        Assert.True(problems.Count == 0,
            $"{page}{(project.Length > 0 ? $" ({project}/)" : "")}: {problems.Count} errors or warnings:\n{string.Join("\n", problems)}\n" +
            $"blocks: {string.Join(", ", blocks.Select(b => $"line {b.Line} ({b.File})"))}");
    }
}
