using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

using AttrDsl.Autograd;

namespace AttrDsl.Tests.Infrastructure;

/// <summary>
/// A float64 finite-difference gradient checker that does not trust autograd.
/// <para>
/// First order (<see cref="Check"/>): the function's output is reduced with a fixed random weighting,
/// F(x) = Σ f(x) ⊙ w, so every output element of a non-scalar f takes part. ∂F/∂xᵢ from
/// <c>torch.autograd.grad</c> is compared element by element with the central difference
/// (F(x + ε·eⱼ) − F(x − ε·eⱼ)) / 2ε, where each F is evaluated from freshly built tensors under
/// <c>no_grad</c> and read back with <c>ToArray&lt;double&gt;()</c> (the weighted sum is done in C#).
/// </para>
/// <para>
/// Second order (<see cref="SecondOrder"/>): for g(x, θ) = Σᵢ wᵢ ⊙ ∂F/∂xᵢ, built with
/// <c>create_graph: true</c>, ∂g/∂x and ∂g/∂θ from autograd are compared with central differences of
/// g, where each g value is computed with plain first-order autograd and summed in C#.
/// </para>
/// A mismatch fails with the worst element, its analytic and numeric values.
/// </summary>
public static class GradCheck
{
    /// <summary>Central-difference step.</summary>
    public const double Eps = 1e-6;
    /// <summary>Absolute tolerance.</summary>
    public const double Atol = 1e-5;
    /// <summary>Relative tolerance (relative to the numeric value).</summary>
    public const double Rtol = 1e-4;

    private const int WeightSeed = 20240607;

    /// <summary>The central-difference gradient of <paramref name="f"/> at <paramref name="z"/>, coordinate by coordinate (step <see cref="Eps"/>).</summary>
    public static double[] CentralDifferences(Func<double[], double> f, double[] z)
    {
        var g = new double[z.Length];
        for (var j = 0; j < z.Length; j++)
        {
            var plus = (double[])z.Clone();
            var minus = (double[])z.Clone();
            plus[j] += Eps;
            minus[j] -= Eps;
            g[j] = (f(plus) - f(minus)) / (2 * Eps);
        }
        return g;
    }

    private sealed record Snapshot(double[] Values, long[] Shape)
    {
        public Tensor Make(bool requiresGrad) => tensor(Values, Shape, requires_grad: requiresGrad);

        public Snapshot With(int index, double delta)
        {
            var v = (double[])Values.Clone();
            v[index] += delta;
            return new Snapshot(v, Shape);
        }
    }

    private static Snapshot Take(Tensor t, string what)
    {
        if (t.dtype != ScalarType.Float64)
            throw new ArgumentException($"{what} must be float64 for a gradient check, not {t.dtype}");
        using var d = t.detach();
        return new Snapshot(d.ToArray<double>(), d.shape);
    }

    /// <summary>Fixed pseudo-random weights, bounded away from zero so no output element is ignored.</summary>
    internal static double[] Weights(long n, int stream)
    {
        var rng = new Random(WeightSeed + 7919 * stream);
        var w = new double[n];
        for (var k = 0; k < n; k++)
        {
            var magnitude = 0.5 + rng.NextDouble();
            w[k] = rng.Next(2) == 0 ? magnitude : -magnitude;
        }
        return w;
    }

    private static string Shape(long[] s) => "[" + string.Join(", ", s) + "]";

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    // ----------------------------------------------------------------------------- first order

