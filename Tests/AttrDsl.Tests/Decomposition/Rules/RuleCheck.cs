using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

/// <summary>Checks for the functional CD rules (float64): completeness within 1e-10 and parts against independent values.</summary>
internal static class RuleCheck
{
    /// <summary>The completeness tolerance of these rules: β' + γ' equals the plain op on β + γ within 1e-10.</summary>
    public const double Tolerance = 1e-10;

    /// <summary>Random, independent β and γ of <paramref name="shape"/> (both non-zero almost surely) and x = β + γ.</summary>
    public static (Dec D, Tensor X) Pair(params long[] shape)
    {
        var b = randn(shape, dtype: float64);
        var g = randn(shape, dtype: float64);
        return (new Dec(b, g), b + g);
    }

    /// <summary>β' + γ' equals <paramref name="expected"/> within 1e-10, and both parts have its shape.</summary>
    public static void Complete(Dec d, Tensor expected)
    {
        Assert.Equal(expected.shape, d.Relevant.shape);
        Assert.Equal(expected.shape, d.Irrelevant.shape);
        Close(d.Relevant + d.Irrelevant, expected, "β' + γ'");
    }

    /// <summary>|a − b| ≤ <paramref name="tol"/> everywhere, shapes equal.</summary>
    public static void Close(Tensor actual, Tensor expected, string what = "value", double tol = Tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = (actual - expected).abs().max().item<double>();
        Assert.True(diff <= tol, $"{what} differs from the expected value by {diff:E3} (> {tol:E0})");
    }

    /// <summary>The op applied to a decomposition moved β and γ exactly as the plain op moves each of them.</summary>
    public static void Alike(Dec result, Dec d, Func<Tensor, Tensor> op)
    {
        Close(result.Relevant, op(d.Relevant), "β'", 0);
        Close(result.Irrelevant, op(d.Irrelevant), "γ'", 0);
    }

    /// <summary>A one-element float64 decomposition.</summary>
    public static Dec Scalar1(double beta, double gamma) => new(tensor(new[] { beta }, [1]), tensor(new[] { gamma }, [1]));

    /// <summary>The single value of a one-element tensor.</summary>
    public static double V(Tensor t) => t.to(float64).item<double>();
}
