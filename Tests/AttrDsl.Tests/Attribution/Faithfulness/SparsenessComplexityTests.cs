using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Faithfulness;

public class SparsenessComplexityTests
{
    [Fact]
    public void UniformAttributionsHaveGiniZeroAndEntropyLogN()
    {
        using var scope = NewDisposeScope();
        // Two samples of n = 6 equal magnitudes (signs do not matter: both metrics read |a|).
        var a = tensor(new[] { 2f, -2, 2, 2, -2, 2, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f }, [2, 6]);
        Assert.All(Sparseness.Compute(a), g => Assert.Equal(0, g, 12));
        Assert.All(Complexity.Compute(a), h => Assert.Equal(Math.Log(6), h, 12));
    }

    [Fact]
    public void OneHotAttributionsHaveGiniNMinusOneOverNAndEntropyZero()
    {
        using var scope = NewDisposeScope();
        // n = 8 features (shape [2, 2, 4]), all the mass on one: Gini (n − 1)/n = 7/8, entropy 0.
        var a = zeros(2, 2, 4);
        a[0, 1, 2] = tensor(-3f);
        a[1, 0, 0] = tensor(0.25f);
        Assert.All(Sparseness.Compute(a), g => Assert.Equal(7.0 / 8, g, 12));
        Assert.All(Complexity.Compute(a), h => Assert.Equal(0, h, 12));
    }

    [Fact]
    public void HandComputedValues()
    {
        using var scope = NewDisposeScope();
        // |a| sorted = 0, 1, 2, 3 (n = 4, Σ = 6): Σ (2k − n − 1)·a_k = −3·0 − 1·1 + 1·2 + 3·3 = 10, Gini = 10 / (4·6) = 5/12.
        Assert.Equal(5.0 / 12, Sparseness.Compute(tensor(new[] { 3f, 0, -1, 2 }, [1, 4]))[0], 12);
        // p = (1, 1, 2)/4 = ¼, ¼, ½: H = 2·¼·ln 4 + ½·ln 2 = 1.5·ln 2.
        Assert.Equal(1.5 * Math.Log(2), Complexity.Compute(tensor(new[] { 1f, -1, 2 }, [1, 3]))[0], 12);
    }

    [Fact]
    public void AllZeroAttributionsReadAsUniform()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(0, Sparseness.Compute(zeros(1, 5))[0]);
        Assert.Equal(Math.Log(5), Complexity.Compute(zeros(1, 5))[0], 12);
    }

    [Fact]
    public void NonFiniteAttributionsAreRefusedByName()
    {
        using var scope = NewDisposeScope();
        var bad = tensor(new[] { 1f, float.NaN }, [1, 2]);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>("attributions", () => Sparseness.Compute(bad)).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>("attributions", () => Complexity.Compute(bad)).Message);
    }
}
