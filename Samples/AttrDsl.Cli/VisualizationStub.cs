// TEMPORARY: the contract of AttrDsl.Visualization (branch i11-vis) so this project builds before that branch is
// merged; deleted by the merge. Produces placeholder 1×1 PNGs and a plain HTML page.
using System.Net;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Visualization;

internal sealed class ColorMap
{
    public static ColorMap Diverging { get; } = new();
    public static ColorMap Sequential { get; } = new();
    public static ColorMap Grey { get; } = new();
}

internal static class HeatMaps
{
    internal static readonly byte[] Placeholder = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");
    public static byte[] Png(Tensor map, ColorMap? colorMap = null, int scale = 8, double percentile = 99) => Placeholder;
    public static byte[] Overlay(Tensor image, Tensor attribution, double alpha = 0.6, int scale = 8, double percentile = 99, ColorMap? colorMap = null) => Placeholder;
    public static byte[] LevelMap(Tensor levels, int scale = 8) => Placeholder;
    public static byte[] Image(Tensor image, int scale = 8) => Placeholder;
}

internal static class Curves
{
    public static byte[] Png(string title, string xLabel, string yLabel, IReadOnlyList<(string Name, double[] X, double[] Y)> series, int width = 640, int height = 400) => HeatMaps.Placeholder;
}

internal sealed class HtmlReport(string title)
{
    private readonly StringBuilder _body = new();
    public HtmlReport Heading(string text) { _body.Append($"<h2>{WebUtility.HtmlEncode(text)}</h2>"); return this; }
    public HtmlReport Paragraph(string text) { _body.Append($"<p>{WebUtility.HtmlEncode(text)}</p>"); return this; }
    public HtmlReport Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, string? caption = null)
    {
        _body.Append("<table>");
        if (caption is not null) _body.Append($"<caption>{WebUtility.HtmlEncode(caption)}</caption>");
        _body.Append("<tr>").Append(string.Concat(headers.Select(h => $"<th>{WebUtility.HtmlEncode(h)}</th>"))).Append("</tr>");
        foreach (var r in rows) _body.Append("<tr>").Append(string.Concat(r.Select(c => $"<td>{WebUtility.HtmlEncode(c)}</td>"))).Append("</tr>");
        _body.Append("</table>");
        return this;
    }
    public HtmlReport Figure(string caption, byte[] png) { _body.Append($"<figure><img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"><figcaption>{WebUtility.HtmlEncode(caption)}</figcaption></figure>"); return this; }
    public HtmlReport FigureRow(IEnumerable<(string Caption, byte[] Png)> figures) { foreach (var (c, p) in figures) Figure(c, p); return this; }
    public string ToHtml() => $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(title)}</title></head><body><h1>{WebUtility.HtmlEncode(title)}</h1>{_body}</body></html>";
    public void Save(string path) => File.WriteAllText(path, ToHtml());
}
