using System.Text.RegularExpressions;
using AttrDsl.Visualization;

namespace AttrDsl.Tests.Visualization;

public class HtmlReportTests
{
    private static byte[] SmallPng(float v)
    {
        using var m = full(2, 3, v);
        return HeatMaps.Png(m, ColorMap.Diverging, scale: 2);
    }

    [Fact]
    public void Text_is_escaped_everywhere()
    {
        const string evil = "<script>alert('x')</script> & \"q\"";
        var html = new HtmlReport("T <b>")
            .Heading(evil)
            .Paragraph(evil)
            .Table([evil, "n"], [[evil, "1.5"]], caption: evil)
            .Figure(evil, SmallPng(1), alt: evil)
            .FigureRow([(evil, SmallPng(-1))])
            .Code(evil)
            .ToHtml();
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;", html);
        Assert.Contains("<title>T &lt;b&gt;</title>", html);
        // Every quote inside an attribute is escaped: alt="..." holds no raw quote.
        foreach (Match m in Regex.Matches(html, "alt=\"([^\"]*)\"")) Assert.DoesNotContain("<", m.Groups[1].Value);
    }

    [Fact]
    public void Every_image_is_embedded_and_nothing_is_fetched()
    {
        var pngs = new[] { SmallPng(1), SmallPng(-1), SmallPng(0.5f) };
        var report = new HtmlReport("r").Figure("one", pngs[0]).FigureRow([("two", pngs[1]), ("three", pngs[2])]);
        var html = report.ToHtml();
        Assert.Equal(3, report.ImageCount);
        var srcs = Regex.Matches(html, "<img [^>]*src=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, srcs.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.StartsWith("data:image/png;base64,", srcs[i]);
            Assert.Equal(pngs[i], Convert.FromBase64String(srcs[i]["data:image/png;base64,".Length..]));
        }
        // Self-contained: no external references at all.
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("@import", html);
        Assert.Contains("<style>", html);
    }

    [Fact]
    public void Table_has_headers_rows_and_caption()
    {
        var html = new HtmlReport("r").Table(["noise", "accuracy"], [["0.0", "98.9 %"], ["0.1"]], "salt and pepper").ToHtml();
        Assert.Contains("<caption>salt and pepper</caption>", html);
        Assert.Contains("<th>noise</th><th>accuracy</th>", html);
        Assert.Contains("<tr><td class=\"num\">0.0</td><td class=\"num\">98.9 %</td></tr>", html);
        Assert.Contains("<tr><td class=\"num\">0.1</td><td></td></tr>", html);
        // Wrapped in a box that scrolls sideways, so a wide table never widens the page on a phone.
        Assert.Contains("<div class=\"table-wrap\"><table>", html);
        Assert.Contains(".table-wrap { max-width: 100%; overflow-x: auto;", html);
        Assert.Throws<ArgumentException>(() => new HtmlReport("r").Table(["a"], [["1", "2"]]));
    }

