using TorchSharp;
using static TorchSharp.torch;
using MathNet.Numerics.Distributions;

using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>Which difference a one-sided test looks for.</summary>
public enum Alternative
{
    /// <summary>The class's attributions are larger than the null sample's.</summary>
    Greater,
    /// <summary>They are smaller.</summary>
    Less,
    /// <summary>Either direction.</summary>
    TwoSided,
}

/// <summary>Family-wise (Bonferroni, Holm) or false-discovery (Benjamini–Hochberg) correction of per-feature p-values.</summary>
public enum Correction
{
    /// <summary>No correction.</summary>
    None,
    /// <summary>p·m, capped at 1.</summary>
    Bonferroni,
    /// <summary>Holm's step-down (controls the family-wise error, uniformly more powerful than Bonferroni).</summary>
    Holm,
    /// <summary>Benjamini–Hochberg step-up (controls the false discovery rate).</summary>
    BenjaminiHochberg,
}

/// <summary>The outcome of <see cref="Significance.Test"/> for each feature.</summary>
/// <param name="T">Welch's t statistic.</param>
/// <param name="PValues">Uncorrected p-values (NaN statistics → 1).</param>
/// <param name="Adjusted">Corrected p-values.</param>
/// <param name="Significant">Adjusted p ≤ α.</param>
public sealed record SignificanceResult(double[] T, double[] PValues, double[] Adjusted, bool[] Significant);

