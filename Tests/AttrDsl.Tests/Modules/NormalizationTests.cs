using static AttrDsl.Tests.Modules.ModuleKit;

namespace AttrDsl.Tests.Modules;

/// <summary>BatchNorm1d/2d and LayerNorm: gradients (train and eval), statistics by hand, errors.</summary>
public class NormalizationTests
{
    // ------------------------------------------------------------------ gradients

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, 2)]
    [InlineData(true, 3)]
    [InlineData(false, 3)]
    public void BatchNorm1dGradients(bool training, int rank)
    {
        using var bn = nn.BatchNorm1d(3);
        bn.to(ScalarType.Float64);
        FillParameters(bn, 40, 0.5, 1.5);
        SetRunningStats(bn, 41);
        if (!training) bn.eval();
        long[] shape = rank == 2 ? [5, 3] : [4, 3, 3];
        using var x = Leaf(Uniform(new Random(42), Numel(shape), -2, 2), shape);
        CheckLayer(bn, x);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm2dGradients(bool training)
    {
        using var bn = nn.BatchNorm2d(3);
        bn.to(ScalarType.Float64);
        FillParameters(bn, 43, 0.5, 1.5);
        SetRunningStats(bn, 44);
        if (!training) bn.eval();
        using var x = Leaf(Uniform(new Random(45), 3 * 3 * 3 * 4, -2, 2), [3, 3, 3, 4]);
        CheckLayer(bn, x);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void LayerNormGradients(int normalizedDims)
    {
        using var ln = normalizedDims == 1 ? nn.LayerNorm(4) : nn.LayerNorm([3, 4]);
        ln.to(ScalarType.Float64);
        FillParameters(ln, 46, 0.5, 1.5);
        using var x = Leaf(Uniform(new Random(47), 2 * 2 * 3 * 4, -2, 2), [2, 2, 3, 4]);
        CheckLayer(ln, x);
    }

    private static void SetRunningStats(BatchNorm bn, int seed)
    {
        var rng = new Random(seed);
        var c = bn.running_mean!.numel();
        Set(bn.running_mean, Uniform(rng, c, -0.5, 0.5));
        Set(bn.running_var!, Uniform(rng, c, 0.5, 2.0));
    }

    // ------------------------------------------------------------------ batch norm statistics by hand

    /// <summary>Per-channel (mean, biased variance, unbiased variance) of an [N, C, H, W] array.</summary>
    private static (double[] mean, double[] biased, double[] unbiased) ChannelStats(double[] x, long[] s)
    {
        long n = s[0], c = s[1], hw = s.Skip(2).Aggregate(1L, (a, b) => a * b);
        var m = n * hw;
        var mean = new double[c];
        var biased = new double[c];
        var unbiased = new double[c];
        for (var ch = 0L; ch < c; ch++)
        {
            var sum = 0.0;
            for (var i = 0L; i < n; i++) for (var j = 0L; j < hw; j++) sum += x[(i * c + ch) * hw + j];
            mean[ch] = sum / m;
            var sq = 0.0;
            for (var i = 0L; i < n; i++) for (var j = 0L; j < hw; j++) { var d = x[(i * c + ch) * hw + j] - mean[ch]; sq += d * d; }
            biased[ch] = sq / m;
            unbiased[ch] = sq / (m - 1);
        }
        return (mean, biased, unbiased);
    }

    private static double[] Normalise(double[] x, long[] s, double[] mean, double[] var, double[] gamma, double[] beta, double eps)
    {
        long c = s[1], hw = s.Skip(2).Aggregate(1L, (a, b) => a * b);
        var r = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var ch = i / hw % c;
            r[i] = (x[i] - mean[ch]) / Math.Sqrt(var[ch] + eps) * gamma[ch] + beta[ch];
        }
        return r;
    }

    [Fact]
    public void BatchNorm2dTrainingUsesBatchStatsAndUpdatesRunningStats()
    {
        using var bn = nn.BatchNorm2d(3, dtype: ScalarType.Float64);
        Assert.Equal(0.1, bn.momentum);
        Assert.Equal(1e-5, bn.eps);
        Assert.Equal(new double[] { 0, 0, 0 }, bn.running_mean!.ToArray<double>());
        Assert.Equal(new double[] { 1, 1, 1 }, bn.running_var!.ToArray<double>());
        Assert.Equal(0L, bn.num_batches_tracked!.item<long>());
        Assert.Equal(ScalarType.Int64, bn.num_batches_tracked.dtype);
        var gamma = new[] { 0.5, 1.5, -2.0 };
        var beta = new[] { 0.1, -0.3, 2.0 };
        Set(bn.weight!, gamma);
        Set(bn.bias!, beta);

        long[] shape = [4, 3, 2, 3];
        var rng = new Random(50);
        var rm = new double[3];
        var rv = new[] { 1.0, 1.0, 1.0 };
        for (var step = 1; step <= 2; step++)
        {
            // Channel-dependent offsets and scales so the statistics differ per channel.
            var xs = Uniform(rng, Numel(shape)).Select((v, i) => v * (1 + i / 6 % 3) + 3 * (i / 6 % 3) + step).ToArray();
            using var x = Leaf(xs, shape, requiresGrad: false);
            using var y = bn.forward(x);
            var (mean, biased, unbiased) = ChannelStats(xs, shape);
            Close(Normalise(xs, shape, mean, biased, gamma, beta, 1e-5), D(y), 1e-10, 1e-10, $"train output step {step}");
            for (var c = 0; c < 3; c++)
            {
                rm[c] = 0.9 * rm[c] + 0.1 * mean[c];
                rv[c] = 0.9 * rv[c] + 0.1 * unbiased[c];
            }
            Close(rm, bn.running_mean.ToArray<double>(), 1e-12, 1e-12, $"running_mean step {step}");
            Close(rv, bn.running_var.ToArray<double>(), 1e-12, 1e-12, $"running_var (unbiased) step {step}");
            Assert.Equal((long)step, bn.num_batches_tracked.item<long>());
        }

        // Evaluation: running statistics, which stay untouched, as does the counter.
        bn.eval();
        var xe = Uniform(rng, Numel(shape), -3, 3);
        using var xEval = Leaf(xe, shape, requiresGrad: false);
        using var yEval = bn.forward(xEval);
        Close(Normalise(xe, shape, rm, rv, gamma, beta, 1e-5), D(yEval), 1e-10, 1e-10, "eval output");
        Close(rm, bn.running_mean.ToArray<double>(), 0, 0, "running_mean after eval");
        Close(rv, bn.running_var.ToArray<double>(), 0, 0, "running_var after eval");
        Assert.Equal(2L, bn.num_batches_tracked.item<long>());
    }

    [Fact]
    public void BatchNorm1dCustomMomentumAndEps()
    {
        using var bn = nn.BatchNorm1d(2, eps: 1e-3, momentum: 0.3, dtype: ScalarType.Float64);
        var xs = new double[] { 1, 10, 2, 20, 4, 40, 7, 30, 0, 0 };
        using var x = Leaf(xs, [5, 2], requiresGrad: false);
        using var y = bn.forward(x);
        var (mean, biased, unbiased) = ChannelStats(xs, [5, 2]);
        Close(Normalise(xs, [5, 2], mean, biased, [1, 1], [0, 0], 1e-3), D(y), 1e-10, 1e-10, "BatchNorm1d output");
        Close([0.3 * mean[0], 0.3 * mean[1]], bn.running_mean!.ToArray<double>(), 1e-12, 1e-12, "running_mean");
        Close([0.7 + 0.3 * unbiased[0], 0.7 + 0.3 * unbiased[1]], bn.running_var!.ToArray<double>(), 1e-12, 1e-12, "running_var");
    }

    [Fact]
    public void BatchNormWithoutRunningStatsUsesBatchStatsInEval()
    {
        using var bn = nn.BatchNorm1d(2, track_running_stats: false, affine: false, dtype: ScalarType.Float64);
        Assert.Empty(bn.named_buffers());
        Assert.Empty(bn.named_parameters());
        bn.eval();
        var xs = new double[] { 1, 10, 2, 20, 4, 40 };
        using var x = Leaf(xs, [3, 2], requiresGrad: false);
        using var y = bn.forward(x);
        var (mean, biased, _) = ChannelStats(xs, [3, 2]);
        Close(Normalise(xs, [3, 2], mean, biased, [1, 1], [0, 0], 1e-5), D(y), 1e-10, 1e-10, "batch stats in eval");
    }

    // ------------------------------------------------------------------ layer norm by hand

    [Fact]
    public void LayerNormForwardMatchesHandComputation()
    {
        using var ln = nn.LayerNorm([3, 4], eps: 1e-5, dtype: ScalarType.Float64);
        Assert.Equal(Enumerable.Repeat(1.0, 12), ln.weight!.ToArray<double>());
        Assert.Equal(Enumerable.Repeat(0.0, 12), ln.bias!.ToArray<double>());
        var rng = new Random(60);
        var gamma = Uniform(rng, 12, 0.5, 1.5);
        var beta = Uniform(rng, 12, -1, 1);
        Set(ln.weight, gamma);
        Set(ln.bias!, beta);
        var xs = Uniform(rng, 2 * 5 * 12, -3, 3);
        using var x = Leaf(xs, [2, 5, 3, 4], requiresGrad: false);
        using var y = ln.forward(x);
        var expected = new double[xs.Length];
        for (var row = 0; row < 10; row++)
        {
            var seg = xs.Skip(row * 12).Take(12).ToArray();
            var mean = seg.Average();
            var var = seg.Select(v => (v - mean) * (v - mean)).Average(); // biased
            for (var j = 0; j < 12; j++)
                expected[row * 12 + j] = (seg[j] - mean) / Math.Sqrt(var + 1e-5) * gamma[j] + beta[j];
        }
        Close(expected, D(y), 1e-10, 1e-10, "LayerNorm");
    }

    [Fact]
    public void LayerNormWithoutAffineHasNoParameters()
    {
        using var ln = nn.LayerNorm(4, elementwise_affine: false);
        Assert.Empty(ln.parameters());
        using var x = tensor(new float[] { 1, 2, 3, 6 }, [1, 4]);
        using var y = ln.forward(x);
        var mean = 3.0;
        var var = (4 + 1 + 0 + 9) / 4.0;
        Close(new[] { 1, 2, 3, 6.0 }.Select(v => (v - mean) / Math.Sqrt(var + 1e-5)).ToArray(), D(y), 1e-6, 0, "LayerNorm no affine");
    }

    // ------------------------------------------------------------------ errors

    [Fact]
    public void BatchNormWrongRankNamesExpectedShape()
    {
        using var bn2 = nn.BatchNorm2d(3);
        using var x3 = ones(2, 3, 5);
        var e = Assert.Throws<ArgumentException>(() => bn2.forward(x3));
        Assert.Contains("[N, C, H, W]", e.Message);
        Assert.Contains("[2, 3, 5]", e.Message);

        using var bn1 = nn.BatchNorm1d(3);
        using var x4 = ones(2, 3, 4, 5);
        var e1 = Assert.Throws<ArgumentException>(() => bn1.forward(x4));
        Assert.Contains("[N, C]", e1.Message);
        Assert.Contains("[2, 3, 4, 5]", e1.Message);

        using var good = ones(2, 3, 4, 4);
        using var y = bn2.forward(good);
        Assert.Equal(new long[] { 2, 3, 4, 4 }, y.shape);
    }

    [Fact]
    public void BatchNormWrongChannelCountThrowsAndProcessContinues()
    {
        using var bn = nn.BatchNorm2d(3);
        using var bad = ones(2, 4, 5, 5);
        var e = Assert.Throws<TorchException>(() => bn.forward(bad));
        Assert.Contains("3", e.Message);
        Assert.Contains("4", e.Message);
        bn.eval();
        Assert.Throws<TorchException>(() => bn.forward(bad));
        using var good = ones(2, 3, 5, 5);
        using var y = bn.forward(good);
        Assert.Equal(new long[] { 2, 3, 5, 5 }, y.shape);
    }

    [Fact]
    public void LayerNormWrongTrailingShapeNamesExpectedShape()
    {
        using var ln = nn.LayerNorm(4);
        using var bad = ones(2, 3);
        var e = Assert.Throws<TorchException>(() => ln.forward(bad));
        Assert.Contains("[*, 4]", e.Message);
    }
}
