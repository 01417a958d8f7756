using AttrDsl.Datasets.Synthetic;

namespace AttrDsl.Tests.Data.Synthetic;

/// <summary>The feature-graph regression generator: determinism, shapes, and the ground truth it promises.</summary>
public class FeatureGraphDataTests
{
    private static readonly FeatureGraphOptions Small = new() { Features = 12, Modules = 3, TrainSamples = 7, TestSamples = 9 };

    [Fact]
    public void SameSeedGivesTheSameDataAndAnotherSeedDifferentData()
    {
        using var a = FeatureGraphData.Generate(5, Small);
        using var b = FeatureGraphData.Generate(5, Small);
        using var c = FeatureGraphData.Generate(6, Small);
        Assert.Equal(a.TrainX.ToArray<float>(), b.TrainX.ToArray<float>());
        Assert.Equal(a.TrainY.ToArray<float>(), b.TrainY.ToArray<float>());
        Assert.Equal(a.TestX.ToArray<float>(), b.TestX.ToArray<float>());
        Assert.Equal(a.TestY.ToArray<float>(), b.TestY.ToArray<float>());
        Assert.Equal(a.TrueCoefficients, b.TrueCoefficients);
        Assert.Equal(a.Edges, b.Edges);
        Assert.NotEqual(a.TrainX.ToArray<float>(), c.TrainX.ToArray<float>());
        Assert.NotEqual(a.TrueCoefficients, c.TrueCoefficients);
    }

    [Fact]
    public void TrainingDataDoesNotDependOnTheTestSize()
    {
        using var a = FeatureGraphData.Generate(2, Small);
        using var b = FeatureGraphData.Generate(2, Small with { TestSamples = 50 });
        Assert.Equal(a.TrainX.ToArray<float>(), b.TrainX.ToArray<float>());
        Assert.Equal(a.TrainY.ToArray<float>(), b.TrainY.ToArray<float>());
        Assert.Equal(a.TestX.ToArray<float>(), b.TestX.narrow(0, 0, 9).ToArray<float>());
    }

    [Fact]
    public void ShapesAndDtypesAreAsDocumented()
    {
        using var d = FeatureGraphData.Generate(0, Small);
        Assert.Equal(new long[] { 7, 12 }, d.TrainX.shape);
        Assert.Equal(new long[] { 7 }, d.TrainY.shape);
        Assert.Equal(new long[] { 9, 12 }, d.TestX.shape);
        Assert.Equal(new long[] { 9 }, d.TestY.shape);
        Assert.Equal(ScalarType.Float32, d.TrainX.dtype);
        Assert.Equal(12, d.Features);
        Assert.Equal(12, d.TrueCoefficients.Count);
        Assert.Equal(9, d.TestSignal.Count);
        using var dbl = FeatureGraphData.Generate(0, Small with { Dtype = ScalarType.Float64 });
        Assert.Equal(ScalarType.Float64, dbl.TestY.dtype);
        Assert.Equal(d.TrainX.ToArray<float>(), dbl.TrainX.to(ScalarType.Float32).ToArray<float>());
    }