    [Fact]
    public void Not_a_png_is_refused_and_heading_levels_are_checked()
    {
        Assert.Throws<ArgumentException>(() => new HtmlReport("r").Figure("f", [1, 2, 3, 4, 5, 6, 7, 8, 9]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HtmlReport("r").Heading("h", 7));
        Assert.Contains("<h3 id=\"h\">h <a class=\"anchor\" href=\"#h\"", new HtmlReport("r").Heading("h", 3).ToHtml());
    }

    [Fact]
    public void Save_is_atomic_utf8_and_creates_the_directory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "attrdsl-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var report = new HtmlReport("Straße λ").Paragraph("ü").Figure("f", SmallPng(1));
            var path = Path.Combine(dir, "nested", "report.html");
            report.Save(path);
            var bytes = File.ReadAllBytes(path);
            Assert.False(bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB, "no BOM");
            Assert.Equal(report.ToHtml(), File.ReadAllText(path));
            Assert.Contains("<meta charset=\"utf-8\">", File.ReadAllText(path));
            report.Paragraph("second").Save(path);
            Assert.Contains("second", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_table_of_contents_links_every_level_2_and_3_heading_to_its_unique_anchor()
    {
        var report = new HtmlReport("r")
            .Heading("Training")
            .Heading("Explanations")
            .Heading("Test digit 0 (label 7)", 3)
            .Heading("Test digit 0 (label 7)", 3)
            .Heading("Details", 4)
            .Heading("Training")
            .Table(["a"], [["1"]]);
        var html = report.ToHtml();
        var ids = Regex.Matches(html, " id=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["training", "explanations", "test-digit-0-label-7", "test-digit-0-label-7-2", "details", "training-2"], ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());

        var nav = Regex.Match(html, "<nav class=\"toc\".*?</nav>", RegexOptions.Singleline).Value;
        var links = Regex.Matches(nav, "href=\"#([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["training", "explanations", "test-digit-0-label-7", "test-digit-0-label-7-2", "training-2"], links);   // no level 4
        Assert.All(links, l => Assert.Contains(l, ids));
        // Level 3 entries are nested under their level-2 heading; the list is well formed.
        Assert.Matches("<li><a href=\"#explanations\">Explanations</a>\\s*<ul>\\s*<li><a href=\"#test-digit-0-label-7\">", nav);
        Assert.Equal(Regex.Matches(nav, "<ul>").Count, Regex.Matches(nav, "</ul>").Count);
        Assert.Equal(Regex.Matches(nav, "<li>").Count, Regex.Matches(nav, "</li>").Count);
        // Every heading links to itself; the contents come after the title and before the body.
        Assert.All(ids, id => Assert.Contains($"<a class=\"anchor\" href=\"#{id}\"", html));
        Assert.True(html.IndexOf("</h1>", StringComparison.Ordinal) < html.IndexOf("<nav", StringComparison.Ordinal));
        Assert.True(html.IndexOf("</nav>", StringComparison.Ordinal) < html.IndexOf("<h2", StringComparison.Ordinal));
        Assert.DoesNotContain("<script", html);

        report.TableOfContents = false;
        Assert.DoesNotContain("<nav", report.ToHtml());
        Assert.DoesNotContain("<nav", new HtmlReport("no headings").Paragraph("p").ToHtml());
    }

    [Theory]
    [InlineData("Test digit 0 (label 7)", "test-digit-0-label-7")]
    [InlineData("  Robustness to salt-and-pepper noise ", "robustness-to-salt-and-pepper-noise")]
    [InlineData("Straße λ = 0.5", "straße-λ-0-5")]
    [InlineData("<script>", "script")]
    [InlineData("!!!", "section")]
    [InlineData("", "section")]
    public void Heading_anchors_are_slugs_of_their_text(string text, string slug) => Assert.Equal(slug, HtmlReport.Slug(text));

    [Fact]
    public void A_labelled_figure_row_names_its_figures_even_when_they_wrap()
    {
        var html = new HtmlReport("r").FigureRow("TV prior <model>", [("IG", SmallPng(1)), ("EG", SmallPng(-1))]).ToHtml();
        var group = Regex.Match(html, "<div class=\"figure-group\"[^>]*>.*?</div>\n</div>", RegexOptions.Singleline).Value;
        Assert.Contains("<p class=\"group-label\">TV prior &lt;model&gt;</p>", group);
        Assert.Contains("aria-label=\"TV prior &lt;model&gt;\"", group);
        Assert.Equal(2, Regex.Matches(group, "<figure><img [^>]*><figcaption>").Count);   // each caption right after its image
        Assert.Contains("<figcaption>IG</figcaption>", group);
        Assert.Throws<ArgumentNullException>(() => new HtmlReport("r").FigureRow(null!, [("IG", SmallPng(1))]));
        // The stylesheet keeps pictures crisp and within the screen, and has a narrow-screen section.
        Assert.Contains("image-rendering: pixelated", html);
        Assert.Contains("max-width: 100%", html);
        Assert.Contains("@media (max-width: 600px)", html);
        Assert.DoesNotContain("<script", html);
    }
}
