namespace AttrDsl.Attribution;

/// <summary>
/// How alike two explanations of the same inputs are, per sample, as <see cref="ParameterRandomization"/> reports them
/// (Adebayo et al. 2018): Spearman rank correlations and the structural similarity (SSIM) of 2-D maps.
/// </summary>
internal static class ExplanationSimilarity
{
    /// <summary>
    /// Spearman's ρ: the Pearson correlation of the ranks (ties get their average rank). Undefined when a side is
    /// constant; then 1 if both are the same constant vector (nothing changed), else 0 (no rank agreement to speak of).
    /// </summary>
    internal static double Spearman(double[] a, double[] b)
    {
        var ra = Ranks(a);
        var rb = Ranks(b);
        double ma = ra.Average(), mb = rb.Average(), sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < ra.Length; i++)
        {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }
        if (saa == 0 || sbb == 0) return saa == 0 && sbb == 0 && a.SequenceEqual(b) ? 1 : 0;
        return sab / Math.Sqrt(saa * sbb);
    }

    /// <summary>1-based ranks, ties averaged.</summary>
    internal static double[] Ranks(double[] v)
    {
        var order = Enumerable.Range(0, v.Length).OrderBy(i => v[i]).ToArray();
        var ranks = new double[v.Length];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && v[order[j + 1]] == v[order[i]]) j++;
            var average = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++) ranks[order[k]] = average;
            i = j + 1;
        }
        return ranks;
    }

    /// <summary>The SSIM window side: 7 (scikit-image's default), or the map's smaller side when the map is smaller.</summary>
    internal const int Window = 7;

    /// <summary>
    /// The mean structural similarity (Wang et al. 2004) of two h×w maps, each first normalised to [0, 1] by dividing its
    /// absolute values by their maximum (an all-zero map stays zero; the data range is then 1): over every w×w window
    /// (w = min(7, h, w), uniform weights, population statistics),
    /// SSIM = (2μₐμ_b + C₁)(2σ_ab + C₂) / ((μₐ² + μ_b² + C₁)(σₐ² + σ_b² + C₂)), C₁ = 0.01², C₂ = 0.03², averaged.
    /// </summary>
    internal static double Ssim(double[] a, double[] b, int h, int w)
    {
        var x = Normalised(a);
        var y = Normalised(b);
        var win = Math.Min(Window, Math.Min(h, w));
        const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        var total = 0.0;
        var windows = 0;
        for (var top = 0; top + win <= h; top++)
            for (var left = 0; left + win <= w; left++)
            {
                double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                for (var r = top; r < top + win; r++)
                    for (var c = left; c < left + win; c++)
                    {
                        double u = x[r * w + c], v = y[r * w + c];
                        sx += u; sy += v; sxx += u * u; syy += v * v; sxy += u * v;
                    }
                double n = win * win, mx = sx / n, my = sy / n;
                double vx = sxx / n - mx * mx, vy = syy / n - my * my, cxy = sxy / n - mx * my;
                total += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
                windows++;
            }
        return total / windows;
    }

    private static double[] Normalised(double[] v)
    {
        var max = v.Max(Math.Abs);
        return max == 0 ? new double[v.Length] : [.. v.Select(e => Math.Abs(e) / max)];
    }
}
