namespace AttrDsl.Attribution;

/// <summary>
/// What <see cref="Road"/> measured: the model's score of the target after removing each percentage of the pixels,
/// most relevant first (MoRF) and least relevant first (LeRF), per sample.
/// </summary>
public sealed class RoadResult
{
    internal RoadResult(CurveScore score, double[] percentages, double[][] morf, double[][] lerf)
    {
        Score = score;
        Percentages = percentages;
        MostRelevantFirst = morf;
        LeastRelevantFirst = lerf;
        MeanMostRelevantFirst = [.. Enumerable.Range(0, percentages.Length).Select(k => morf.Average(s => s[k]))];
        MeanLeastRelevantFirst = [.. Enumerable.Range(0, percentages.Length).Select(k => lerf.Average(s => s[k]))];
        MoRFScore = MeanMostRelevantFirst.Average();
        LeRFScore = MeanLeastRelevantFirst.Average();
    }

    /// <summary>What was recorded: the target's probability or its logit.</summary>
    public CurveScore Score { get; }

    /// <summary>The shares of the pixels removed, in the order given (each in [0, 1]).</summary>
    public IReadOnlyList<double> Percentages { get; }

    /// <summary>MoRF: <c>MostRelevantFirst[sample][k]</c> is the score with the <c>Percentages[k]</c> most relevant pixels imputed.</summary>
    public IReadOnlyList<IReadOnlyList<double>> MostRelevantFirst { get; }

    /// <summary>LeRF: <c>LeastRelevantFirst[sample][k]</c> is the score with the <c>Percentages[k]</c> least relevant pixels imputed.</summary>
    public IReadOnlyList<IReadOnlyList<double>> LeastRelevantFirst { get; }

    /// <summary>The MoRF score at each percentage, averaged over the samples.</summary>
    public IReadOnlyList<double> MeanMostRelevantFirst { get; }

    /// <summary>The LeRF score at each percentage, averaged over the samples.</summary>
    public IReadOnlyList<double> MeanLeastRelevantFirst { get; }

    /// <summary>The MoRF score averaged over percentages and samples: lower is more faithful (removing what the attribution ranks first hurts).</summary>
    public double MoRFScore { get; }

    /// <summary>The LeRF score averaged over percentages and samples: higher is more faithful (removing what it ranks last does not hurt).</summary>
    public double LeRFScore { get; }

    /// <summary>LeRF − MoRF: one number for ranking attribution methods, higher is more faithful (ROAD's paper reads the two curves together).</summary>
    public double Gap => LeRFScore - MoRFScore;
}
