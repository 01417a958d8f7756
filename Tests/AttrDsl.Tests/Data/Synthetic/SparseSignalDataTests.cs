using AttrDsl.Datasets.Synthetic;

namespace AttrDsl.Tests.Data.Synthetic;

/// <summary>The sparse-signal classification generator: determinism, shapes, and the planted ground truth.</summary>
public class SparseSignalDataTests
{
    private static readonly SparseSignalOptions Small = new() { TrainSamples = 20, TestSamples = 30 };

    [Fact]
    public void SameSeedGivesTheSameDataAndAnotherSeedDifferentData()
    {
        using var a = SparseSignalData.Generate(9, Small);
        using var b = SparseSignalData.Generate(9, Small);
        using var c = SparseSignalData.Generate(10, Small);
        Assert.Equal(a.TrainX.ToArray<float>(), b.TrainX.ToArray<float>());
        Assert.Equal(a.TrainY.ToArray<float>(), b.TrainY.ToArray<float>());
        Assert.Equal(a.TestX.ToArray<float>(), b.TestX.ToArray<float>());
        Assert.Equal(a.TestY.ToArray<float>(), b.TestY.ToArray<float>());
        Assert.Equal(a.SignalFeatureIndices, b.SignalFeatureIndices);
        Assert.Equal(a.TrueWeights, b.TrueWeights);
        Assert.NotEqual(a.TrainX.ToArray<float>(), c.TrainX.ToArray<float>());
        Assert.NotEqual(a.TrueWeights, c.TrueWeights);
    }

    [Fact]
    public void TrainingDataDoesNotDependOnTheTestSize()
    {
        using var a = SparseSignalData.Generate(1, Small);
        using var b = SparseSignalData.Generate(1, Small with { TestSamples = 300 });
        Assert.Equal(a.TrainX.ToArray<float>(), b.TrainX.ToArray<float>());
        Assert.Equal(a.TrainY.ToArray<float>(), b.TrainY.ToArray<float>());
    }

    [Fact]
    public void DefaultsMatchTheNhanesSetupAndShapesAreAsDocumented()
    {
        using var d = SparseSignalData.Generate(0);
        Assert.Equal(new long[] { 100, 50 }, d.TrainX.shape);
        Assert.Equal(new long[] { 100 }, d.TrainY.shape);
        Assert.Equal(new long[] { 5000, 50 }, d.TestX.shape);
        Assert.Equal(new long[] { 5000 }, d.TestY.shape);
        Assert.Equal(ScalarType.Float32, d.TrainY.dtype);
        Assert.Equal(5, d.SignalFeatureIndices.Count);
        Assert.Equal(5000, d.TestLogits.Count);
        Assert.All(d.TrainY.ToArray<float>().Concat(d.TestY.ToArray<float>()), v => Assert.True(v is 0f or 1f));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void ExactlyThePlantedFeaturesHaveNonzeroWeightsOnePerBlock(int seed)
    {
        using var d = SparseSignalData.Generate(seed, Small with { Features = 53, BlockSize = 5, SignalFeatures = 7 });
        var nonzero = Enumerable.Range(0, d.Features).Where(j => d.TrueWeights[j] != 0).ToArray();
        Assert.Equal(d.SignalFeatureIndices, nonzero);
        Assert.Equal(7, nonzero.Length);
        Assert.Equal(nonzero.OrderBy(j => j), nonzero);
        Assert.Equal(7, nonzero.Select(j => d.BlockOf[j]).Distinct().Count());
        Assert.Equal(10, d.BlockOf[52]);   // the last block is the short one
    }

    [Fact]
    public void LogitsAreTheLinearModelWithTheRequestedSpread()
    {
        var options = new SparseSignalOptions { TrainSamples = 5, TestSamples = 40000, LogitStd = 1.5, Intercept = 0.3, Dtype = ScalarType.Float64 };
        using var d = SparseSignalData.Generate(4, options);
        var x = d.TestX.ToArray<double>();
        var w = d.TrueWeights;
        for (var r = 0; r < 20; r++)
            Assert.Equal(d.TestLogits[r], 0.3 + Enumerable.Range(0, 50).Sum(j => w[j] * x[r * 50 + j]), 10);
        Assert.Equal(1.5, Math.Sqrt(FeatureGraphDataTests.Variance(d.TestLogits.ToArray())), 0.03);
        // labels are Bernoulli(σ(logit)): the label mean matches the mean probability
        var y = d.TestY.ToArray<double>();
        var p = d.TestLogits.Select(z => 1 / (1 + Math.Exp(-z))).Average();
        Assert.Equal(p, y.Average(), 0.015);
    }

    [Fact]
    public void OnlyThePlantedFeaturesCarrySignal()
    {
        // With independent features (ρ = 0), every unplanted feature is independent of the label and every planted one is not.
        var options = new SparseSignalOptions { Correlation = 0, TrainSamples = 5, TestSamples = 40000, LogitStd = 2, Dtype = ScalarType.Float64 };
        using var d = SparseSignalData.Generate(8, options);
        var x = d.TestX.ToArray<double>();
        var y = d.TestY.ToArray<double>();
        var bound = 4.5 / Math.Sqrt(40000);   // |r| of independent variables stays below this with overwhelming probability
        for (var j = 0; j < 50; j++)
        {
            var col = Enumerable.Range(0, 40000).Select(r => x[r * 50 + j]).ToArray();
            var r2 = FeatureGraphDataTests.Correlation(col, y);
            if (d.SignalFeatureIndices.Contains(j)) Assert.True(Math.Abs(r2) > 0.1, $"planted feature {j}: r = {r2}");
            else Assert.True(Math.Abs(r2) < bound, $"unplanted feature {j}: r = {r2}");
        }
        // and the true logit ranks the test set well above chance
        Assert.InRange(SyntheticMetrics.RocAuc(d.TestLogits, y), 0.8, 0.95);
    }

    [Fact]
    public void FeaturesAreCorrelatedWithinBlocksOnly()
    {
        var options = new SparseSignalOptions { Correlation = 0.5, TrainSamples = 5, TestSamples = 30000, Dtype = ScalarType.Float64 };
        using var d = SparseSignalData.Generate(3, options);
        var x = d.TestX.ToArray<double>();
        double[] Col(int j) => Enumerable.Range(0, 30000).Select(r => x[r * 50 + j]).ToArray();
        Assert.Equal(0.5, FeatureGraphDataTests.Correlation(Col(10), Col(14)), 0.03);
        Assert.Equal(0.0, FeatureGraphDataTests.Correlation(Col(14), Col(15)), 0.03);
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SparseSignalData.Generate(0, Small with { SignalFeatures = 11 }));   // only 10 blocks
        Assert.Throws<ArgumentOutOfRangeException>(() => SparseSignalData.Generate(0, Small with { BlockSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => SparseSignalData.Generate(0, Small with { LogitStd = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => SparseSignalData.Generate(0, Small with { Correlation = -0.1 }));
    }
}
