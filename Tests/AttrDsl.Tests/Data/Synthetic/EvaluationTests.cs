using AttrDsl.Datasets.Synthetic;
using AttrDsl.Priors;

namespace AttrDsl.Tests.Data.Synthetic;

/// <summary>ROC-AUC, R², Gini and the paired tests against hand-computed values and brute force.</summary>
public class EvaluationTests
{
    [Fact]
    public void RocAucOfSeparatedReversedAndTiedScores()
    {
        double[] labels = [0, 0, 1, 1];
        Assert.Equal(1.0, SyntheticMetrics.RocAuc([0.1, 0.2, 0.3, 0.4], labels));
        Assert.Equal(0.0, SyntheticMetrics.RocAuc([0.4, 0.3, 0.2, 0.1], labels));
        Assert.Equal(0.5, SyntheticMetrics.RocAuc([1, 1, 1, 1], labels));
        Assert.Equal(0.75, SyntheticMetrics.RocAuc([0.1, 0.4, 0.35, 0.8], labels));   // scikit-learn's roc_auc_score example
        // positives {1, 3}, negatives {1, 2}: pairs 1~1 → ½, 1<2 → 0, 3>1 → 1, 3>2 → 1 ⇒ 2.5/4
        Assert.Equal(0.625, SyntheticMetrics.RocAuc([1, 1, 2, 3], [0, 1, 0, 1]));
    }

    [Fact]
    public void RocAucEqualsThePairwiseProbabilityWithTiesCountedHalf()
    {
        var rng = new Random(3);
        var scores = Enumerable.Range(0, 200).Select(_ => (double)rng.Next(12)).ToArray();   // many ties
        var labels = Enumerable.Range(0, 200).Select(_ => (double)rng.Next(2)).ToArray();
        double wins = 0, pairs = 0;
        for (var i = 0; i < 200; i++)
        for (var j = 0; j < 200; j++)
            if (labels[i] == 1 && labels[j] == 0)
            {
                pairs++;
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }
        Assert.Equal(wins / pairs, SyntheticMetrics.RocAuc(scores, labels), 12);
    }

    [Fact]
    public void RocAucRejectsOneClassAndMismatchedLengths()
    {
        Assert.Throws<ArgumentException>(() => SyntheticMetrics.RocAuc([0.1, 0.2], [1, 1]));
        Assert.Throws<ArgumentException>(() => SyntheticMetrics.RocAuc([0.1, 0.2], [1]));
        Assert.Throws<ArgumentException>(() => SyntheticMetrics.RocAuc([double.NaN, 0.2], [0, 1]));
    }

    [Fact]
    public void MidRanksAverageTies()
    {
        Assert.Equal(new[] { 2.0, 4, 2, 2, 5 }, SyntheticMetrics.MidRanks([1, 2, 1, 1, 7]));
    }

    [Fact]
    public void RSquaredAndMse()
    {
        double[] y = [1, 2, 3, 4];
        Assert.Equal(1.0, SyntheticMetrics.RSquared(y, y));
        Assert.Equal(0.0, SyntheticMetrics.RSquared([2.5, 2.5, 2.5, 2.5], y), 12);
        Assert.Equal(1 - 1.0 / 5, SyntheticMetrics.RSquared([2, 2, 3, 4], y), 12);   // residuals (−1, 0, 0, 0): SSE 1, SST 5
        Assert.Equal(0.25, SyntheticMetrics.MeanSquaredError([2, 2, 3, 4], y), 12);
    }

    [Fact]
    public void GiniMatchesThePairwiseDefinitionAndTheTensorPrior()
    {
        double[] phi = [0.3, 2.0, 0.0, 1.1, 0.7, 0.7];
        var pairwise = phi.Sum(a => phi.Sum(b => Math.Abs(a - b))) / (2.0 * phi.Length * phi.Sum());
        Assert.Equal(pairwise, SyntheticMetrics.Gini(phi), 12);
        using var t = tensor(phi);
        using var g = GiniSparsity.Gini(t);
        Assert.Equal(g.item<double>(), SyntheticMetrics.Gini(phi), 10);
        Assert.Equal(0.0, SyntheticMetrics.Gini([0, 0, 0]));
        Assert.Equal(0.75, SyntheticMetrics.Gini([0, 0, 5, 0]), 12);
    }

    [Fact]
    public void MeanAndStandardError()
    {
        var (m, se) = SyntheticMetrics.MeanAndStandardError([1, 2, 3, 4, 5]);
        Assert.Equal(3.0, m);
        Assert.Equal(Math.Sqrt(2.5 / 5), se, 12);
    }

