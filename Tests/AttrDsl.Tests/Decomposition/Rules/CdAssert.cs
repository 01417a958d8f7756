using AttrDsl.Decomposition;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

/// <summary>Shared checks and builders for the contextual-decomposition tests (float64 throughout).</summary>
internal static class CdAssert
{
    /// <summary>The completeness tolerance of the issue: β + γ equals the real activation within 1e-8.</summary>
    public const double Tolerance = 1e-8;

    /// <summary>Max |a − b| over all elements (shapes must match exactly).</summary>
    public static double MaxDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        using var d = (a - b).abs().max();
        return d.item<double>();
    }

    /// <summary>β + γ equals <paramref name="expected"/> within 1e-8, and both parts have its shape.</summary>
    public static void Complete(Dec d, Tensor expected)
    {
        Assert.Equal(expected.shape, d.Relevant.shape);
        Assert.Equal(expected.shape, d.Irrelevant.shape);
        using var total = d.Total();
        var diff = MaxDiff(total, expected);
        Assert.True(diff <= Tolerance, $"β + γ differs from the activation by {diff:E3} (> {Tolerance:E0})");
    }

    /// <summary>All elements of <paramref name="t"/> within <paramref name="tol"/> of 0.</summary>
    public static void Zero(Tensor t, double tol = 1e-12)
    {
        using var m = t.abs().max();
        Assert.True(m.item<double>() <= tol, $"expected 0, max |value| = {m.item<double>():E3}");
    }

    /// <summary>A random split of a random float64 activation of <paramref name="shape"/>: β = m ⊙ x, γ = (1 − m) ⊙ x with a random 0/1 mask.</summary>
    public static (Dec D, Tensor X) RandomSplit(params long[] shape)
    {
        var x = randn(shape, dtype: float64);
        var m = (rand(shape, dtype: float64) > 0.5).to(float64);
        return (new Dec(m * x, (1 - m) * x), x);
    }

    /// <summary>A random 0/1 mask of <paramref name="shape"/> (float64).</summary>
    public static Tensor RandomMask(params long[] shape) => (rand(shape, dtype: float64) > 0.5).to(float64);
}
