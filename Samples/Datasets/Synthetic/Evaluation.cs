using MathNet.Numerics.Distributions;

namespace AttrDsl.Datasets.Synthetic;

/// <summary>Test metrics for the synthetic benchmarks, in double precision.</summary>
public static class SyntheticMetrics
{
    /// <summary>
    /// The area under the ROC curve of <paramref name="scores"/> for binary <paramref name="labels"/> (positive when
    /// ≥ 0.5), by the Mann–Whitney rank formula: AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊ n₋), with R₊ the sum of the positives'
    /// ranks among all scores and tied scores given their mean rank (so a tie between a positive and a negative counts ½).
    /// </summary>
    /// <exception cref="ArgumentException">Different lengths, a non-finite score, or only one class present.</exception>
    public static double RocAuc(IReadOnlyList<double> scores, IReadOnlyList<double> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count != labels.Count) throw new ArgumentException($"{scores.Count} scores for {labels.Count} labels");
        if (scores.Any(s => !double.IsFinite(s))) throw new ArgumentException("scores must be finite", nameof(scores));
        var ranks = MidRanks(scores);
        double positives = 0, rankSum = 0;
        for (var i = 0; i < labels.Count; i++)
            if (labels[i] >= 0.5)
            {
                positives++;
                rankSum += ranks[i];
            }
        var negatives = labels.Count - positives;
        if (positives == 0 || negatives == 0) throw new ArgumentException($"ROC-AUC needs both classes; got {positives} positives and {negatives} negatives", nameof(labels));
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }

    /// <summary>Ranks 1 … n of <paramref name="values"/> in ascending order, ties getting the mean of the ranks they span.</summary>
    public static double[] MidRanks(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        var order = Enumerable.Range(0, n).OrderBy(i => values[i]).ToArray();
        var ranks = new double[n];
        for (var start = 0; start < n;)
        {
            var end = start;
            while (end + 1 < n && values[order[end + 1]] == values[order[start]]) end++;
            var mid = (start + end) / 2.0 + 1;   // ranks start+1 … end+1
            for (var k = start; k <= end; k++) ranks[order[k]] = mid;
            start = end + 1;
        }
        return ranks;
    }

    /// <summary>Mean squared error Σ(y − ŷ)²/n.</summary>
    public static double MeanSquaredError(IReadOnlyList<double> predictions, IReadOnlyList<double> targets)
    {
        CheckPair(predictions, targets);
        var sum = 0.0;
        for (var i = 0; i < targets.Count; i++) sum += (targets[i] - predictions[i]) * (targets[i] - predictions[i]);
        return sum / targets.Count;
    }

    /// <summary>Coefficient of determination 1 − Σ(y − ŷ)² / Σ(y − ȳ)² (ȳ the mean of the targets themselves; negative for a model worse than the mean).</summary>
    public static double RSquared(IReadOnlyList<double> predictions, IReadOnlyList<double> targets)
    {
        CheckPair(predictions, targets);
        var mean = targets.Average();
        double residual = 0, total = 0;
        for (var i = 0; i < targets.Count; i++)
        {
            residual += (targets[i] - predictions[i]) * (targets[i] - predictions[i]);
            total += (targets[i] - mean) * (targets[i] - mean);
        }
        if (total == 0) throw new ArgumentException("R² is undefined for constant targets", nameof(targets));
        return 1 - residual / total;
    }

    /// <summary>The Gini coefficient Σ_i Σ_j |φ_i − φ_j| / (2 n Σ φ) of a non-negative vector (0 when all are equal or all zero).</summary>
    public static double Gini(IReadOnlyList<double> phi)
    {
        ArgumentNullException.ThrowIfNull(phi);
        if (phi.Count == 0) throw new ArgumentException("Gini of an empty vector", nameof(phi));
        if (phi.Any(v => v < 0 || !double.IsFinite(v))) throw new ArgumentException("Gini needs finite non-negative values", nameof(phi));
        var sorted = phi.OrderBy(v => v).ToArray();
        var n = sorted.Length;
        var total = sorted.Sum();
        if (total == 0) return 0;
        var acc = 0.0;
        for (var k = 0; k < n; k++) acc += (2.0 * (k + 1) - n - 1) * sorted[k];
        return acc / (n * total);
    }

    /// <summary>The mean and its standard error s/√n (s the sample standard deviation; 0 for one value).</summary>
    public static (double Mean, double StandardError) MeanAndStandardError(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var mean = values.Average();
        if (values.Count == 1) return (mean, 0);
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return (mean, Math.Sqrt(variance / values.Count));
    }

    private static void CheckPair(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count) throw new ArgumentException($"{a.Count} predictions for {b.Count} targets");
        if (a.Count == 0) throw new ArgumentException("no values");
    }
}

