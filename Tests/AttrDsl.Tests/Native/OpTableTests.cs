using AttrDsl.OpGen;

namespace AttrDsl.Tests.Native;

/// <summary>The checked-in shim and P/Invoke files must be exactly what tools/OpGen makes from ops.tsv.</summary>
public class OpTableTests
{
    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "AttrDsl.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root not found above " + AppContext.BaseDirectory);
    }

    private static readonly Lazy<IReadOnlyDictionary<string, string>> Symbols_ = new(() => Symbols.Read(Symbols.DefaultLibrary()));

    [Fact]
    public void GeneratedFilesAreUpToDate()
    {
        var root = RepoRoot();
        var table = File.ReadAllText(Path.Combine(root, "Runtime", "Native", "ops.tsv"));
        foreach (var (path, text) in Generator.Generate(table, Symbols_.Value))
        {
            var onDisk = File.ReadAllText(Path.Combine(root, path));
            Assert.True(onDisk == text, $"{path} is stale: run `dotnet run --project tools/OpGen` and commit the result.");
        }
    }

    [Fact]
    public void UnknownOpIsAClearError()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Generator.Generate("no_such_op Tensor\n", Symbols_.Value));
        Assert.Contains("at::_ops::no_such_op", e.Message);
    }

    [Fact]
    public void BadReturnKindNamesTheLine()
    {
        var e = Assert.Throws<FormatException>(() => Generator.Generate("# comment\nmm Matrix\n", Symbols_.Value));
        Assert.Contains("ops.tsv:2", e.Message);
    }

    [Fact]
    public void UnsupportedParameterTypeNamesIt()
    {
        // index.Tensor takes a c10::List<std::optional<Tensor>>, which has no ABI rule (on purpose).
        var e = Assert.Throws<InvalidOperationException>(() => Generator.Generate("index.Tensor Tensor\n", Symbols_.Value));
        Assert.Contains("c10::List", e.Message);
    }

    [Fact]
    public void SplitsTemplateArgumentsAtTopLevelOnly()
    {
        Assert.Equal(["at::Tensor const&", "std::optional<std::tuple<long, long> >", "bool"],
            Generator.SplitTopLevel("at::Tensor const&, std::optional<std::tuple<long, long> >, bool"));
    }
}
