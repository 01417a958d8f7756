using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.PathMethods;

// The namespace is PathMethods, not Path: a namespace named Path would shadow System.IO.Path in every
// AttrDsl.Tests.Attribution.* file. "AttrDsl.Tests.Attribution.Path" still selects these tests.

/// <summary>Helpers for the attribution tests: float64 tensors from arrays, deterministic data from System.Random, comparisons.</summary>
internal static class AttrKit
{
    /// <summary>A float64 tensor with the given values and shape.</summary>
    public static Tensor T(double[] values, params long[] shape) => tensor(values, shape.Length == 0 ? null : shape, float64);

    /// <summary>The values as doubles.</summary>
    public static double[] D(Tensor t)
    {
        using var d = t.detach().to(float64);
        return d.ToArray<double>();
    }

    /// <summary>n values uniform in [lo, hi) from a seeded System.Random (never libtorch's generator).</summary>
    public static double[] Uniform(Random r, int n, double lo = -1, double hi = 1)
    {
        var v = new double[n];
        for (var i = 0; i < n; i++) v[i] = lo + (hi - lo) * r.NextDouble();
        return v;
    }

    /// <summary>Asserts |expected − actual| ≤ atol + rtol·|expected| elementwise, naming the first failure.</summary>
    public static void Close(double[] expected, double[] actual, double atol, double rtol = 0, string what = "value")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tol = atol + rtol * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol && !double.IsNaN(actual[i]),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (|diff| {Math.Abs(expected[i] - actual[i]):E3} > tol {tol:E3})");
        }
    }

    /// <summary>Asserts |expected − actual| ≤ atol + rtol·|expected| elementwise.</summary>
    public static void Close(double[] expected, Tensor actual, double atol, double rtol = 0, string what = "value") =>
        Close(expected, D(actual), atol, rtol, what);

    /// <summary>Per-column mean and standard error of the mean over the rows of a [R, D] row-major array.</summary>
    public static (double[] Mean, double[] StdErr) MeanAndStdErr(double[] values, int rows, int cols)
    {
        var mean = new double[cols];
        var se = new double[cols];
        for (var j = 0; j < cols; j++)
        {
            double s = 0;
            for (var r = 0; r < rows; r++) s += values[r * cols + j];
            var m = s / rows;
            double ss = 0;
            for (var r = 0; r < rows; r++) { var d = values[r * cols + j] - m; ss += d * d; }
            mean[j] = m;
            se[j] = Math.Sqrt(ss / (rows - 1) / rows);
        }
        return (mean, se);
    }

    /// <summary>f(x) = x·w + c for x [B, D] → [B] (use Target.Output).</summary>
    public static Func<Tensor, Tensor> LinearModel(double[] w, double c = 0)
    {
        return x =>
        {
            using var wt = tensor(w, [w.Length], x.dtype);
            // Elementwise product and sum, not matmul: TorchSharp's matmul kills the process on a shape mismatch.
            using var xw = x * wt;
            using var dot = xw.sum(1);
            return dot + c;
        };
    }

    /// <summary>f(x) = Σ_i a_i x_i² for x [B, D] → [B].</summary>
    public static Func<Tensor, Tensor> QuadraticModel(double[] a)
    {
        return x =>
        {
            using var at = tensor(a, [a.Length], x.dtype);
            using var sq = x.square();
            using var prod = sq * at;
            return prod.sum(1);
        };
    }

    /// <summary>Two outputs per sample: [Σ a_i x_i², x·w] for x [B, D] → [B, 2].</summary>
    public static Func<Tensor, Tensor> TwoHeadModel(double[] a, double[] w)
    {
        var q = QuadraticModel(a);
        var l = LinearModel(w);
        return x =>
        {
            using var f0 = q(x);
            using var f1 = l(x);
            return stack([f0, f1], 1);
        };
    }
}
