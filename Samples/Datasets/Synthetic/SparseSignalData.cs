using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Datasets.Synthetic;

/// <summary>Settings of <see cref="SparseSignalData.Generate"/>.</summary>
public sealed record SparseSignalOptions
{
    /// <summary>Number of tabular features D. Default 50.</summary>
    public int Features { get; init; } = 50;

    /// <summary>Size of the correlated blocks the features come in (the last block may be smaller). Default 5.</summary>
    public int BlockSize { get; init; } = 5;

    /// <summary>
    /// Correlation ρ ∈ [0, 1) of two features of the same block. Default 0.2. (Larger values make the planted features'
    /// block-mates strong decoys: with 100 samples a model can hardly tell them apart.)
    /// </summary>
    public double Correlation { get; init; } = 0.2;

    /// <summary>How many features carry the signal (each in a different block). Default 5.</summary>
    public int SignalFeatures { get; init; } = 5;

    /// <summary>
    /// Standard deviation of the true logit wᵀx + b over the feature distribution: the weights are scaled to it.
    /// Larger is an easier problem (a higher best possible ROC-AUC). Default 2.
    /// </summary>
    public double LogitStd { get; init; } = 2.0;

    /// <summary>Intercept b of the true logit (0: balanced classes). Default 0.</summary>
    public double Intercept { get; init; }

    /// <summary>Training samples. Default 100 (attribution priors' NHANES sparsity experiment).</summary>
    public int TrainSamples { get; init; } = 100;

    /// <summary>Test samples. Default 5000.</summary>
    public int TestSamples { get; init; } = 5000;

    /// <summary>Floating-point type of the feature and label tensors. Default float32.</summary>
    public ScalarType Dtype { get; init; } = ScalarType.Float32;

    internal int Blocks => (Features + BlockSize - 1) / BlockSize;

    internal void Validate()
    {
        if (Features < 2) throw new ArgumentOutOfRangeException(nameof(Features), Features, "need at least 2 features");
        if (BlockSize < 1 || BlockSize > Features) throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, $"block size must lie in [1, {Features}]");
        if (SignalFeatures < 1 || SignalFeatures > Blocks)
            throw new ArgumentOutOfRangeException(nameof(SignalFeatures), SignalFeatures, $"signal features must lie in [1, {Blocks}] (one per block of {BlockSize})");
        if (!(Correlation >= 0 && Correlation < 1)) throw new ArgumentOutOfRangeException(nameof(Correlation), Correlation, "correlation must lie in [0, 1)");
        if (!(LogitStd > 0) || double.IsInfinity(LogitStd)) throw new ArgumentOutOfRangeException(nameof(LogitStd), LogitStd, "logit std must be finite and > 0");
        if (!double.IsFinite(Intercept)) throw new ArgumentOutOfRangeException(nameof(Intercept), Intercept, "intercept must be finite");
        if (TrainSamples < 1 || TestSamples < 1) throw new ArgumentOutOfRangeException(nameof(TrainSamples), "train and test samples must be ≥ 1");
        if (!is_floating_point(Dtype)) throw new ArgumentException($"dtype must be floating point, not {Dtype}", nameof(Dtype));
    }
}

/// <summary>
/// A seeded binary classification problem whose signal lives on a few known features, for the sparsity (Gini)
/// attribution prior (attribution priors' NHANES experiment: 100 training samples). The D standard-normal features come in
/// correlated blocks (x_j = √ρ·z_b + √(1−ρ)·e_j for the block b of j), so every signal feature has correlated but
/// irrelevant neighbours. The label is drawn from a logistic model, y ~ Bernoulli(σ(wᵀx + b)), whose weight vector w is
/// nonzero on exactly <see cref="SignalFeatureIndices"/> — one randomly chosen feature in each of
/// <see cref="SparseSignalOptions.SignalFeatures"/> randomly chosen blocks, with weights ±U(0.5, 1) scaled so the
/// logit has the requested standard deviation. Given the features, only those carry signal.
/// </summary>
/// <remarks>
/// Everything depends on the seed only (a seeded <see cref="Random"/>, not libtorch's generator): the planted features
/// and weights are drawn first, then the training samples, then the test samples, so changing the test size leaves the
/// training data unchanged. The tensors belong to this object, outside every dispose scope: dispose it to free them.
/// </remarks>
public sealed class SparseSignalData : TrainTestSplit
{
    private SparseSignalData(SparseSignalOptions options, int seed, int[] blockOf, int[] signal, double[] weights,
        double[] trainLogits, double[] testLogits, Tensor trainX, Tensor trainY, Tensor testX, Tensor testY)
        : base(trainX, trainY, testX, testY)
    {
        Options = options;
        Seed = seed;
        BlockOf = blockOf;
        SignalFeatureIndices = signal;
        TrueWeights = weights;
        TrainLogits = trainLogits;
        TestLogits = testLogits;
    }

