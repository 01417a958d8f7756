namespace AttrDsl.Tests.Attribution;

/// <summary>Small helpers for the perturbation, layer and metric attribution tests (float64 throughout).</summary>
internal static class Lpm
{
    /// <summary>A float64 tensor from values and a shape (1-D when no shape is given).</summary>
    /// <remarks>TorchSharp reads a null or empty shape as 0-D, so the 1-D case calls the shapeless overload.</remarks>
    public static Tensor T(double[] values, params long[] shape) => shape.Length == 0 ? tensor(values) : tensor(values, shape);

    /// <summary>The values of a tensor as float64.</summary>
    public static double[] A(Tensor t)
    {
        using var d = t.detach().to(ScalarType.Float64);
        return d.ToArray<double>();
    }

    /// <summary>Deterministic pseudo-random values in [lo, hi).</summary>
    public static double[] Values(int n, int seed, double lo = -1, double hi = 1)
    {
        var rng = new Random(seed);
        var v = new double[n];
        for (var i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.NextDouble();
        return v;
    }

    /// <summary>f(x) = x·w + c per row of a [B, n] batch, output [B].</summary>
    public static Func<Tensor, Tensor> LinearModel(double[] w, double c = 0)
    {
        var wt = T(w).DetachFromDisposeScope();
        return x => x.mv(wt).add(c);
    }

    /// <summary>Asserts elementwise closeness with a message naming the worst element.</summary>
    public static void Close(double[] expected, double[] actual, double atol, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = -1;
        var worstErr = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            var err = Math.Abs(expected[i] - actual[i]);
            if (double.IsNaN(actual[i]) || err > worstErr) { worstErr = double.IsNaN(actual[i]) ? double.PositiveInfinity : err; worst = i; }
        }
        Assert.True(worstErr <= atol, $"{what} element {worst}: expected {(worst >= 0 ? expected[worst] : 0)}, got {(worst >= 0 ? actual[worst] : 0)} (|err| {worstErr} > {atol})");
    }
}