/// <summary>The result of a paired two-sample test of a against b.</summary>
/// <param name="Test">"paired t" or "Wilcoxon signed-rank".</param>
/// <param name="MeanDifference">Mean of a − b over all pairs.</param>
/// <param name="Statistic">t (paired t-test) or W₊, the rank sum of the positive differences (Wilcoxon).</param>
/// <param name="N">Pairs used (Wilcoxon: pairs with a nonzero difference).</param>
/// <param name="PValue">Two-sided p-value.</param>
/// <param name="Exact">Whether the p-value is exact (Wilcoxon's permutation distribution) rather than from a normal/t approximation.</param>
public sealed record PairedTestResult(string Test, double MeanDifference, double Statistic, int N, double PValue, bool Exact);

/// <summary>Paired tests over repeated runs (e.g. one pair of models per seed).</summary>
public static class PairedTests
{
    /// <summary>
    /// The paired t-test of H₀: E[a − b] = 0: t = d̄ / (s_d / √n), n − 1 degrees of freedom, two-sided p-value from
    /// Student's t distribution. All differences equal: p = 1 when they are 0, else 0.
    /// </summary>
    public static PairedTestResult PairedT(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var d = Differences(a, b);
        var n = d.Length;
        if (n < 2) throw new ArgumentException("the paired t-test needs at least 2 pairs");
        var mean = d.Average();
        var sd = Math.Sqrt(d.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        if (sd == 0) return new("paired t", mean, mean == 0 ? 0 : Math.CopySign(double.PositiveInfinity, mean), n, mean == 0 ? 1 : 0, true);
        var t = mean / (sd / Math.Sqrt(n));
        var p = 2 * StudentT.CDF(0, 1, n - 1, -Math.Abs(t));
        return new("paired t", mean, t, n, Math.Min(1, p), false);
    }

    /// <summary>
    /// The Wilcoxon signed-rank test of H₀: the differences a − b are symmetric about 0. Zero differences are dropped
    /// (Wilcoxon's convention), the rest ranked by |a − b| with mid-ranks for ties; the statistic is W₊, the rank sum of
    /// the positive differences. The two-sided p-value 2·min(P(W₊ ≤ w), P(W₊ ≥ w)) (capped at 1) is exact — from the
    /// permutation distribution of W₊ given the observed (tied) ranks, each sign ± with probability ½ — for up to
    /// <paramref name="exactUpTo"/> nonzero pairs, and otherwise from the normal approximation with the tie-corrected
    /// variance and a continuity correction.
    /// </summary>
    public static PairedTestResult WilcoxonSignedRank(IReadOnlyList<double> a, IReadOnlyList<double> b, int exactUpTo = 400)
    {
        var all = Differences(a, b);
        var meanDiff = all.Average();
        var d = all.Where(v => v != 0).ToArray();
        var n = d.Length;
        if (n == 0) return new("Wilcoxon signed-rank", meanDiff, 0, 0, 1, true);
        var ranks = SyntheticMetrics.MidRanks(d.Select(Math.Abs).ToArray());
        var wPlus = 0.0;
        for (var i = 0; i < n; i++) if (d[i] > 0) wPlus += ranks[i];

        if (n <= exactUpTo)
        {
            // Mid-ranks are multiples of ½: count in doubled ranks, which are integers.
            var doubled = ranks.Select(r => (int)Math.Round(2 * r)).ToArray();
            var max = doubled.Sum();
            var dist = new double[max + 1];
            dist[0] = 1;
            var reach = 0;
            foreach (var r in doubled)
            {
                for (var s = reach; s >= 0; s--)
                    if (dist[s] != 0)
                    {
                        var half = dist[s] * 0.5;
                        dist[s] = half;
                        dist[s + r] += half;
                    }
                reach += r;
            }
            var w2 = (int)Math.Round(2 * wPlus);
            double lower = 0, upper = 0;
            for (var s = 0; s <= max; s++)
            {
                if (s <= w2) lower += dist[s];
                if (s >= w2) upper += dist[s];
            }
            return new("Wilcoxon signed-rank", meanDiff, wPlus, n, Math.Min(1, 2 * Math.Min(lower, upper)), true);
        }

        var mean = n * (n + 1) / 4.0;
        var tieTerm = ranks.GroupBy(r => r).Sum(g => Math.Pow(g.Count(), 3) - g.Count());
        var variance = n * (n + 1) * (2.0 * n + 1) / 24.0 - tieTerm / 48.0;
        var z = variance > 0 ? (Math.Abs(wPlus - mean) - 0.5) / Math.Sqrt(variance) : 0;
        var p = 2 * Normal.CDF(0, 1, -Math.Max(0, z));
        return new("Wilcoxon signed-rank", meanDiff, wPlus, n, Math.Min(1, p), false);
    }

    private static double[] Differences(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count) throw new ArgumentException($"paired samples need equal lengths, got {a.Count} and {b.Count}");
        var d = new double[a.Count];
        for (var i = 0; i < d.Length; i++) d[i] = a[i] - b[i];
        if (d.Any(v => !double.IsFinite(v))) throw new ArgumentException("paired values must be finite");
        return d;
    }
}
