using AttrDsl.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Datasets.Synthetic;

/// <summary>Settings of <see cref="FeatureGraphData.Generate"/>.</summary>
public sealed record FeatureGraphOptions
{
    /// <summary>Number of features D (graph nodes). Default 60.</summary>
    public int Features { get; init; } = 60;

    /// <summary>Number of modules: the features are split into this many contiguous cliques (sizes differ by at most one). Default 6.</summary>
    public int Modules { get; init; } = 6;

    /// <summary>How many modules carry signal (a nonzero coefficient); the others have coefficient 0. Default: all.</summary>
    public int? ActiveModules { get; init; }

    /// <summary>Training samples. Default 100.</summary>
    public int TrainSamples { get; init; } = 100;

    /// <summary>Test samples. Default 2000.</summary>
    public int TestSamples { get; init; } = 2000;

    /// <summary>Correlation ρ ∈ [0, 1) of two features of the same module (features of different modules are independent). Default 0.5.</summary>
    public double Correlation { get; init; } = 0.5;

    /// <summary>
    /// Signal-to-noise ratio Var(βᵀx) / σ²: the coefficients are scaled so the noise-free target has this variance
    /// relative to the noise, so the best possible test R² is SNR / (1 + SNR). Default 1.
    /// </summary>
    public double SignalToNoise { get; init; } = 1.0;

    /// <summary>Standard deviation σ of the Gaussian noise added to the target. Default 1.</summary>
    public double NoiseStd { get; init; } = 1.0;

    /// <summary>Floating-point type of the feature and target tensors. Default float32.</summary>
    public ScalarType Dtype { get; init; } = ScalarType.Float32;

    internal void Validate()
    {
        if (Features < 2) throw new ArgumentOutOfRangeException(nameof(Features), Features, "need at least 2 features");
        if (Modules < 1 || Modules > Features) throw new ArgumentOutOfRangeException(nameof(Modules), Modules, $"modules must lie in [1, {Features}]");
        if (ActiveModules is { } a && (a < 0 || a > Modules)) throw new ArgumentOutOfRangeException(nameof(ActiveModules), a, $"active modules must lie in [0, {Modules}]");
        if (TrainSamples < 1 || TestSamples < 1) throw new ArgumentOutOfRangeException(nameof(TrainSamples), "train and test samples must be ≥ 1");
        if (!(Correlation >= 0 && Correlation < 1)) throw new ArgumentOutOfRangeException(nameof(Correlation), Correlation, "correlation must lie in [0, 1)");
        if (!(SignalToNoise >= 0) || double.IsInfinity(SignalToNoise)) throw new ArgumentOutOfRangeException(nameof(SignalToNoise), SignalToNoise, "signal-to-noise ratio must be finite and ≥ 0");
        if (!(NoiseStd > 0) || double.IsInfinity(NoiseStd)) throw new ArgumentOutOfRangeException(nameof(NoiseStd), NoiseStd, "noise std must be finite and > 0");
        if (!is_floating_point(Dtype)) throw new ArgumentException($"dtype must be floating point, not {Dtype}", nameof(Dtype));
    }
}

/// <summary>
/// A seeded regression problem over a known feature graph, for the graph attribution prior (attribution priors'
/// drug-response experiment, in miniature). The D features are split into contiguous modules; each module is a
/// clique of weight-1 edges (<see cref="Edges"/>, ready for <see cref="GraphLaplacian"/>). Features are standard
/// normal and correlated along the graph: x_j = √ρ·z_m + √(1−ρ)·e_j for the module m of j, so neighbours have
/// correlation ρ and non-neighbours none. The target is linear, y = βᵀx + σ·ε, with a true coefficient vector that is
/// constant within every module (β_j = c_m, with c_m = ±U(0.5, 1.5) for the active modules and 0 for the others, then
/// scaled to the requested signal-to-noise ratio), so β is perfectly smooth over the graph: βᵀLβ = 0. Since all
/// features have the same distribution, the expected |expected-gradients| attribution of the true model,
/// |β_j|·E|x_j − x'_j|, is then constant within modules too — exactly what the prior φᵀLφ rewards.
/// </summary>
/// <remarks>
/// Everything depends on the seed only (a seeded <see cref="Random"/>, not libtorch's generator): the coefficients
/// are drawn first, then the training samples, then the test samples, so changing the test size leaves the training
/// data unchanged. The tensors belong to this object, outside every dispose scope: dispose it to free them.
/// </remarks>
public sealed class FeatureGraphData : TrainTestSplit
{
    private FeatureGraphData(FeatureGraphOptions options, int seed, int[] moduleOf, IReadOnlyList<(long i, long j, double w)> edges,
        double[] coefficients, double signalVariance, double[] testSignal, Tensor trainX, Tensor trainY, Tensor testX, Tensor testY)
        : base(trainX, trainY, testX, testY)
    {
        Options = options;
        Seed = seed;
        ModuleOf = moduleOf;
        Edges = edges;
        TrueCoefficients = coefficients;
        SignalVariance = signalVariance;
        TestSignal = testSignal;
    }

    /// <summary>The settings the data was generated with.</summary>
    public FeatureGraphOptions Options { get; }

    /// <summary>The seed the data was generated from.</summary>
    public int Seed { get; }

