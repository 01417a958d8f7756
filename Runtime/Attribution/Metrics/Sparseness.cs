namespace AttrDsl.Attribution;

/// <summary>
/// Sparseness (Chalasani et al. 2020, "Concise explanations of neural networks using adversarial training"): the Gini
/// index of the absolute attributions of each sample. 0 when every feature gets the same share (nothing stands out),
/// (n − 1)/n when one feature gets everything. Higher is sparser, i.e. easier to read.
/// </summary>
public static class Sparseness
{
    private const string Name = nameof(Sparseness);

    /// <summary>
    /// The Gini index of |attributions| for each sample: with the n values of a sample sorted ascending, a₁ ≤ … ≤ aₙ,
    /// G = Σₖ (2k − n − 1)·aₖ / (n·Σₖ aₖ). A sample whose attributions are all zero scores 0, as a uniform one: no
    /// feature stands out.
    /// </summary>
    /// <param name="attributions">Attributions [B, ...] (any attribution method's output); finite, floating point.</param>
    /// <returns>One Gini index per sample, in [0, (n − 1)/n].</returns>
    public static double[] Compute(Tensor attributions)
    {
        var rows = AttributionValues.Rows(attributions, Name);
        var result = new double[rows.Length];
        for (var s = 0; s < rows.Length; s++)
        {
            var a = rows[s].Select(Math.Abs).Order().ToArray();
            var n = a.Length;
            var total = a.Sum();
            if (total == 0) continue;   // all zero: no feature stands out
            var weighted = 0.0;
            for (var k = 1; k <= n; k++) weighted += (2.0 * k - n - 1) * a[k - 1];
            result[s] = weighted / (n * total);
        }
        return result;
    }
}
