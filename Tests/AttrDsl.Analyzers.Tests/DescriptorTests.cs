using System.Reflection;
using AttrDsl.Analyzers.Diagnostics;
using Microsoft.CodeAnalysis;

namespace AttrDsl.Analyzers.Tests;

/// <summary>Every descriptor: a unique id, a help page that exists in docs/diagnostics, and a row in AnalyzerReleases.Unshipped.md.</summary>
public sealed class DescriptorTests
{
    private static readonly DiagnosticDescriptor[] Descriptors = typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (DiagnosticDescriptor)f.GetValue(null)!).ToArray();

    [Fact]
    public void Ids_are_unique_and_numbered_from_ATTR001()
    {
        var ids = Descriptors.Select(d => d.Id).Order().ToArray();
        Assert.Equal(Enumerable.Range(1, ids.Length).Select(i => $"ATTR{i:000}"), ids);
    }

    [Fact]
    public void Each_help_link_names_a_page_that_exists_and_each_rule_is_tracked()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "AttrDsl.sln"))) root = root.Parent!;
        var releases = File.ReadAllText(Path.Combine(root.FullName, "Analyzers", "AttrDsl.Analyzers", "AnalyzerReleases.Unshipped.md"));
        foreach (var d in Descriptors)
        {
            Assert.EndsWith($"/docs/diagnostics/{d.Id}.md", d.HelpLinkUri);
            var page = File.ReadAllText(Path.Combine(root.FullName, "docs", "diagnostics", d.Id + ".md"));
            Assert.StartsWith($"# {d.Id}: {d.Title}", page);
            Assert.Contains($"{d.Id} | {d.Category} | {d.DefaultSeverity}", releases);
        }
    }
}
