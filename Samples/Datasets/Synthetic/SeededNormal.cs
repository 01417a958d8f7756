namespace AttrDsl.Datasets.Synthetic;

/// <summary>
/// A seeded source of uniform and standard-normal doubles for the synthetic generators. It wraps
/// <see cref="Random"/> constructed with a seed (whose sequence .NET keeps stable across versions) and draws normals
/// with the Box–Muller transform, so a generator's output depends on the seed only — never on libtorch's global
/// generator, the thread count or the platform's vectorisation.
/// </summary>
internal sealed class SeededNormal(int seed)
{
    private readonly Random _random = new(seed);
    private double? _spare;

    /// <summary>U[0, 1).</summary>
    public double NextUniform() => _random.NextDouble();

    /// <summary>U[low, high).</summary>
    public double NextUniform(double low, double high) => low + (high - low) * _random.NextDouble();

    /// <summary>An integer in [0, n).</summary>
    public int NextInt(int n) => _random.Next(n);

    /// <summary>±1 with equal probability.</summary>
    public double NextSign() => _random.NextDouble() < 0.5 ? -1.0 : 1.0;

    /// <summary>N(0, 1).</summary>
    public double NextGaussian()
    {
        if (_spare is { } s)
        {
            _spare = null;
            return s;
        }
        double u1;
        do u1 = _random.NextDouble(); while (u1 <= double.Epsilon);
        var u2 = _random.NextDouble();
        var r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A uniformly random permutation of 0 … n−1 (Fisher–Yates).</summary>
    public int[] Permutation(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (var i = n - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    /// <summary>
    /// <paramref name="rows"/> samples of block-correlated standard normals: feature j of block b(j) is
    /// √ρ·z_b + √(1−ρ)·e_j with z, e independent N(0, 1), so every feature has variance 1 and two features of one
    /// block have correlation ρ (features of different blocks are independent). Row-major [rows, blockOf.Length].
    /// </summary>
    public double[] BlockCorrelated(int rows, int[] blockOf, int blocks, double rho)
    {
        var d = blockOf.Length;
        var x = new double[(long)rows * d];
        var z = new double[blocks];
        var a = Math.Sqrt(rho);
        var b = Math.Sqrt(1 - rho);
        for (var r = 0; r < rows; r++)
        {
            for (var m = 0; m < blocks; m++) z[m] = NextGaussian();
            for (var j = 0; j < d; j++) x[(long)r * d + j] = a * z[blockOf[j]] + b * NextGaussian();
        }
        return x;
    }

    /// <summary>The block of each of <paramref name="features"/> features split into <paramref name="blocks"/> contiguous blocks whose sizes differ by at most one.</summary>
    public static int[] ContiguousBlocks(int features, int blocks) =>
        Enumerable.Range(0, features).Select(j => (int)((long)j * blocks / features)).ToArray();

    /// <summary>The variance βᵀΣβ of βᵀx for block-correlated unit-variance features (Σ_jj = 1, Σ_jk = ρ within a block).</summary>
    public static double LinearVariance(double[] beta, int[] blockOf, int blocks, double rho)
    {
        var blockSums = new double[blocks];
        var squares = 0.0;
        for (var j = 0; j < beta.Length; j++)
        {
            blockSums[blockOf[j]] += beta[j];
            squares += beta[j] * beta[j];
        }
        // βᵀΣβ = (1 − ρ) Σ_j β_j² + ρ Σ_b (Σ_{j∈b} β_j)²
        return (1 - rho) * squares + rho * blockSums.Sum(s => s * s);
    }
}