    /// <summary>
    /// Checks ∂(Σ f(inputs) ⊙ w)/∂inputs from autograd against central differences. Every input must be a
    /// float64 tensor; constant operands (indices, masks) belong in the closure.
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double atol = Atol, double rtol = Rtol, bool allowAllZero = false, [CallerMemberName] string label = "")
    {
        if (inputs.Length == 0) throw new ArgumentException("nothing to check: no inputs");
        var snaps = inputs.Select((t, i) => Take(t, $"input {i}")).ToArray();

        // Analytic, through autograd.
        double[][] analytic;
        double[] w;
        using (var scope = torch.NewDisposeScope())
        {
            var leaves = snaps.Select(s => s.Make(true)).ToArray();
            var y = f(leaves);
            if (y.dtype != ScalarType.Float64) Assert.Fail($"{label}: the output is {y.dtype}, expected float64");
            if (!y.requires_grad) Assert.Fail($"{label}: the output of shape {Shape(y.shape)} does not require grad: the op dropped the autograd graph");
            w = Weights(y.numel(), 0);
            var wt = tensor(w, y.shape);
            var s = (y * wt).sum();
            var grads = GuardedAutograd.GradOrNull([s], leaves);
            analytic = new double[snaps.Length][];
            for (var i = 0; i < snaps.Length; i++)
            {
                if (grads[i] is null) { analytic[i] = new double[snaps[i].Values.Length]; continue; }
                var g = grads[i]!;
                if (!g.shape.SequenceEqual(snaps[i].Shape))
                    Assert.Fail($"{label}: the gradient of input {i} has shape {Shape(g.shape)} but the input has shape {Shape(snaps[i].Shape)}");
                analytic[i] = g.ToArray<double>();
            }
        }

        // Numeric, without autograd.
        double Eval(Snapshot[] xs)
        {
            using var scope = torch.NewDisposeScope();
            using var _ = no_grad();
            var y = f(xs.Select(s => s.Make(false)).ToArray());
            var v = y.ToArray<double>();
            if (v.Length != w.Length) Assert.Fail($"{label}: the output changed size under a perturbation ({v.Length} vs {w.Length} elements)");
            double acc = 0;
            for (var k = 0; k < v.Length; k++) acc += v[k] * w[k];
            return acc;
        }

        var numeric = new double[snaps.Length][];
        for (var i = 0; i < snaps.Length; i++)
        {
            numeric[i] = new double[snaps[i].Values.Length];
            for (var j = 0; j < numeric[i].Length; j++)
            {
                var plus = (Snapshot[])snaps.Clone();
                var minus = (Snapshot[])snaps.Clone();
                plus[i] = snaps[i].With(j, Eps);
                minus[i] = snaps[i].With(j, -Eps);
                numeric[i][j] = (Eval(plus) - Eval(minus)) / (2 * Eps);
            }
        }

        Compare(label, "∂F/∂input", snaps, analytic, numeric, atol, rtol, allowAllZero);
    }

    /// <summary>Single-input convenience overload.</summary>
    public static void Check(Func<Tensor, Tensor> f, Tensor input, double atol = Atol, double rtol = Rtol, bool allowAllZero = false, [CallerMemberName] string label = "") =>
        Check(xs => f(xs[0]), [input], atol, rtol, allowAllZero, label);

    // ----------------------------------------------------------------------------- second order

    /// <summary>
    /// Checks the gradient of g = Σᵢ wᵢ ⊙ ∂F/∂xᵢ (F = Σ f ⊙ v, the first derivative built with create_graph)
    /// with respect to both the inputs <paramref name="x"/> and the parameters <paramref name="theta"/>,
    /// against central differences of g computed with first-order autograd.
    /// <paramref name="f"/> receives the inputs followed by the parameters.
    /// </summary>
    public static void SecondOrder(Func<Tensor[], Tensor> f, Tensor[] x, Tensor[] theta, double atol = Atol, double rtol = Rtol, [CallerMemberName] string label = "")
    {
        if (x.Length == 0) throw new ArgumentException("second-order check needs at least one input x");
        var xs = x.Select((t, i) => Take(t, $"x {i}")).ToArray();
        var ts = theta.Select((t, i) => Take(t, $"theta {i}")).ToArray();
        var all = xs.Concat(ts).ToArray();
        var nx = xs.Length;
        var wx = xs.Select((s, i) => Weights(s.Values.Length, 100 + i)).ToArray();
        double[]? v = null;

        Tensor Reduced(Tensor[] leaves)
        {
            var y = f(leaves);
            if (y.dtype != ScalarType.Float64) Assert.Fail($"{label}: the output is {y.dtype}, expected float64");
            v ??= Weights(y.numel(), 1);
            if (v.Length != y.numel()) Assert.Fail($"{label}: the output changed size under a perturbation");
            return (y * tensor(v, y.shape)).sum();
        }

        // Analytic: differentiate the (differentiable) first derivative once more.
        var analytic = new double[all.Length][];
        using (var scope = torch.NewDisposeScope())
        {
            var leaves = all.Select(s => s.Make(true)).ToArray();
            var F = Reduced(leaves);
            var gx = GuardedAutograd.GradOrNull([F], leaves[..nx], createGraph: true);
            Tensor? g = null;
            for (var i = 0; i < nx; i++)
            {
                if (gx[i] is null) continue;
                var term = (gx[i]! * tensor(wx[i], xs[i].Shape)).sum();
                g = g is null ? term : g + term;
            }
            if (g is null || !g.requires_grad)
                Assert.Fail($"{label}: g = Σ w·∂F/∂x does not require grad: create_graph did not record the backward pass");
            var h = GuardedAutograd.GradOrNull([g!], leaves);
            for (var i = 0; i < all.Length; i++)
            {
                if (h[i] is null) { analytic[i] = new double[all[i].Values.Length]; continue; }
                if (!h[i]!.shape.SequenceEqual(all[i].Shape))
                    Assert.Fail($"{label}: the second-order gradient of operand {i} has shape {Shape(h[i]!.shape)}, expected {Shape(all[i].Shape)}");
                analytic[i] = h[i]!.ToArray<double>();
            }
        }

        // Numeric: g evaluated with first-order autograd only, summed in C#.
        double G(Snapshot[] operands)
        {
            using var scope = torch.NewDisposeScope();
            var leaves = operands.Select((s, i) => s.Make(i < nx)).ToArray();
            var F = Reduced(leaves);
            var gx = GuardedAutograd.GradOrNull([F], leaves[..nx]);
            double acc = 0;
            for (var i = 0; i < nx; i++)
            {
                if (gx[i] is null) continue;
                var values = gx[i]!.ToArray<double>();
                for (var k = 0; k < values.Length; k++) acc += values[k] * wx[i][k];
            }
            return acc;
        }

        var numeric = new double[all.Length][];
        for (var i = 0; i < all.Length; i++)
        {
            numeric[i] = new double[all[i].Values.Length];
            for (var j = 0; j < numeric[i].Length; j++)
            {
                var plus = (Snapshot[])all.Clone();
                var minus = (Snapshot[])all.Clone();
                plus[i] = all[i].With(j, Eps);
                minus[i] = all[i].With(j, -Eps);
                numeric[i][j] = (G(plus) - G(minus)) / (2 * Eps);
            }
        }

        Compare(label, "∂g/∂operand (operands: x then θ)", all, analytic, numeric, atol, rtol, false);
    }

    // ----------------------------------------------------------------------------- comparison

    private static void Compare(string label, string what, Snapshot[] operands, double[][] analytic, double[][] numeric, double atol, double rtol, bool allowAllZero)
    {
        var worstRatio = 0.0;
        int worstI = -1, worstJ = -1, bad = 0, total = 0;
        var anyNonZero = false;
        for (var i = 0; i < operands.Length; i++)
            for (var j = 0; j < analytic[i].Length; j++)
            {
                total++;
                var a = analytic[i][j];
                var n = numeric[i][j];
                if (n != 0 || a != 0) anyNonZero = true;
                var ratio = double.IsFinite(a) && double.IsFinite(n) ? Math.Abs(a - n) / (atol + rtol * Math.Abs(n)) : double.PositiveInfinity;
                if (ratio > 1) bad++;
                if (ratio > worstRatio || worstI < 0) { worstRatio = ratio; worstI = i; worstJ = j; }
            }
        if (bad == 0)
        {
            if (!anyNonZero && !allowAllZero)
                Assert.Fail($"{label}: every gradient is zero, analytic and numeric: the check is degenerate (pass allowAllZero if that is the truth)");
            return;
        }

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{label}: {what} from autograd disagrees with central differences at {bad} of {total} elements");
        sb.Append(CultureInfo.InvariantCulture, $" (atol {atol:G3} + rtol {rtol:G3}, eps {Eps:G3}).\n");
        sb.Append(CultureInfo.InvariantCulture, $"Worst: operand {worstI} of shape {Shape(operands[worstI].Shape)}, flat element {worstJ}");
        sb.Append(CultureInfo.InvariantCulture, $" (value {F(operands[worstI].Values[worstJ])}): analytic {F(analytic[worstI][worstJ])}, numeric {F(numeric[worstI][worstJ])}");
        sb.Append(CultureInfo.InvariantCulture, $", |diff| {F(Math.Abs(analytic[worstI][worstJ] - numeric[worstI][worstJ]))}.\n");
        if (!anyNonZero) sb.Append("(every gradient is zero)\n");
        sb.Append("Operand ").Append(worstI).Append(" analytic: ").Append(Preview(analytic[worstI])).Append('\n');
        sb.Append("Operand ").Append(worstI).Append(" numeric:  ").Append(Preview(numeric[worstI]));
        Assert.Fail(sb.ToString());
    }

    private static string Preview(double[] values) =>
        "[" + string.Join(", ", values.Take(12).Select(v => v.ToString("G6", CultureInfo.InvariantCulture))) + (values.Length > 12 ? ", ..." : "") + "]";
}