    [Fact]
    public void TheGraphIsOneCliquePerContiguousModule()
    {
        using var d = FeatureGraphData.Generate(0, new FeatureGraphOptions { Features = 10, Modules = 3, TrainSamples = 2, TestSamples = 2 });
        // sizes 4, 3, 3 (differ by at most one), contiguous
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2 }, d.ModuleOf);
        Assert.Equal(6 + 3 + 3, d.Edges.Count);
        Assert.All(d.Edges, e =>
        {
            Assert.True(e.i < e.j);
            Assert.Equal(d.ModuleOf[(int)e.i], d.ModuleOf[(int)e.j]);
            Assert.Equal(1.0, e.w);
        });
        Assert.Equal(d.Edges.Count, d.Edges.Distinct().Count());
    }

    [Fact]
    public void TrueCoefficientsAreConstantWithinModulesSoTheirRoughnessIsZero()
    {
        using var d = FeatureGraphData.Generate(3);
        var beta = d.TrueCoefficients;
        Assert.All(d.Edges, e => Assert.Equal(beta[(int)e.i], beta[(int)e.j]));
        for (var j = 1; j < d.Features; j++)
            if (d.ModuleOf[j] == d.ModuleOf[j - 1]) Assert.Equal(beta[j - 1], beta[j]);
        Assert.Equal(0.0, d.Roughness(beta));
        using var laplacian = d.CreateLaplacian();
        using var b = tensor(beta.ToArray());
        using var q = laplacian.Quadratic(b);
        Assert.Equal(0.0, q.item<double>());
        Assert.All(beta, v => Assert.NotEqual(0.0, v));   // all modules active by default
        // a vector that is not constant within a module is rough
        var bumped = beta.ToArray();
        bumped[0] += 1;
        Assert.True(d.Roughness(bumped) > 0);
    }

    [Fact]
    public void InactiveModulesHaveZeroCoefficients()
    {
        using var d = FeatureGraphData.Generate(4, new FeatureGraphOptions { Features = 30, Modules = 5, ActiveModules = 2, TrainSamples = 3, TestSamples = 3 });
        var active = Enumerable.Range(0, 5).Where(m => Enumerable.Range(0, 30).Where(j => d.ModuleOf[j] == m).All(j => d.TrueCoefficients[j] != 0)).ToArray();
        var zero = Enumerable.Range(0, 5).Where(m => Enumerable.Range(0, 30).Where(j => d.ModuleOf[j] == m).All(j => d.TrueCoefficients[j] == 0)).ToArray();
        Assert.Equal(2, active.Length);
        Assert.Equal(3, zero.Length);
        Assert.Equal(0.0, d.Roughness(d.TrueCoefficients));
    }

    [Fact]
    public void StatisticsMatchTheModel()
    {
        // Large test set: signal variance = SNR·σ², noise variance = σ², correlation ρ within modules and 0 across.
        var options = new FeatureGraphOptions { Features = 12, Modules = 3, TrainSamples = 1, TestSamples = 40000, Correlation = 0.6, SignalToNoise = 2, NoiseStd = 0.5, Dtype = ScalarType.Float64 };
        using var d = FeatureGraphData.Generate(11, options);
        Assert.Equal(0.5, d.SignalVariance, 10);
        Assert.Equal(0.25, d.BayesMse, 12);
        Assert.Equal(2.0 / 3, d.BayesR2, 12);
        var signal = d.TestSignal.ToArray();
        var y = d.TestY.ToArray<double>();
        Assert.Equal(0.5, Variance(signal), 0.03);
        Assert.Equal(0.25, Variance(y.Zip(signal, (a, b) => a - b).ToArray()), 0.01);
        var x = d.TestX.ToArray<double>();
        double[] Col(int j) => Enumerable.Range(0, 40000).Select(r => x[r * 12 + j]).ToArray();
        Assert.Equal(1.0, Variance(Col(5)), 0.05);
        Assert.Equal(0.6, Correlation(Col(0), Col(3)), 0.03);   // same module
        Assert.Equal(0.0, Correlation(Col(0), Col(4)), 0.03);   // different modules
        // the target really is βᵀx + noise
        var beta = d.TrueCoefficients;
        for (var r = 0; r < 5; r++)
            Assert.Equal(signal[r], Enumerable.Range(0, 12).Sum(j => beta[j] * x[r * 12 + j]), 10);
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureGraphData.Generate(0, Small with { Modules = 13 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureGraphData.Generate(0, Small with { Correlation = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureGraphData.Generate(0, Small with { ActiveModules = 4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureGraphData.Generate(0, Small with { TrainSamples = 0 }));
        Assert.Throws<ArgumentException>(() => FeatureGraphData.Generate(0, Small with { Dtype = ScalarType.Int64 }));
    }

    internal static double Variance(double[] v)
    {
        var m = v.Average();
        return v.Sum(a => (a - m) * (a - m)) / (v.Length - 1);
    }

    internal static double Correlation(double[] a, double[] b)
    {
        var ma = a.Average();
        var mb = b.Average();
        var cov = a.Zip(b, (p, q) => (p - ma) * (q - mb)).Sum();
        return cov / Math.Sqrt(a.Sum(p => (p - ma) * (p - ma)) * b.Sum(q => (q - mb) * (q - mb)));
    }
}
