using System.Globalization;

namespace AttrDsl.Cli;

/// <summary>
/// The upper bounds of the commands' numeric options, and the checks that need the data or the machine: what the data
/// can satisfy (test digits per class) and what memory and time allow. Each bound is there so that a request that
/// cannot finish — an allocation of terabytes, a run of days — is refused with the bound stated before any work starts.
/// </summary>
public static class Limits
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Most epochs: one epoch of the prior model takes about a minute on two cores.</summary>
    public const int MaxEpochs = 100;

    /// <summary>Largest λ of the prior: the declared value is 5e-4; beyond 100 the prior alone drives the weights.</summary>
    public const double MaxLambda = 100;

    /// <summary>Largest Adam learning rate: beyond 1 training diverges.</summary>
    public const double MaxLearningRate = 1;

    /// <summary>Most k-means baselines per digit (each one is a whole path of gradient evaluations per digit).</summary>
    public const int MaxBaselines = 100;

    /// <summary>Most points per EIG path (the default is 50; 10,000 already need about 4.3 GB for one path).</summary>
    public const int MaxPoints = 10_000;

    /// <summary>
    /// Most gradient evaluations of one significance run (2 groups × count × baselines × points): about a quarter of an
    /// hour on two cores; the defaults need 6,000.
    /// </summary>
    public const long MaxGradientEvaluations = 10_000_000;

    /// <summary>
    /// Bytes one point of an EIG path holds while its gradient is computed: the input and its gradient, every activation
    /// of the CNN (conv1 32×24×24, its ReLU, pool 32×12×12, conv2 64×8×8, its ReLU, pool 64×4×4, fc1 128, its ReLU,
    /// 10 logits) as float32 with a gradient of the same size in the backward pass, and the pools' int64 indices.
    /// </summary>
    public const long BytesPerPathPoint =
        2 * sizeof(float) * (2 * 784 + 32 * 24 * 24 * 2 + 32 * 12 * 12 + 64 * 8 * 8 * 2 + 64 * 4 * 4 + 128 * 2 + 10)
        + sizeof(long) * (32 * 12 * 12 + 64 * 4 * 4);

    /// <summary>The memory this process may use (the machine's, or its container's limit).</summary>
    public static long AvailableMemory => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// Checks a significance run against the data and the machine: <paramref name="count"/> test digits per group must
    /// exist for both classes, <paramref name="baselines"/> k-means centroids need as many training digits, one path of
    /// <paramref name="points"/> points must fit in <paramref name="availableBytes"/>, and the whole run must stay within
    /// <see cref="MaxGradientEvaluations"/>. Returns the problem, or null.
    /// </summary>
    public static string? Significance(int digit, int versus, int count, int baselines, int points,
        int testOfDigit, int testOfVersus, int trainingOfVersus, long availableBytes)
    {
        var available = Math.Min(testOfDigit, testOfVersus);
        if (count > available)
            return $"--count {count} is more than the test digits available per group: {testOfDigit} test {digit}s and {testOfVersus} test {versus}s, so at most {available}; pass --count {available} or fewer";
        if (baselines > trainingOfVersus)
            return $"--baselines {baselines} is more than the {trainingOfVersus} training {versus}s the k-means baselines are drawn from; pass --baselines {trainingOfVersus} or fewer";
        var bytes = points * BytesPerPathPoint;
        if (bytes > availableBytes / 2)   // half: the model, the digits and libtorch's allocator need the rest
        {
            var fits = Math.Max(1, availableBytes / 2 / BytesPerPathPoint);
            return $"--points {points} needs about {Size(bytes)} of memory for one path ({Size(BytesPerPathPoint)} per point), more than half of the {Size(availableBytes)} available; pass --points {fits} or fewer";
        }
        var evaluations = 2L * count * baselines * points;
        if (evaluations > MaxGradientEvaluations)
            return $"--count {count} × --baselines {baselines} × --points {points} asks for {evaluations.ToString("N0", Inv)} gradient evaluations (2 groups × count × baselines × points), more than the limit of {MaxGradientEvaluations.ToString("N0", Inv)} (about a quarter of an hour); lower one of them";
        return null;
    }

    /// <summary>A byte count for people: "4.6 GB".</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 40 => $"{(bytes / (double)(1L << 40)).ToString("F1", Inv)} TB",
        >= 1L << 30 => $"{(bytes / (double)(1L << 30)).ToString("F1", Inv)} GB",
        >= 1L << 20 => $"{(bytes / (double)(1L << 20)).ToString("F1", Inv)} MB",
        _ => $"{(bytes / 1024.0).ToString("F0", Inv)} KB",
    };
}
