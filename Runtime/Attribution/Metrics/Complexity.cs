namespace AttrDsl.Attribution;

/// <summary>
/// Complexity (Bhatt et al. 2020, "Evaluating and aggregating feature-based model explanations"): the Shannon entropy of
/// each sample's attributions read as a distribution of importance, p_i = |a_i| / Σ_j |a_j|. 0 when one feature gets
/// everything, log n (natural log) when all n features get the same share. Lower is simpler, i.e. easier to read.
/// </summary>
public static class Complexity
{
    private const string Name = nameof(Complexity);

    /// <summary>
    /// The entropy −Σ p_i·ln p_i (0·ln 0 = 0) of p = |attributions| / Σ|attributions| for each sample, in nats. A sample
    /// whose attributions are all zero scores ln n, as a uniform one: no feature stands out.
    /// </summary>
    /// <param name="attributions">Attributions [B, ...] (any attribution method's output); finite, floating point.</param>
    /// <returns>One entropy per sample, in [0, ln n].</returns>
    public static double[] Compute(Tensor attributions)
    {
        var rows = AttributionValues.Rows(attributions, Name);
        var result = new double[rows.Length];
        for (var s = 0; s < rows.Length; s++)
        {
            var a = rows[s];
            var total = a.Sum(Math.Abs);
            if (total == 0) { result[s] = Math.Log(a.Length); continue; }
            var h = 0.0;
            foreach (var v in a)
            {
                var p = Math.Abs(v) / total;
                if (p > 0) h -= p * Math.Log(p);
            }
            result[s] = h;
        }
        return result;
    }
}
