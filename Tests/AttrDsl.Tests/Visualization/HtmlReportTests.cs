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
        Assert.Throws<ArgumentException>(() => new HtmlReport("r").Table(["a"], [["1", "2"]]));
    }

    [Fact]
    public void Not_a_png_is_refused_and_heading_levels_are_checked()
    {
        Assert.Throws<ArgumentException>(() => new HtmlReport("r").Figure("f", [1, 2, 3, 4, 5, 6, 7, 8, 9]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HtmlReport("r").Heading("h", 7));
        Assert.Contains("<h3>h</h3>", new HtmlReport("r").Heading("h", 3).ToHtml());
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
}
