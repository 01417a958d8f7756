using System.Globalization;
using AttrDsl.Visualization;

namespace AttrDsl.Samples.PriorsMnist;

/// <summary>
/// The self-contained HTML reports (report.html in the --report folder) of the final run and the λ sweep: the tables
/// the Markdown section carries (this run's numbers only, not the seed's reference row), curves and heat maps.
/// </summary>
internal static class HtmlReports
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The opening both reports share: who made it and the command.</summary>
    public static HtmlReport Start(string title, string command, string setup) =>
        new HtmlReport(title)
            .Paragraph($"Made by Samples/PriorsMnist on {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", Inv)} UTC; every number below was computed in this run. From the repository root:")
            .Code(command)
            .Paragraph(setup.Replace("**", "").Replace("`", ""));

    /// <summary>Accuracy against the fraction of flipped pixels, one series per model.</summary>
    public static byte[] NoiseCurve(string title, IEnumerable<(string Name, double[] Accuracy)> models) =>
        Curves.Png(title, "fraction of pixels flipped", "accuracy", models.Select(m => (m.Name, SaltAndPepper.Fractions.ToArray(), m.Accuracy)).ToList());

    /// <summary>Per-epoch curves of one quantity, one series per model.</summary>
    public static byte[] EpochCurve(string title, string yLabel, IEnumerable<(string Name, double[] Values)> models) =>
        Curves.Png(title, "epoch", yLabel, models.Select(m => (m.Name, Enumerable.Range(1, m.Values.Length).Select(e => (double)e).ToArray(), m.Values)).ToList());

    /// <summary>Saves <paramref name="report"/> as report.html in <paramref name="dir"/>; returns the full path.</summary>
    public static string Save(HtmlReport report, string dir)
    {
        var path = Path.GetFullPath(Path.Combine(dir, "report.html"));
        report.Save(path);
        return path;
    }

    /// <summary>
    /// The explanation rows: the digits, then one labelled row per model with its expected-gradients overlay of every
    /// digit. Each digit's overlays share one colour scale across the models, so their strengths compare.
    /// </summary>
    public static void Explanations(HtmlReport report, TorchSharp.torch.Tensor images, TorchSharp.torch.Tensor labels, IEnumerable<(string Model, TorchSharp.torch.Tensor Attributions)> models)
    {
        var n = (int)images.size(0);
        var list = models.ToList();
        var scales = Enumerable.Range(0, n).Select(i => HeatMaps.SharedScale(list.Select(m => m.Attributions[i, 0]))).ToList();
        report.FigureRow("test digits", Enumerable.Range(0, n).Select(i => ($"test digit {i} (label {labels[i].item<long>()})", HeatMaps.Image(images[i, 0]))).ToList());
        foreach (var (model, a) in list)
            report.FigureRow(model, Enumerable.Range(0, n).Select(i => ($"digit {i}", HeatMaps.Overlay(images[i, 0], a[i, 0], new HeatMapOptions { Scale = scales[i] }))).ToList());
    }
}