/// <summary>
/// EIG's per-feature significance: Welch's t-test of the attributions of the class of interest against an
/// equally sized null sample, a one-sided p-value, then a multiple-testing correction.
/// The reference computes the one-sided p for t &lt; 0 as p/2; the correct value (used here) is 1 − p/2.
/// </summary>
public static class Significance
{
    /// <summary>Tests every feature (column) of <paramref name="attributions"/> [n, D] against <paramref name="nullAttributions"/> [m, D].</summary>
    public static SignificanceResult Test(Tensor attributions, Tensor nullAttributions, double alpha = 0.05,
        Correction correction = Correction.Bonferroni, Alternative alternative = Alternative.Greater)
    {
        const string method = "Significance.Test";
        Checks.NotEmpty(attributions, method, nameof(attributions));
        Checks.NotEmpty(nullAttributions, method, nameof(nullAttributions));
        if (attributions.dim() != 2 || nullAttributions.dim() != 2 || attributions.size(1) != nullAttributions.size(1))
            throw new ArgumentException($"{method}: expected attributions [n, D] and nullAttributions [m, D] with the same D, got attributions {Format.Shape(attributions)} and nullAttributions {Format.Shape(nullAttributions)}; flatten the feature dimensions first.",
                attributions.dim() != 2 ? nameof(attributions) : nameof(nullAttributions));
        if (attributions.size(0) < 2)
            throw new ArgumentException($"{method}: attributions hold {attributions.size(0)} sample; a t-test needs at least 2 samples in each group", nameof(attributions));
        if (nullAttributions.size(0) < 2)
            throw new ArgumentException($"{method}: nullAttributions hold {nullAttributions.size(0)} sample; a t-test needs at least 2 samples in each group", nameof(nullAttributions));
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"{method}: α must be in (0, 1), got {alpha}");
        Checks.Defined(correction, nameof(correction), method);
        Checks.Defined(alternative, nameof(alternative), method);
        // A NaN attribution makes the feature's t statistic NaN, which would silently read as p = 1 (never significant).
        Checks.Finite(attributions, method, nameof(attributions));
        Checks.Finite(nullAttributions, method, nameof(nullAttributions));
        var a = Columns(attributions);
        var b = Columns(nullAttributions);
        var d = a.Length;
        var t = new double[d];
        var p = new double[d];
        for (var j = 0; j < d; j++)
        {
            (t[j], var df) = Welch(a[j], b[j]);
            p[j] = double.IsNaN(t[j]) || double.IsNaN(df) ? 1.0 : PValue(t[j], df, alternative);
        }
        var adjusted = Adjust(p, correction);
        return new SignificanceResult(t, p, adjusted, adjusted.Select(q => q <= alpha).ToArray());
    }

    /// <summary>Welch's t statistic and Welch–Satterthwaite degrees of freedom.</summary>
    /// <exception cref="ArgumentNullException">A group is null.</exception>
    /// <exception cref="ArgumentException">A group has fewer than 2 values, or a value is NaN or infinite.</exception>
    public static (double t, double df) Welch(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        Group(a, nameof(a));
        Group(b, nameof(b));
        var (ma, va) = MeanVar(a);
        var (mb, vb) = MeanVar(b);
        var sa = va / a.Count;
        var sb = vb / b.Count;
        var se2 = sa + sb;
        if (se2 == 0) return (double.NaN, double.NaN);   // two constant groups: no evidence either way
        var t = (ma - mb) / Math.Sqrt(se2);
        var df = se2 * se2 / (sa * sa / (a.Count - 1) + sb * sb / (b.Count - 1));
        return (t, df);
    }

    /// <summary>The p-value of <paramref name="t"/> under Student's t with <paramref name="df"/> degrees of freedom.</summary>
    /// <exception cref="ArgumentException"><paramref name="t"/> is NaN.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="df"/> is not positive, or the alternative is not defined.</exception>
    public static double PValue(double t, double df, Alternative alternative)
    {
        if (double.IsNaN(t)) throw new ArgumentException("Significance.PValue: t is NaN (Welch gives NaN for two constant groups: there is no evidence either way, use p = 1)", nameof(t));
        if (!(df > 0)) throw new ArgumentOutOfRangeException(nameof(df), df, $"Significance.PValue: the degrees of freedom df must be positive, got {df}");
        Checks.Defined(alternative, nameof(alternative), "Significance.PValue");
        var upper = 1 - StudentT.CDF(0, 1, df, t);   // P(T ≥ t)
        return alternative switch
        {
            Alternative.Greater => upper,
            Alternative.Less => 1 - upper,
            _ => Math.Min(1, 2 * Math.Min(upper, 1 - upper)),
        };
    }

    /// <summary>Corrected p-values, in the original order.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="p"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A p-value is outside [0, 1] or NaN, or the correction is not defined.</exception>
    public static double[] Adjust(double[] p, Correction correction)
    {
        ArgumentNullException.ThrowIfNull(p);
        for (var i = 0; i < p.Length; i++)
            if (!(p[i] >= 0 && p[i] <= 1))
                throw new ArgumentOutOfRangeException(nameof(p), p[i], $"Significance.Adjust: p[{i}] = {p[i]} is not a p-value; every p-value is in [0, 1]");
        Checks.Defined(correction, nameof(correction), "Significance.Adjust");
        var m = p.Length;
        var order = Enumerable.Range(0, m).OrderBy(i => p[i]).ToArray();
        var q = new double[m];
        switch (correction)
        {
            case Correction.None:
                return (double[])p.Clone();
            case Correction.Bonferroni:
                return p.Select(x => Math.Min(1, x * m)).ToArray();
            case Correction.Holm:
            {
                var running = 0.0;
                for (var r = 0; r < m; r++)
                {
                    running = Math.Max(running, Math.Min(1, (m - r) * p[order[r]]));
                    q[order[r]] = running;
                }
                return q;
            }
            default:
            {
                var running = 1.0;
                for (var r = m - 1; r >= 0; r--)
                {
                    running = Math.Min(running, Math.Min(1, p[order[r]] * m / (r + 1)));
                    q[order[r]] = running;
                }
                return q;
            }
        }
    }

    private static void Group(IReadOnlyList<double> x, string name)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.Count < 2) throw new ArgumentException($"Significance.Welch: group {name} has {x.Count} value{(x.Count == 1 ? "" : "s")}; a t-test needs at least 2 per group", name);
        for (var i = 0; i < x.Count; i++)
            if (!double.IsFinite(x[i]))
                throw new ArgumentException($"Significance.Welch: group {name} holds {x[i]} at index {i}; every value must be finite", name);
    }

    private static (double mean, double var) MeanVar(IReadOnlyList<double> x)
    {
        var mean = x.Average();
        var ss = x.Sum(v => (v - mean) * (v - mean));
        return (mean, ss / (x.Count - 1));
    }

    private static double[][] Columns(Tensor t)
    {
        using var d = t.to(ScalarType.Float64);
        var v = d.ToArray<double>();
        var (n, cols) = ((int)t.size(0), (int)t.size(1));
        var result = new double[cols][];
        for (var j = 0; j < cols; j++)
        {
            result[j] = new double[n];
            for (var i = 0; i < n; i++) result[j][i] = v[i * cols + j];
        }
        return result;
    }
}
