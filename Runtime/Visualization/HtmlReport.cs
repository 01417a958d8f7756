using System.Net;
using System.Text;
using AttrDsl.Checkpoints;

namespace AttrDsl.Visualization;

/// <summary>
/// A self-contained HTML report: headings, paragraphs, tables and PNG figures in one file that opens offline. Images are
/// embedded as <c>data:</c> URIs, the CSS is inline, there is no script, and all text is HTML-escaped.
/// </summary>
/// <remarks>
/// Every heading gets an anchor (<c>id</c>, a slug of its text, made unique with -2, -3, …) and a link to itself; a
/// table of contents of the level-2 and level-3 headings follows the title (<see cref="TableOfContents"/>). The page
/// reads on a phone: tables scroll sideways inside their own box, figures shrink to the screen's width and wrap with
/// their captions beneath them, and <see cref="FigureRow(string, IEnumerable{ValueTuple{string, byte[]}})"/> labels a
/// row of figures as a whole, so no text has to refer to "the top row".
/// </remarks>
/// <example>
/// <code>
/// new HtmlReport("MNIST with a total-variation prior")
///     .Heading("Robustness")
///     .Table(["noise", "accuracy"], [["0.0", "98.9 %"], ["0.1", "97.2 %"]], caption: "salt-and-pepper noise")
///     .FigureRow("TV prior model", [("input", HeatMaps.Image(x)), ("IG", HeatMaps.Png(ig))])
///     .Save("out/report.html");
/// </code>
/// </example>
public sealed class HtmlReport
{
    private readonly StringBuilder _body = new();
    private readonly List<(int Level, string Text, string Id)> _headings = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private int _figures;

    /// <summary>A report whose page title and first heading are <paramref name="title"/>.</summary>
    public HtmlReport(string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        Title = title;
    }

    /// <summary>The report's title.</summary>
    public string Title { get; }

    /// <summary>How many images the report embeds so far.</summary>
    public int ImageCount => _figures;

    /// <summary>
    /// Whether <see cref="ToHtml"/> puts a table of contents after the title: a nested list of links to the level-2 and
    /// level-3 headings (true by default; the list appears only when there is at least one such heading).
    /// </summary>
    public bool TableOfContents { get; set; } = true;