    [Fact]
    public void PairedTHitsTheTabulatedCriticalValue()
    {
        // d = (1, 2, 3, 4, 5) + s has s.d. √2.5, so t = (3 + s)·√5/√2.5; t_{0.975, 4} = 2.776445 gives p = 0.05.
        var s = 2.776445105 * Math.Sqrt(2.5) / Math.Sqrt(5) - 3;
        double[] a = [1 + s, 2 + s, 3 + s, 4 + s, 5 + s];
        var r = PairedTests.PairedT(a, new double[5]);
        Assert.Equal(2.776445105, r.Statistic, 6);
        Assert.Equal(0.05, r.PValue, 6);
        Assert.Equal(4, r.N - 1);
        // swapping the samples flips t, not p
        var swapped = PairedTests.PairedT(new double[5], a);
        Assert.Equal(-r.Statistic, swapped.Statistic, 9);
        Assert.Equal(r.PValue, swapped.PValue, 12);
        // t_{0.995, 9} = 3.249836: ten pairs
        var s9 = 3.249835542 * Math.Sqrt(55.0 / 6) / Math.Sqrt(10) - 5.5;   // d = 1..10 + s9, s.d. √(55/6)
        var r9 = PairedTests.PairedT(Enumerable.Range(1, 10).Select(i => i + s9).ToArray(), new double[10]);
        Assert.Equal(0.01, r9.PValue, 6);
    }

    [Fact]
    public void PairedTWithConstantDifferences()
    {
        Assert.Equal(1.0, PairedTests.PairedT([1, 2, 3], [1, 2, 3]).PValue);
        Assert.Equal(0.0, PairedTests.PairedT([2, 3, 4], [1, 2, 3]).PValue);
    }

    [Fact]
    public void WilcoxonExactTailsFromTheTable()
    {
        // all ten differences positive: P(W₊ = 55) = 1/1024, two-sided 2/1024
        var all = PairedTests.WilcoxonSignedRank(Enumerable.Range(1, 10).Select(i => (double)i).ToArray(), new double[10]);
        Assert.Equal(55, all.Statistic);
        Assert.Equal(2.0 / 1024, all.PValue, 12);
        Assert.True(all.Exact);
        // n = 8, ranks 1 and 2 negative: W₋ = 3; P(W₋ ≤ 3) = #{∅,{1},{2},{3},{1,2}}/256 = 5/256, two-sided 10/256
        var r = PairedTests.WilcoxonSignedRank([-1, -2, 3, 4, 5, 6, 7, 8], new double[8]);
        Assert.Equal(33, r.Statistic);
        Assert.Equal(10.0 / 256, r.PValue, 12);
        // zeros are dropped
        var z = PairedTests.WilcoxonSignedRank([-1, -2, 3, 4, 5, 6, 7, 8, 0, 0], new double[10]);
        Assert.Equal(8, z.N);
        Assert.Equal(r.PValue, z.PValue, 12);
    }

    [Fact]
    public void WilcoxonExactWithTiesMatchesBruteForceOverSignPatterns()
    {
        double[] d = [0.5, -0.5, 0.5, 1.5, -2, 2, 2, -3, 0.5, 4, -4, 1.5];
        var r = PairedTests.WilcoxonSignedRank(d, new double[d.Length]);
        var ranks = SyntheticMetrics.MidRanks(d.Select(Math.Abs).ToArray());
        var observed = d.Select((v, i) => v > 0 ? ranks[i] : 0).Sum();
        Assert.Equal(observed, r.Statistic);
        int n = d.Length, total = 1 << n, lower = 0, upper = 0;
        for (var mask = 0; mask < total; mask++)
        {
            var w = Enumerable.Range(0, n).Where(i => (mask >> i & 1) == 1).Sum(i => ranks[i]);
            if (w <= observed + 1e-9) lower++;
            if (w >= observed - 1e-9) upper++;
        }
        var expected = Math.Min(1, 2.0 * Math.Min(lower, upper) / total);
        Assert.Equal(expected, r.PValue, 12);
    }

    [Fact]
    public void WilcoxonNormalApproximationAgreesWithTheExactTestForLargeN()
    {
        var rng = new Random(5);
        var a = Enumerable.Range(0, 80).Select(_ => rng.NextDouble() + 0.15).ToArray();
        var b = Enumerable.Range(0, 80).Select(_ => rng.NextDouble()).ToArray();
        var exact = PairedTests.WilcoxonSignedRank(a, b);
        var approx = PairedTests.WilcoxonSignedRank(a, b, exactUpTo: 0);
        Assert.True(exact.Exact);
        Assert.False(approx.Exact);
        Assert.Equal(exact.Statistic, approx.Statistic);
        Assert.Equal(exact.PValue, approx.PValue, 0.005);
    }
}
