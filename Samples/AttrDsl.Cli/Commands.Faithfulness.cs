using System.CommandLine;
using AttrDsl.Attribution;
using AttrDsl.Visualization;
using Spectre.Console;
using static TorchSharp.torch;

namespace AttrDsl.Cli;

// rank-methods: the attribution methods of the CLI's CNN ranked by faithfulness and sanity metrics, as a printed table
// and an HTML report with the deletion and insertion curves.
public static partial class Commands
{
    /// <summary>The default report folder of <c>rank-methods</c>.</summary>
    public const string DefaultRankFolder = "attrdsl-rank";

    /// <summary>The most digits <c>rank-methods</c> explains: each is explained 5 times per method for the randomisation check.</summary>
    public const int MaxRankCount = 200;

    // The methods compared, as the report names them.
    private static readonly (string Name, AttributionMethod Method)[] RankedMethods =
    [
        ("integrated gradients", AttributionMethod.IntegratedGradients),
        ("saliency", AttributionMethod.Saliency),
        ("input × gradient", AttributionMethod.InputXGradient),
        ("SmoothGrad", AttributionMethod.SmoothGrad),
        ("GradientSHAP", AttributionMethod.GradientShap),
        ("occlusion", AttributionMethod.Occlusion),
    ];

    /// <summary>One method's scores: the mean over the digits of each metric.</summary>
    internal sealed record MethodScores(string Name, PerturbationCurve Deletion, PerturbationCurve Insertion, RoadResult Road,
        RandomizationResult Randomization, double Sparseness, double Complexity)
    {
        /// <summary>Each metric, oriented so that larger is better (for ranking).</summary>
        public double[] Oriented => [-Deletion.MeanArea, Insertion.MeanArea, Road.Gap, -Randomization.Final.SpearmanAbsolute, Sparseness, -Complexity];
    }