    /// <summary>Number of features D.</summary>
    public int Features => ModuleOf.Count;

    /// <summary>The module (clique) of every feature, [D], values 0 … <see cref="FeatureGraphOptions.Modules"/> − 1.</summary>
    public IReadOnlyList<int> ModuleOf { get; }

    /// <summary>The undirected feature graph, each edge (i &lt; j, weight 1) listed once: all pairs within a module.</summary>
    public IReadOnlyList<(long i, long j, double w)> Edges { get; }

    /// <summary>The true coefficients β [D] of y = βᵀx + σε, constant within every module.</summary>
    public IReadOnlyList<double> TrueCoefficients { get; }

    /// <summary>Var(βᵀx), the variance of the noise-free target (= SNR·σ²).</summary>
    public double SignalVariance { get; }

    /// <summary>The best possible test mean squared error, σ² (the noise variance).</summary>
    public double BayesMse => Options.NoiseStd * Options.NoiseStd;

    /// <summary>The best possible test R² in expectation, SNR / (1 + SNR).</summary>
    public double BayesR2 => SignalVariance / (SignalVariance + BayesMse);

    /// <summary>The noise-free target βᵀx of every test sample.</summary>
    public IReadOnlyList<double> TestSignal { get; }





    /// <summary>The graph prior for this data: <c>new GraphLaplacian(D, Edges)</c> (dispose it when done).</summary>
    public GraphLaplacian CreateLaplacian() => new(Features, Edges);

    /// <summary>φᵀLφ = Σ_edges w_ij (φ_i − φ_j)² of a per-feature vector over this graph, in double precision.</summary>
    public double Roughness(IReadOnlyList<double> phi) => Roughness(phi, Edges);

    /// <summary>φᵀLφ = Σ_edges w_ij (φ_i − φ_j)² of a per-feature vector over an edge list.</summary>
    public static double Roughness(IReadOnlyList<double> phi, IEnumerable<(long i, long j, double w)> edges)
    {
        ArgumentNullException.ThrowIfNull(phi);
        ArgumentNullException.ThrowIfNull(edges);
        var sum = 0.0;
        foreach (var (i, j, w) in edges)
        {
            var d = phi[(int)i] - phi[(int)j];
            sum += w * d * d;
        }
        return sum;
    }

    /// <summary>Generates the data set for <paramref name="seed"/>.</summary>
    public static FeatureGraphData Generate(int seed, FeatureGraphOptions? options = null)
    {
        options ??= new FeatureGraphOptions();
        options.Validate();
        var rng = new SeededNormal(seed);
        var d = options.Features;
        var modules = options.Modules;
        var moduleOf = SeededNormal.ContiguousBlocks(d, modules);

        var edges = new List<(long, long, double)>();
        for (var i = 0; i < d; i++)
        for (var j = i + 1; j < d; j++)
            if (moduleOf[i] == moduleOf[j]) edges.Add((i, j, 1.0));

        // Module coefficients: a random subset of modules is active, each with ±U(0.5, 1.5); then scale to the SNR.
        var active = options.ActiveModules ?? modules;
        var order = rng.Permutation(modules);
        var c = new double[modules];
        for (var r = 0; r < modules; r++)
        {
            var sign = rng.NextSign();
            var magnitude = rng.NextUniform(0.5, 1.5);
            if (r < active) c[order[r]] = sign * magnitude;
        }
        var beta = moduleOf.Select(m => c[m]).ToArray();
        var raw = SeededNormal.LinearVariance(beta, moduleOf, modules, options.Correlation);
        var target = options.SignalToNoise * options.NoiseStd * options.NoiseStd;
        var scale = raw > 0 ? Math.Sqrt(target / raw) : 0.0;
        for (var j = 0; j < d; j++) beta[j] *= scale;
        var signalVariance = raw > 0 ? target : 0.0;

        var (trainX, trainY, _) = Draw(rng, options.TrainSamples, moduleOf, modules, options, beta);
        var (testX, testY, testSignal) = Draw(rng, options.TestSamples, moduleOf, modules, options, beta);

        using var scope = torch.NewDisposeScope();
        var n = options.TrainSamples;
        var m2 = options.TestSamples;
        var tx = torch.tensor(trainX, [n, d], options.Dtype);
        var ty = torch.tensor(trainY, [n], options.Dtype);
        var vx = torch.tensor(testX, [m2, d], options.Dtype);
        var vy = torch.tensor(testY, [m2], options.Dtype);
        return new FeatureGraphData(options, seed, moduleOf, edges, beta, signalVariance, testSignal, tx, ty, vx, vy);
    }

    private static (double[] X, double[] Y, double[] Signal) Draw(SeededNormal rng, int rows, int[] moduleOf, int modules, FeatureGraphOptions options, double[] beta)
    {
        var d = moduleOf.Length;
        var x = rng.BlockCorrelated(rows, moduleOf, modules, options.Correlation);
        var y = new double[rows];
        var signal = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            var s = 0.0;
            for (var j = 0; j < d; j++) s += beta[j] * x[(long)r * d + j];
            signal[r] = s;
            y[r] = s + options.NoiseStd * rng.NextGaussian();
        }
        return (x, y, signal);
    }

}
