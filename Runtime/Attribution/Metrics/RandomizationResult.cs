namespace AttrDsl.Attribution;

/// <summary>One step of <see cref="ParameterRandomization"/>: the explanation after randomising the layers up to and including <see cref="Layer"/>.</summary>
/// <param name="Layer">The layer randomised at this step (its path in the model, e.g. "fc2"); the layers of the earlier steps stay randomised.</param>
/// <param name="SpearmanAbsolute">Spearman's ρ between the absolute values of the original and this step's explanation, averaged over the samples.</param>
/// <param name="SpearmanSigned">Spearman's ρ between the signed values, averaged over the samples.</param>
/// <param name="Ssim">The structural similarity of the two explanations as 2-D maps (absolute values summed over the channels, each map scaled to [0, 1]), averaged over the samples; NaN when the explanations are not maps (fewer than 2 dimensions after the batch).</param>
public sealed record RandomizationStep(string Layer, double SpearmanAbsolute, double SpearmanSigned, double Ssim)
{
    /// <summary>This step's value of <paramref name="measure"/>.</summary>
    public double Of(RandomizationMeasure measure) => measure switch
    {
        RandomizationMeasure.SpearmanAbsolute => SpearmanAbsolute,
        RandomizationMeasure.SpearmanSigned => SpearmanSigned,
        RandomizationMeasure.Ssim => Ssim,
        _ => throw new ArgumentOutOfRangeException(nameof(measure), measure, $"measure = {measure} is not one of {string.Join(", ", Enum.GetNames<RandomizationMeasure>())}"),
    };
}

/// <summary>The similarity measure <see cref="RandomizationResult.Passes"/> judges by.</summary>
public enum RandomizationMeasure
{
    /// <summary>Spearman's ρ of the absolute values (Adebayo et al.'s main measure; the default).</summary>
    SpearmanAbsolute,

    /// <summary>Spearman's ρ of the signed values.</summary>
    SpearmanSigned,

    /// <summary>The structural similarity of the 2-D maps (explanations of images only).</summary>
    Ssim,
}

/// <summary>
/// What <see cref="ParameterRandomization"/> found: the similarity of the explanation to the original after each step of
/// the cascade, and whether the method passes.
/// </summary>
public sealed class RandomizationResult
{
    internal RandomizationResult(IReadOnlyList<RandomizationStep> steps, double threshold, RandomizationMeasure measure)
    {
        Steps = steps;
        Threshold = threshold;
        Measure = measure;
    }

    /// <summary>The cascade, output layer first: step i has layers 0 … i randomised.</summary>
    public IReadOnlyList<RandomizationStep> Steps { get; }

    /// <summary>The pass threshold on the last step's <see cref="Measure"/>.</summary>
    public double Threshold { get; }

    /// <summary>The similarity measure <see cref="Passes"/> judges by.</summary>
    public RandomizationMeasure Measure { get; }

    /// <summary>The last step: every listed layer randomised.</summary>
    public RandomizationStep Final => Steps[^1];

    /// <summary>
    /// True when, with every layer randomised, the explanation's similarity to the original (by <see cref="Measure"/>)
    /// has fallen below <see cref="Threshold"/>: the explanation depends on what the model learned. An explanation that
    /// stays alike (an edge detector of the input, say) fails.
    /// </summary>
    public bool Passes => Final.Of(Measure) < Threshold;

    /// <summary>A table of the steps, one line each, for messages and logs.</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, Steps.Select(s => FormattableString.Invariant($"{s.Layer}: Spearman |·| {s.SpearmanAbsolute:F3}, Spearman {s.SpearmanSigned:F3}, SSIM {s.Ssim:F3}")));
}