    private static Command RankMethodsCommand(IAnsiConsole console, IAnsiConsole errors)
    {
        var checkpoint = CheckpointOption();
        var count = BoundedOptions.Int("--count", "Test digits explained (the first N).", 1, MaxRankCount, 8, "each digit is explained five times per method for the randomisation check");
        var output = new Option<string>("--output", "-o") { Description = "The report folder (created if missing): report.html.", DefaultValueFactory = _ => DefaultRankFolder };
        var threads = ThreadsOption();
        var command = new Command("rank-methods", "Rank the attribution methods (IG, saliency, input × gradient, SmoothGrad, GradientSHAP, occlusion) of a checkpoint by deletion and insertion areas, ROAD, the parameter-randomisation check, sparseness and complexity; prints a table and writes an HTML report.")
        {
            checkpoint, count, output, threads,
        };
        command.SetAction(parse => Guard(errors, () =>
        {
            var folder = parse.GetValue(output)!;
            if (string.IsNullOrWhiteSpace(folder)) throw new UserError("--output is empty; pass a folder such as attrdsl-rank");
            if (ReportFolder.Problem(folder) is { } problem) throw new UserError($"--output {problem}; choose another --output folder");
            var n = parse.GetValue(count);
            SetThreads(parse.GetValue(threads));
            var (net, metadata) = Networks.Load(parse.GetValue(checkpoint)!);
            net.eval();   // explanations must not depend on the batch
            using var digits = Digits.Load();
            using var scope = NewDisposeScope();
            var x = digits.Test.Images.narrow(0, 0, n);
            var target = Target.PerSample(digits.Test.Labels.narrow(0, 0, n));
            var background = digits.Train.Images.narrow(0, 0, 20);
            var kind = Networks.KindOf(net);
            console.MarkupLine(Markup.Escape($"ranking {RankedMethods.Length} methods on {n} test digit{(n == 1 ? "" : "s")} of the {metadata[Networks.KindKey]} model ({parse.GetValue(checkpoint)})"));
            var scores = new List<MethodScores>();
            foreach (var (name, method) in RankedMethods)
            {
                using var methodScope = NewDisposeScope();
                manual_seed(0);   // SmoothGrad's and GradientSHAP's draws and ROAD's noise: the same numbers every run
                Tensor Explain(nn.Module<Tensor, Tensor> m, Tensor v, Target t) =>
                    Explainer.Explain(m, v, t, method, method == AttributionMethod.GradientShap ? background : null);
                var attributions = Explain(net, x, target);
                var deletion = Deletion.Compute(net, x, attributions, target);
                var insertion = Insertion.Compute(net, x, attributions, target, start: Insertion.BlurredStart(x));
                var road = Road.Compute(net, x, attributions, target);
                var randomization = ParameterRandomization.Run(net, () => Networks.Create(kind, 0), Explain, x, target);
                scores.Add(new MethodScores(name, deletion, insertion, road, randomization, Sparseness.Compute(attributions).Average(), Complexity.Compute(attributions).Average()));
                console.MarkupLine(Markup.Escape($"  {name}: done"));
            }
            var meanRank = MeanRanks(scores);
            var order = Enumerable.Range(0, scores.Count).OrderBy(i => meanRank[i]).ThenBy(i => i).ToList();
            string[] headers = ["method", "deletion area ↓", "insertion area ↑", "ROAD LeRF − MoRF ↑", "randomisation ρ ↓", "sparseness ↑", "complexity ↓", "mean rank"];
            var rows = order.Select(i => (IReadOnlyList<string>)[.. Row(scores[i]), meanRank[i].ToString("F2", Inv)]).ToList();
            var table = new Table().AddColumns(headers);
            foreach (var row in rows) table.AddRow([.. row.Select(Markup.Escape)]);
            console.Write(table);

            var html = new HtmlReport("Attribution methods ranked by faithfulness")
                .Paragraph($"{metadata[Networks.KindKey]} model ({parse.GetValue(checkpoint)}), the first {n} test digit{(n == 1 ? "" : "s")}, each explained for its label; " +
                           $"scores are means over the digits, probabilities of the label class (softmax).")
                .Table(headers, rows, "each metric's arrow says which way is better; mean rank averages the method's rank over the six metrics (1 = best)")
                .Paragraph($"Deletion: the pixels replaced by 0 most relevant first in {Deletion.DefaultSteps} steps (area under the label's probability). " +
                           $"Insertion: the pixels put into a blurred copy (σ = {Insertion.DefaultBlurSigma.ToString(Inv)} px) most relevant first. " +
                           $"ROAD: {Road.DefaultPercentages.Count} percentages (10–90 %) removed by noisy linear imputation, least relevant first minus most relevant first. " +
                           $"Randomisation: Spearman correlation of |attribution| with the original after re-initialising every layer (below {ParameterRandomization.DefaultThreshold.ToString(Inv)} passes). " +
                           "Sparseness: the Gini index of |attribution|. Complexity: the entropy of the normalised |attribution| (nats).")
                .FigureRow([
                    ("deletion curves (lower is better)", CurveChart("Deletion", "share of pixels deleted", scores.Select(s => (s.Name, s.Deletion)))),
                    ("insertion curves (higher is better)", CurveChart("Insertion", "share of pixels inserted", scores.Select(s => (s.Name, s.Insertion)))),
                ]);
            string reportPath;
            try { reportPath = html.SaveFolder(folder); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UserError($"could not write the report folder '{folder}' ({Networks.OneLine(e.Message)}); choose another --output folder", UserError.Failed);
            }
            console.MarkupLine($"report: [bold]{Markup.Escape(Path.GetFullPath(reportPath))}[/]");
            return 0;
        }));
        return command;
    }

    private static string[] Row(MethodScores s) =>
    [
        s.Name, s.Deletion.MeanArea.ToString("F3", Inv), s.Insertion.MeanArea.ToString("F3", Inv), s.Road.Gap.ToString("F3", Inv),
        s.Randomization.Final.SpearmanAbsolute.ToString("F3", Inv), s.Sparseness.ToString("F3", Inv), s.Complexity.ToString("F3", Inv),
    ];

    /// <summary>Each method's rank (1 = best) averaged over the metrics; ties share their mean rank.</summary>
    internal static double[] MeanRanks(IReadOnlyList<MethodScores> scores)
    {
        var metrics = scores[0].Oriented.Length;
        var sum = new double[scores.Count];
        for (var m = 0; m < metrics; m++)
            for (var i = 0; i < scores.Count; i++)
            {
                var v = scores[i].Oriented[m];
                var better = scores.Count(s => s.Oriented[m] > v);
                var equal = scores.Count(s => s.Oriented[m] == v);
                sum[i] += better + (equal + 1) / 2.0;
            }
        return [.. sum.Select(s => s / metrics)];
    }

    private static byte[] CurveChart(string title, string xLabel, IEnumerable<(string Name, PerturbationCurve Curve)> curves) =>
        Curves.Png(title, xLabel, "probability of the label", [.. curves.Select(c => (c.Name, c.Curve.Fractions.ToArray(), c.Curve.MeanScores.ToArray()))]);
}
