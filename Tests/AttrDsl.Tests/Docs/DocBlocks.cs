using System.Text.RegularExpressions;

namespace AttrDsl.Tests.Docs;

/// <summary>How a C# block of a page is marked on the line(s) before it.</summary>
public enum BlockMark
{
    /// <summary>No mark: the block must be compiled by a test that reads the page as a whole (see <see cref="DocPages"/>).</summary>
    None,
    /// <summary><c>&lt;!-- fragment --&gt;</c> on the line before: an excerpt, compiled nowhere.</summary>
    Fragment,
    /// <summary>A line <c>**Program.cs**</c> (a file path in bold) before it: the block is (part of) that file of a project
    /// compiled by <see cref="DocCodeBlockTests"/>.</summary>
    File,
}

/// <summary>One fenced code block of a markdown page.</summary>
/// <param name="Page">The page, relative to the repository root, with '/' separators.</param>
/// <param name="Line">The 1-based line of the opening fence.</param>
/// <param name="Language">The fence's info string ("csharp", "bash", "text", …).</param>
/// <param name="Code">The lines between the fences.</param>
/// <param name="Mark">What marks the block.</param>
/// <param name="File">For <see cref="BlockMark.File"/>, the file path the mark names ("Program.cs", "Other/Program.cs").</param>
public sealed record DocBlock(string Page, int Line, string Language, string Code, BlockMark Mark, string? File)
{
    /// <summary>A C# block (```csharp, ```cs or ```c#).</summary>
    public bool IsCSharp => Language is "csharp" or "cs" or "c#";

    /// <summary>The project a file-marked block belongs to: the folder of its path ("" for the page's main project).</summary>
    public string Project => File is null ? "" : Path.GetDirectoryName(File)!.Replace('\\', '/');

    public override string ToString() => $"{Page}:{Line}";
}

/// <summary>Reads the fenced code blocks of markdown pages, with the marks the docs use.</summary>
public static partial class DocBlocks
{
    /// <summary>The file mark: a line that is only a bold file path such as <c>**MnistNet.cs**</c> or <c>**Other/Program.cs**</c>.</summary>
    [GeneratedRegex(@"^\*\*(?<path>[A-Za-z0-9_.\-/]+\.[A-Za-z]+)\*\*$")]
    public static partial Regex FileMark();

    /// <summary>The repository root (the folder with AttrDsl.sln above this source file).</summary>
    public static string Root([System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", "..", ".."));

    /// <summary>Every fenced block of <paramref name="page"/> (relative to the repository root).</summary>
    public static List<DocBlock> Read(string page)
    {
        var lines = System.IO.File.ReadAllLines(Path.Combine(Root(), page));
        var blocks = new List<DocBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            var open = lines[i].Trim();
            if (!open.StartsWith("```", StringComparison.Ordinal) || open.Length == 3) continue;
            var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            if (end < 0) throw new InvalidDataException($"{page}:{i + 1}: the code block is never closed");
            var previous = i - 1;
            while (previous >= 0 && lines[previous].Trim().Length == 0) previous--;
            var mark = BlockMark.None;
            string? file = null;
            if (i > 0 && lines[i - 1].Trim() == "<!-- fragment -->") mark = BlockMark.Fragment;
            else if (previous >= 0 && FileMark().Match(lines[previous].Trim()) is { Success: true } m)
                (mark, file) = (BlockMark.File, m.Groups["path"].Value);
            blocks.Add(new DocBlock(page, i + 1, open[3..].Trim(), string.Join("\n", lines[(i + 1)..end]), mark, file));
            i = end;
        }
        return blocks;
    }
}
