namespace AttrDsl.Attribution;

/// <summary>
/// A deletion or insertion curve (<see cref="Deletion"/>, <see cref="Insertion"/>): the model's score of the target after
/// each step, for each explained sample, and the area under it.
/// </summary>
public sealed class PerturbationCurve
{
    internal PerturbationCurve(string kind, CurveScore score, double[] fractions, double[][] scores)
    {
        Kind = kind;
        Score = score;
        Fractions = fractions;
        Scores = scores;
        Areas = [.. scores.Select(s => AttributionValues.Trapezoid(fractions, s))];
        MeanScores = [.. Enumerable.Range(0, fractions.Length).Select(k => scores.Average(s => s[k]))];
        MeanArea = Areas.Average();
    }

    /// <summary>"deletion" or "insertion".</summary>
    public string Kind { get; }

    /// <summary>What the curve records: the target's probability or its logit.</summary>
    public CurveScore Score { get; }

    /// <summary>The x of each point, k/steps for k = 0 … steps: the share of the features (or feature groups) deleted or inserted.</summary>
    public IReadOnlyList<double> Fractions { get; }

    /// <summary>The y of each point, per sample: <c>Scores[sample][k]</c> is the score after step k (k = 0: nothing changed yet).</summary>
    public IReadOnlyList<IReadOnlyList<double>> Scores { get; }

    /// <summary>The area under each sample's curve (trapezoid rule over <see cref="Fractions"/>, so x spans [0, 1]).</summary>
    public IReadOnlyList<double> Areas { get; }

    /// <summary>The mean score over the samples at each step: the curve to plot for the batch.</summary>
    public IReadOnlyList<double> MeanScores { get; }

    /// <summary>The mean of <see cref="Areas"/>: for deletion lower is more faithful, for insertion higher.</summary>
    public double MeanArea { get; }
}
