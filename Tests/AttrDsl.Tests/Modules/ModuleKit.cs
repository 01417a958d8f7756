using System.Text;

namespace AttrDsl.Tests.Modules;

/// <summary>
/// Tests that depend on the global libtorch generator (manual_seed) run in this collection, which
/// xunit executes alone after the parallel ones, so no other test draws numbers in between.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialRngCollection
{
    /// <summary>Collection name.</summary>
    public const string Name = "Modules: global RNG (serial)";
}

/// <summary>
/// Small, self-contained helpers for the module tests: deterministic data from System.Random (never
/// from libtorch's generator), a float64 central-difference gradient checker and array comparisons.
/// </summary>
internal static unsafe class ModuleKit
{
    public const double Eps = 1e-6;
    public const double Atol = 1e-5;
    public const double Rtol = 1e-4;

    // ------------------------------------------------------------------ deterministic data

    public static double[] Uniform(Random rng, long n, double lo = -1, double hi = 1)
    {
        var a = new double[n];
        for (var i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.NextDouble();
        return a;
    }

    /// <summary>Values with |v| in [minAbs, 1] and random sign: safe for ReLU-style kinks under ±1e-6.</summary>
    public static double[] AwayFromZero(Random rng, long n, double minAbs = 0.05)
    {
        var a = new double[n];
        for (var i = 0; i < n; i++) a[i] = (rng.Next(2) == 0 ? -1 : 1) * (minAbs + (1 - minAbs) * rng.NextDouble());
        return a;
    }

    /// <summary>All values distinct and at least <paramref name="gap"/> apart (no max-pool ties under ±1e-6).</summary>
    public static double[] Distinct(Random rng, long n, double gap = 0.01)
    {
        var a = new double[n];
        for (var i = 0; i < n; i++) a[i] = (i - n / 2.0) * gap;
        for (var i = (int)n - 1; i > 0; i--) { var j = rng.Next(i + 1); (a[i], a[j]) = (a[j], a[i]); }
        return a;
    }

    public static long Numel(long[] shape) => shape.Aggregate(1L, (x, y) => x * y);

    /// <summary>A float64 leaf tensor (requiring grad by default) holding <paramref name="values"/>.</summary>
    public static Tensor Leaf(double[] values, long[] shape, bool requiresGrad = true) =>
        tensor(values, shape, ScalarType.Float64, requires_grad: requiresGrad);

    /// <summary>Overwrites <paramref name="t"/> (any floating dtype) with the given values.</summary>
    public static void Set(Tensor t, double[] values)
    {
        Assert.Equal(t.numel(), values.LongLength);
        using var _ = no_grad();
        using var src = tensor(values, t.shape, ScalarType.Float64);
        t.copy_(src);
    }

    /// <summary>Gives every floating parameter of <paramref name="m"/> deterministic values U(lo, hi).</summary>
    public static void FillParameters(nn.Module m, int seed, double lo = -0.5, double hi = 0.5)
    {
        var rng = new Random(seed);
        foreach (var p in m.parameters())
            Set(p, Uniform(rng, p.numel(), lo, hi));
    }

    public static double[] D(Tensor t)
    {
        if (t.dtype == ScalarType.Float64) return t.ToArray<double>();
        using var d = t.to(ScalarType.Float64);
        return d.ToArray<double>();
    }

    public static void Close(double[] expected, double[] actual, double atol, double rtol = 0, string what = "")
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        var sb = new StringBuilder();
        var bad = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var ok = Math.Abs(expected[i] - actual[i]) <= atol + rtol * Math.Abs(expected[i]);
            if (ok && !double.IsNaN(actual[i])) continue;
            if (bad++ < 8) sb.AppendLine($"  [{i}] expected {expected[i]:R}, actual {actual[i]:R}");
        }
        Assert.True(bad == 0, $"{what}: {bad} of {expected.Length} values differ (atol {atol}, rtol {rtol}):\n{sb}");
    }

    // ------------------------------------------------------------------ gradient check

    /// <summary>
    /// Checks autograd's gradient of S = Σₖ Σ wₖ·outₖ (fixed pseudo-random weights wₖ) with respect to
    /// each target (float64, contiguous leaves: inputs and/or parameters) against central differences
    /// (S(θ+ε) − S(θ−ε)) / 2ε, element by element, within atol + rtol·|numeric|. Also insists that
    /// each target has a non-negligible gradient so the comparison can't pass vacuously — except those
    /// named in <paramref name="expectZero"/>, whose gradient must be identically zero.
    /// </summary>
    public static void CheckGradients(Func<Tensor[]> forward, IReadOnlyList<(string name, Tensor t)> targets, int seed = 12345,
        double eps = Eps, double atol = Atol, double rtol = Rtol, IReadOnlyCollection<string>? expectZero = null)
    {
        Assert.NotEmpty(targets);
        foreach (var (name, t) in targets)
        {
            Assert.True(t.dtype == ScalarType.Float64, $"{name} is {t.dtype}; the check needs float64");
            Assert.True(t.requires_grad, $"{name} does not require grad");
            Assert.True(t.is_contiguous(), $"{name} is not contiguous");
        }

        // Output weights: drawn once, from the shapes of a first run.
        var rng = new Random(seed);
        var weights = new List<Tensor>();
        using (var scope = NewDisposeScope())
        using (no_grad())
            foreach (var o in forward())
                weights.Add(tensor(Uniform(rng, o.numel(), -1, 1), o.shape, ScalarType.Float64).DetachFromDisposeScope());

        try
        {
            // Analytic.
            double[][] analytic;
            using (var scope = NewDisposeScope())
            using (enable_grad())
            {
                var outs = forward();
                Assert.Equal(weights.Count, outs.Length);
                // Tensor-only ops here (stack, mul, sum): no Scalar arguments in grad mode.
                var parts = new Tensor[outs.Length];
                for (var k = 0; k < outs.Length; k++)
                {
                    Assert.True(outs[k].dtype == ScalarType.Float64, $"output {k} is {outs[k].dtype}");
                    parts[k] = (outs[k] * weights[k]).sum();
                }
                var s = stack(parts).sum();
                var grads = autograd.grad([s], targets.Select(x => x.t).ToArray());
                analytic = grads.Select(g => g!.ToArray<double>()).ToArray();
            }

            double Objective()
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var outs = forward();
                var total = 0.0;
                for (var k = 0; k < outs.Length; k++) total += (outs[k] * weights[k]).sum().item<double>();
                return total;
            }

            var report = new StringBuilder();
            var failures = 0;
            for (var ti = 0; ti < targets.Count; ti++)
            {
                var (name, t) = targets[ti];
                var n = t.numel();
                var p = (double*)t.DataPointer;
                var maxNumeric = 0.0;
                for (var i = 0; i < n; i++)
                {
                    var orig = p[i];
                    p[i] = orig + eps;
                    var plus = Objective();
                    p[i] = orig - eps;
                    var minus = Objective();
                    p[i] = orig;
                    var numeric = (plus - minus) / (2 * eps);
                    maxNumeric = Math.Max(maxNumeric, Math.Abs(numeric));
                    var a = analytic[ti][i];
                    if (Math.Abs(a - numeric) <= atol + rtol * Math.Abs(numeric)) continue;
                    if (failures++ < 12) report.AppendLine($"  {name}[{i}]: autograd {a:R}, finite difference {numeric:R}");
                }
                if (expectZero?.Contains(name) == true)
                {
                    if (maxNumeric > 1e-7) { failures++; report.AppendLine($"  {name}: expected an identically zero gradient, finite differences reach {maxNumeric:G3}"); }
                }
                else if (maxNumeric < 1e-4)
                {
                    failures++;
                    report.AppendLine($"  {name}: every finite-difference gradient is ~0 (max {maxNumeric:G3}); the check would be vacuous");
                }
            }
            Assert.True(failures == 0, $"{failures} gradient mismatches:\n{report}");
        }
        finally
        {
            foreach (var w in weights) w.Dispose();
        }
    }

    /// <summary>Named parameters of a module as gradient-check targets.</summary>
    public static List<(string name, Tensor t)> ParamTargets(nn.Module m) =>
        m.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();

    /// <summary>Runs <see cref="CheckGradients"/> for a one-input, one-output layer: w.r.t. the input and every parameter.</summary>
    public static void CheckLayer(nn.Module<Tensor, Tensor> layer, Tensor input, bool wrtInput = true, int seed = 12345, IReadOnlyCollection<string>? expectZero = null)
    {
        var targets = ParamTargets(layer);
        if (wrtInput) targets.Insert(0, ("input", input));
        CheckGradients(() => [layer.forward(input)], targets, seed, expectZero: expectZero);
    }
}