    /// <summary>The settings the data was generated with.</summary>
    public SparseSignalOptions Options { get; }

    /// <summary>The seed the data was generated from.</summary>
    public int Seed { get; }

    /// <summary>Number of features D.</summary>
    public int Features => BlockOf.Count;

    /// <summary>The correlated block of every feature, [D].</summary>
    public IReadOnlyList<int> BlockOf { get; }

    /// <summary>The features that carry the signal (w_j ≠ 0), ascending.</summary>
    public IReadOnlyList<int> SignalFeatureIndices { get; }

    /// <summary>The true logistic weights w [D]: nonzero exactly on <see cref="SignalFeatureIndices"/>.</summary>
    public IReadOnlyList<double> TrueWeights { get; }

    /// <summary>The true intercept b.</summary>
    public double Intercept => Options.Intercept;

    /// <summary>The true logit wᵀx + b of every training sample.</summary>
    public IReadOnlyList<double> TrainLogits { get; }

    /// <summary>The true logit wᵀx + b of every test sample (scoring with it gives the best possible ROC-AUC).</summary>
    public IReadOnlyList<double> TestLogits { get; }





    /// <summary>Generates the data set for <paramref name="seed"/>.</summary>
    public static SparseSignalData Generate(int seed, SparseSignalOptions? options = null)
    {
        options ??= new SparseSignalOptions();
        options.Validate();
        var rng = new SeededNormal(seed);
        var d = options.Features;
        var blocks = options.Blocks;
        var blockOf = Enumerable.Range(0, d).Select(j => j / options.BlockSize).ToArray();

        var chosenBlocks = rng.Permutation(blocks).Take(options.SignalFeatures).ToArray();
        var weights = new double[d];
        var signal = new List<int>();
        foreach (var b in chosenBlocks)
        {
            var first = b * options.BlockSize;
            var size = Math.Min(options.BlockSize, d - first);
            var j = first + rng.NextInt(size);
            signal.Add(j);
            weights[j] = rng.NextSign() * rng.NextUniform(0.5, 1.0);
        }
        var variance = SeededNormal.LinearVariance(weights, blockOf, blocks, options.Correlation);
        var scale = options.LogitStd / Math.Sqrt(variance);
        for (var j = 0; j < d; j++) weights[j] *= scale;
        signal.Sort();

        var (trainX, trainY, trainLogits) = Draw(rng, options.TrainSamples, blockOf, blocks, options, weights);
        var (testX, testY, testLogits) = Draw(rng, options.TestSamples, blockOf, blocks, options, weights);

        using var scope = torch.NewDisposeScope();
        var tx = torch.tensor(trainX, [options.TrainSamples, d], options.Dtype);
        var ty = torch.tensor(trainY, [options.TrainSamples], options.Dtype);
        var vx = torch.tensor(testX, [options.TestSamples, d], options.Dtype);
        var vy = torch.tensor(testY, [options.TestSamples], options.Dtype);
        return new SparseSignalData(options, seed, blockOf, signal.ToArray(), weights, trainLogits, testLogits, tx, ty, vx, vy);
    }

    private static (double[] X, double[] Y, double[] Logits) Draw(SeededNormal rng, int rows, int[] blockOf, int blocks, SparseSignalOptions options, double[] w)
    {
        var d = blockOf.Length;
        var x = rng.BlockCorrelated(rows, blockOf, blocks, options.Correlation);
        var y = new double[rows];
        var logits = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            var s = options.Intercept;
            for (var j = 0; j < d; j++) s += w[j] * x[(long)r * d + j];
            logits[r] = s;
            var p = 1.0 / (1.0 + Math.Exp(-s));
            y[r] = rng.NextUniform() < p ? 1.0 : 0.0;
        }
        return (x, y, logits);
    }

}
