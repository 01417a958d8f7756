namespace AttrDsl.Tests.Infrastructure;

/// <summary>
/// Seeded float64 inputs for gradient checks. Every draw seeds libtorch's global generator with
/// <c>manual_seed</c> under a lock, so a test's inputs do not depend on which other gradient tests ran
/// first. The shaping helpers keep values away from kinks and ties whatever the draw, so a test stays
/// valid even if another test class touches the global generator concurrently.
/// </summary>
public static class GradInputs
{
    private static readonly object RngLock = new();

    private static T Seeded<T>(long seed, Func<T> draw)
    {
        lock (RngLock)
        {
            manual_seed(seed);
            return draw();
        }
    }

    /// <summary>N(0, 1) samples.</summary>
    public static Tensor Randn(long seed, params long[] shape) => Seeded(seed, () => randn(shape, float64));

    /// <summary>U(lo, hi) samples.</summary>
    public static Tensor Uniform(long seed, double lo, double hi, params long[] shape) =>
        Map(Seeded(seed, () => rand(shape, float64)), u => lo + (hi - lo) * u);

    /// <summary>N(0, 1) samples pushed at least <paramref name="margin"/> away from zero (sign kept).</summary>
    public static Tensor AwayFromZero(long seed, double margin, params long[] shape) =>
        Map(Randn(seed, shape), v => v >= 0 ? v + margin : v - margin);

    /// <summary>
    /// Pairwise distinct values: a random permutation of (k − (n−1)/2)·spacing, so every two elements
    /// differ by at least <paramref name="spacing"/> (no ties for max, sort, pooling).
    /// </summary>
    public static Tensor Distinct(long seed, double spacing, params long[] shape)
    {
        long n = 1;
        foreach (var s in shape) n *= s;
        var perm = Seeded(seed, () => randperm(n)).ToArray<long>();
        var values = perm.Select(k => (k - (n - 1) / 2.0) * spacing).ToArray();
        return tensor(values, shape);
    }

    /// <summary>
    /// Values with pairwise distinct magnitudes ≥ <paramref name="spacing"/> and random signs (for the ∞-norm
    /// and anything with a kink at zero).
    /// </summary>
    public static Tensor DistinctMagnitudes(long seed, double spacing, params long[] shape)
    {
        long n = 1;
        foreach (var s in shape) n *= s;
        var (perm, signs) = Seeded(seed, () => (randperm(n).ToArray<long>(), rand([n], float64).ToArray<double>()));
        var values = new double[n];
        for (var k = 0; k < n; k++) values[k] = (perm[k] + 1) * spacing * (signs[k] < 0.5 ? -1 : 1);
        return tensor(values, shape);
    }

    /// <summary>Uniform int64 class indices in [0, high).</summary>
    public static Tensor Indices(long seed, long high, params long[] shape) => Seeded(seed, () => randint(0, high, shape));

    /// <summary>A random bool mask (about half true).</summary>
    public static Tensor Mask(long seed, params long[] shape)
    {
        var u = Seeded(seed, () => rand(shape, float64));
        return u.gt(0.5);
    }

    /// <summary>Applies <paramref name="map"/> to every element (in C#), returning a new float64 tensor.</summary>
    public static Tensor Map(Tensor t, Func<double, double> map)
    {
        var values = t.ToArray<double>().Select(map).ToArray();
        return tensor(values, t.shape);
    }

    /// <summary>A float64 tensor from explicit values: 1-D when no shape is given.</summary>
    /// <remarks>TorchSharp's <c>tensor(values, null)</c> makes a 0-dim tensor, not a 1-D one: always pass a shape.</remarks>
    public static Tensor Of(double[] values, params long[] shape) => tensor(values, shape.Length == 0 ? [values.LongLength] : shape);

    /// <summary>Rows of a random probability distribution along the last dimension (entries in (0, 1), each row sums to 1).</summary>
    public static Tensor Probabilities(long seed, params long[] shape)
    {
        var u = Uniform(seed, 0.2, 1.0, shape);
        var values = u.ToArray<double>();
        var last = shape[^1];
        for (long r = 0; r < values.Length / last; r++)
        {
            double s = 0;
            for (var c = 0; c < last; c++) s += values[r * last + c];
            for (var c = 0; c < last; c++) values[r * last + c] /= s;
        }
        return tensor(values, shape);
    }
}

/// <summary>Element-wise comparisons of closed-form values.</summary>
public static class Close
{
    /// <summary>Asserts |expected − actual| ≤ tol + tol·|expected| for every element, naming the first that is not.</summary>
    public static void All(double[] expected, double[] actual, double tol = 1e-12)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tol + tol * Math.Abs(expected[i])))
                Assert.Fail($"element {i}: expected {expected[i]:R}, actual {actual[i]:R} (tolerance {tol:G3})\nexpected [{string.Join(", ", expected)}]\nactual   [{string.Join(", ", actual)}]");
    }
}