    /// <summary>
    /// A heading of <paramref name="level"/> 1–6 (2 by default: the title is the only level 1), with an anchor: its
    /// <c>id</c> is a slug of the text (lower-case letters and digits joined by hyphens; "-2", "-3" … for repeats) and
    /// it carries a "#" link to itself. Levels 2 and 3 are listed in the table of contents.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is outside 1..6.</exception>
    public HtmlReport Heading(string text, int level = 2)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (level is < 1 or > 6) throw new ArgumentOutOfRangeException(nameof(level), level, $"HtmlReport.Heading: level {level}; a heading level is 1 to 6 (the report's title is the level-1 heading)");
        var id = UniqueId(Slug(text));
        _headings.Add((level, text, id));
        _body.Append("<h").Append(level).Append(" id=\"").Append(id).Append("\">").Append(Escape(text))
             .Append(" <a class=\"anchor\" href=\"#").Append(id).Append("\" aria-label=\"link to this section\">#</a></h").Append(level).Append(">\n");
        return this;
    }

    /// <summary>A paragraph of plain text (escaped; line breaks kept).</summary>
    public HtmlReport Paragraph(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _body.Append("<p>").Append(Escape(text).Replace("\n", "<br>\n")).Append("</p>\n");
        return this;
    }

    /// <summary>
    /// A table; cells that look like numbers are right-aligned. Rows may be shorter than the header (padded). The table
    /// sits in a box that scrolls sideways when the table is wider than the screen, so the page itself never does.
    /// </summary>
    public HtmlReport Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        _body.Append("<div class=\"table-wrap\"><table>\n");
        if (caption is not null) _body.Append("<caption>").Append(Escape(caption)).Append("</caption>\n");
        _body.Append("<thead><tr>");
        foreach (var h in headers) _body.Append("<th>").Append(Escape(h ?? "")).Append("</th>");
        _body.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            ArgumentNullException.ThrowIfNull(row, nameof(rows));
            if (row.Count > headers.Count)
                throw new ArgumentException($"a row has {row.Count} cells but the table has {headers.Count} columns", nameof(rows));
            _body.Append("<tr>");
            for (var i = 0; i < headers.Count; i++)
            {
                var cell = i < row.Count ? row[i] ?? "" : "";
                _body.Append(LooksNumeric(cell) ? "<td class=\"num\">" : "<td>").Append(Escape(cell)).Append("</td>");
            }
            _body.Append("</tr>\n");
        }
        _body.Append("</tbody>\n</table></div>\n");
        return this;
    }

    /// <summary>One PNG figure with a caption; <paramref name="alt"/> defaults to the caption.</summary>
    public HtmlReport Figure(string caption, byte[] png, string? alt = null)
    {
        ArgumentNullException.ThrowIfNull(caption);
        _body.Append("<div class=\"row\">");
        AppendFigure(caption, png, alt);
        _body.Append("</div>\n");
        return this;
    }

    /// <summary>Several PNG figures side by side (wrapping on narrow screens), each with its caption beneath it.</summary>
    public HtmlReport FigureRow(IEnumerable<(string Caption, byte[] Png)> figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        var list = figures.ToList();
        _body.Append("<div class=\"row\">\n");
        foreach (var (caption, png) in list) AppendFigure(caption ?? "", png, null);
        _body.Append("</div>\n");
        return this;
    }

    /// <summary>
    /// A labelled group of figures: <paramref name="label"/> (e.g. "TV prior model") above several PNG figures side by
    /// side, each with its caption beneath it. On a narrow screen the figures wrap under the label, so the label still
    /// names every figure of the group.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="label"/> or <paramref name="figures"/> is null.</exception>
    /// <exception cref="ArgumentException">A figure is not a PNG.</exception>
    public HtmlReport FigureRow(string label, IEnumerable<(string Caption, byte[] Png)> figures)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(figures);
        var list = figures.ToList();
        _body.Append("<div class=\"figure-group\" role=\"group\" aria-label=\"").Append(Escape(label)).Append("\">\n<p class=\"group-label\">")
             .Append(Escape(label)).Append("</p>\n<div class=\"row\">\n");
        foreach (var (caption, png) in list) AppendFigure(caption ?? "", png, null);
        _body.Append("</div>\n</div>\n");
        return this;
    }

    /// <summary>A preformatted block (escaped): a command line, a log excerpt.</summary>
    public HtmlReport Code(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _body.Append("<pre>").Append(Escape(text)).Append("</pre>\n");
        return this;
    }

    /// <summary>The whole document.</summary>
    public string ToHtml()
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
          .Append("<meta name=\"generator\" content=\"AttrDsl\">\n")
          .Append("<title>").Append(Escape(Title)).Append("</title>\n")
          .Append("<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n<main>\n")
          .Append("<h1>").Append(Escape(Title)).Append("</h1>\n")
          .Append(Contents())
          .Append(_body)
          .Append("</main>\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>Writes the document (UTF-8) to <paramref name="path"/> atomically, creating its directory.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file or its directory cannot be written (e.g. a parent folder is a file).</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Raster.CreateDirectoryOf(path, "HtmlReport.Save");
        var bytes = new UTF8Encoding(false).GetBytes(ToHtml());
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>
    /// Writes the report as a whole folder: <paramref name="files"/> (paths relative to the folder, e.g. <c>png/a.png</c>)
    /// and <see cref="ReportFolder.ReportFile"/>, all or nothing — see <see cref="ReportFolder"/>. An existing report in
    /// <paramref name="folder"/> is replaced; a failure leaves it untouched. Returns the full path of report.html.
    /// </summary>
    /// <param name="folder">The report folder (created if missing).</param>
    /// <param name="files">Further files of the report, e.g. PNGs the page links to; null for none.</param>
    /// <param name="cancellationToken">Cancels the write; nothing is then written.</param>
    /// <exception cref="ArgumentException">A file's path is absolute, leaves the folder or names report.html.</exception>
    /// <exception cref="IOException">The folder cannot be written (<see cref="ReportFolder.Problem"/> says why).</exception>
    public string SaveFolder(string folder, IEnumerable<KeyValuePair<string, byte[]>>? files = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var html = new UTF8Encoding(false).GetBytes(ToHtml());
        var written = ReportFolder.Write(folder, staging =>
        {
            foreach (var (relative, bytes) in files ?? [])
            {
                cancellationToken.ThrowIfCancellationRequested();
                File.WriteAllBytes(Inside(staging, relative), bytes ?? throw new ArgumentException($"the file '{relative}' has no bytes", nameof(files)));
            }
            File.WriteAllBytes(Path.Combine(staging, ReportFolder.ReportFile), html);
        }, cancellationToken);
        return Path.Combine(written, ReportFolder.ReportFile);
    }

    // The full path of a report file inside the staging folder (its folders created); refuses paths that leave it.
    private static string Inside(string staging, string relative)
    {
        ArgumentException.ThrowIfNullOrEmpty(relative);
        var full = Path.GetFullPath(Path.Combine(staging, relative));
        if (Path.IsPathRooted(relative) || !full.StartsWith(staging + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"the report file '{relative}' must be a path inside the report folder, such as png/figure.png", "files");
        if (Path.GetRelativePath(staging, full) == ReportFolder.ReportFile)
            throw new ArgumentException($"the report file '{relative}' would overwrite the report's own {ReportFolder.ReportFile}", "files");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }

    // The table of contents: level-2 headings with their level-3 headings nested under them.
    private string Contents()
    {
        var listed = _headings.Where(h => h.Level is 2 or 3).ToList();
        if (!TableOfContents || listed.Count == 0) return "";
        var sb = new StringBuilder("<nav class=\"toc\" aria-label=\"Contents\">\n<p class=\"toc-title\">Contents</p>\n<ul>\n");
        bool itemOpen = false, subOpen = false;   // the last level-2 item, and a level-3 list inside it
        foreach (var (level, text, id) in listed)
        {
            if (level == 2)
            {
                if (subOpen) sb.Append("</ul>");
                if (itemOpen) sb.Append("</li>\n");
                subOpen = false;
                sb.Append("<li>").Append(Link(id, text));
                itemOpen = true;
                continue;
            }
            if (!subOpen)
            {
                if (!itemOpen) sb.Append("<li>");
                sb.Append("\n<ul>\n");
                itemOpen = subOpen = true;
            }
            sb.Append("<li>").Append(Link(id, text)).Append("</li>\n");
        }
        if (subOpen) sb.Append("</ul>");
        if (itemOpen) sb.Append("</li>\n");
        return sb.Append("</ul>\n</nav>\n").ToString();

        static string Link(string id, string text) => $"<a href=\"#{id}\">{Escape(text)}</a>";
    }

    // A heading's anchor: lower-case letters and digits of any script, everything else collapsed to single hyphens.
    internal static string Slug(string text)
    {
        var sb = new StringBuilder();
        foreach (var c in text.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(c)) sb.Append(char.ToLowerInvariant(c));
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        }
        var slug = sb.ToString().Trim('-');
        return slug.Length == 0 ? "section" : slug;
    }

    private string UniqueId(string slug)
    {
        var id = slug;
        for (var n = 2; !_ids.Add(id); n++) id = $"{slug}-{n}";
        return id;
    }

    /// <summary>HTML-escapes text for element content and attribute values (&amp;, &lt;, &gt;, quotes).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return WebUtility.HtmlEncode(text);
    }

    private void AppendFigure(string caption, byte[] png, string? alt)
    {
        ArgumentNullException.ThrowIfNull(png);
        if (!Raster.IsPng(png))
            throw new ArgumentException($"the figure '{caption}' is not a PNG (it does not start with the PNG signature)", nameof(png));
        _figures++;
        _body.Append("<figure><img src=\"data:image/png;base64,").Append(Convert.ToBase64String(png))
             .Append("\" alt=\"").Append(Escape(alt ?? caption)).Append("\"><figcaption>").Append(Escape(caption))
             .Append("</figcaption></figure>\n");
    }

    private static bool LooksNumeric(string s)
    {
        var t = s.Trim().TrimEnd('%', ' ').Replace("±", "").Replace("×", "").Replace("\u2212", "-");
        return t.Length > 0 && double.TryParse(t.Split(' ')[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
    }

    // One stylesheet for every screen: figures and tables never widen the page (images shrink to the column, tables
    // scroll inside .table-wrap), a figure's caption is exactly as wide as its image (width 0 + min-width 100 %, so a
    // long caption wraps under the image instead of widening the figure), and narrow screens get smaller margins.
    private const string Css = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1b1b1b; background: #fff; margin: 0; }
        main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 1.5rem 4rem; line-height: 1.5; }
        h1 { font-size: 1.8rem; border-bottom: 2px solid #b2182b; padding-bottom: .3rem; }
        h2 { font-size: 1.35rem; margin-top: 2rem; } h3 { font-size: 1.1rem; }
        h1, h2, h3, h4, h5, h6 { scroll-margin-top: .5rem; overflow-wrap: anywhere; }
        a.anchor { color: #bbb; text-decoration: none; font-weight: normal; margin-left: .3rem; }
        a.anchor:hover, a.anchor:focus { color: #b2182b; }
        p, li, figcaption, .group-label, caption { overflow-wrap: anywhere; }
        nav.toc { background: #f7f7f7; border: 1px solid #e2e2e2; border-radius: 4px; padding: .6rem 1rem; margin: 1rem 0 1.5rem; display: inline-block; max-width: 100%; box-sizing: border-box; }
        nav.toc .toc-title { font-weight: 600; margin: 0 0 .3rem; }
        nav.toc ul { margin: 0; padding-left: 1.2rem; } nav.toc li { margin: .15rem 0; }
        nav.toc a { color: #1f5fa8; text-decoration: none; } nav.toc a:hover { text-decoration: underline; }
        .table-wrap { max-width: 100%; overflow-x: auto; margin: 1rem 0; }
        table { border-collapse: collapse; font-variant-numeric: tabular-nums; width: max-content; max-width: none; }
        caption { caption-side: top; text-align: left; font-style: italic; padding-bottom: .3rem; color: #444; }
        th, td { border: 1px solid #ccc; padding: .3rem .7rem; text-align: left; max-width: 24rem; }
        th { background: #f3f3f3; } td.num { text-align: right; white-space: nowrap; }
        tbody tr:nth-child(even) { background: #fafafa; }
        .figure-group { margin: 1.2rem 0; }
        .group-label { font-weight: 600; margin: 0 0 .4rem; padding-left: .5rem; border-left: 3px solid #b2182b; }
        .figure-group > .row { margin-top: .4rem; }
        .row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; margin: 1rem 0; }
        figure { margin: 0; display: flex; flex-direction: column; max-width: 100%; min-width: 0; }
        figure img { display: block; max-width: 100%; height: auto; image-rendering: pixelated; border: 1px solid #ddd; box-sizing: border-box; }
        figcaption { width: 0; min-width: 100%; font-size: .85rem; color: #333; margin-top: .3rem; text-align: center; }
        pre { background: #f6f6f6; padding: .7rem; overflow-x: auto; max-width: 100%; box-sizing: border-box; }
        @media (max-width: 600px) {
          main { padding: .8rem .8rem 3rem; }
          h1 { font-size: 1.4rem; } h2 { font-size: 1.2rem; margin-top: 1.6rem; } h3 { font-size: 1.05rem; }
          .row { gap: .7rem; }
          th, td { padding: .25rem .45rem; } table { font-size: .85rem; }
          nav.toc { display: block; }
          pre { font-size: .8rem; }
        }

        """;
}
