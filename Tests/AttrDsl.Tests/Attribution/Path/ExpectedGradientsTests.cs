using AttrDsl.Tests.Infrastructure;
using AttrDsl.Attribution;
using AttrDsl.Autograd;
using static AttrDsl.Tests.Attribution.PathMethods.AttrKit;

namespace AttrDsl.Tests.Attribution.PathMethods;

/// <summary>
/// Expected gradients: deterministic mechanics against hand-computed sums, the expectation against its closed form
/// (statistically), the train-EG interpolation batch and its misuse errors, and create_graph against finite
/// differences. Runs in the serial RNG collection: it draws from (and re-seeds) the global generator.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public class ExpectedGradientsTests
{
    /// <summary>f = Σ c_i x_i³ ([B, D] → [B]); its gradient 3c x² makes every α and reference matter.</summary>
    private static Func<Tensor, Tensor> CubicModel(double[] c) => x =>
    {
        using var ct = tensor(c, [c.Length], x.dtype);
        using var cube = x.pow(3);
        using var prod = cube * ct;
        return prod.sum(1);
    };

    [Fact]
    public void InterpolationBatchIsSampleMajorAndAttributionsMatchHandComputedMeans()
    {
        using var scope = NewDisposeScope();
        var r = new Random(3);
        const int b = 2, k = 3, d = 2;
        var xv = Uniform(r, b * d, -2, 2);
        var rv = Uniform(r, b * k * d, -1, 1);
        double[] av = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2];
        double[] c = [1.5, -0.7];
        using var batch = InterpolationBatch.Create(T(xv, b, d), T(rv, b, k, d), T(av, b, k));
        Assert.Equal(b, batch.BatchSize);
        Assert.Equal(k, batch.K);
        Assert.True(batch.Inputs.requires_grad);
        Assert.Equal([(long)b * k, d], batch.Inputs.shape);
        Assert.Equal([(long)b, k], batch.Alphas.shape);

        var inputs = new double[b * k * d];
        var diffs = new double[b * k * d];
        var expected = new double[b * d];
        for (var s = 0; s < b; s++)
            for (var j = 0; j < k; j++)
                for (var i = 0; i < d; i++)
                {
                    var row = s * k + j;
                    var x = xv[s * d + i];
                    var xr = rv[row * d + i];
                    var a = av[s * k + j];
                    var xt = xr + a * (x - xr);
                    inputs[row * d + i] = xt;
                    diffs[row * d + i] = x - xr;
                    expected[s * d + i] += (x - xr) * 3 * c[i] * xt * xt / k;
                }
        Close(inputs, batch.Inputs, 1e-14, what: "interpolated");
        Close(diffs, batch.Differences, 1e-14, what: "x − x'");
        Close(rv, batch.References, 0, what: "references");

        var eg = new ExpectedGradients(CubicModel(c));
        Close(expected, eg.Attribute(batch, Target.Output), 1e-12, what: "EG");

        // The two pieces by hand, and references given flat [B·k, D].
        var output = CubicModel(c)(batch.Inputs);
        Close(expected, batch.Attributions(output, Target.Output), 1e-12, what: "Attributions");
        using var flat = InterpolationBatch.Create(T(xv, b, d), T(rv, b * k, d), T(av, b, k));
        Close(expected, eg.Attribute(flat, Target.Output), 1e-12, what: "flat references");
    }

    [Fact]
    public void FixedAlphaAndGridVariants()
    {
        using var scope = NewDisposeScope();
        double[] a = [2, -1, 0.5];
        double[] xv = [1, -2, 3, 0.5, 1, -1];
        double[] bv = [0.5, 0.25, -1];
        var x = T(xv, 2, 3);
        var background = T(bv, 1, 3);   // one reference: every draw picks it, so the results are exact
        var quad = new ExpectedGradients(QuadraticModel(a));

        // α = ½, k = 1: gradient × (x − x') at the midpoint = a(x² − x'²) for a quadratic.
        var mid = new double[6];
        var atInput = new double[6];
        for (var i = 0; i < 6; i++)
        {
            var xr = bv[i % 3];
            mid[i] = a[i % 3] * (xv[i] * xv[i] - xr * xr);
            atInput[i] = 2 * a[i % 3] * xv[i] * (xv[i] - xr);
        }
        Close(mid, quad.Attribute(x, Target.Output, background, k: 1, alpha: 0.5), 1e-12, what: "alpha 0.5");
        // α = 1, k = 1: the reference's "random α off" — gradient at the input times (x − x').
        Close(atInput, quad.Attribute(x, Target.Output, background, k: 1, alpha: 1.0), 1e-12, what: "alpha 1");

        // IG grid α = linspace(0, 1, k) with equal weights 1/k, on a cubic.
        double[] c = [1, -0.5, 0.25];
        var cubic = new ExpectedGradients(CubicModel(c));
        const int k = 5;
        var grid = new double[6];
        for (var i = 0; i < 6; i++)
        {
            var xr = bv[i % 3];
            var dlt = xv[i] - xr;
            for (var j = 0; j < k; j++)
            {
                var xt = xr + j / (k - 1.0) * dlt;
                grid[i] += dlt * 3 * c[i % 3] * xt * xt / k;
            }
        }
        Close(grid, cubic.Attribute(x, Target.Output, background, k: k, alphaGrid: true), 1e-12, what: "grid");
    }

    [Fact]
    public void TrueClassSelectionWithPerSampleLabels()
    {
        using var scope = NewDisposeScope();
        double[] a = [1, -2];
        double[] w = [3, 0.5];
        var eg = new ExpectedGradients(TwoHeadModel(a, w));
        double[] xv = [1, 2, -1, 0.5, 2, 2];
        var x = T(xv, 3, 2);
        var background = T([0.5, -0.5], 1, 2);
        var labels = tensor(new long[] { 0, 1, 0 });
        var expected = new double[6];
        for (var i = 0; i < 6; i++)
        {
            var xr = i % 2 == 0 ? 0.5 : -0.5;
            expected[i] = i / 2 == 1 ? w[i % 2] * (xv[i] - xr) : a[i % 2] * (xv[i] * xv[i] - xr * xr);
        }
        Close(expected, eg.Attribute(x, Target.PerSample(labels), background, k: 4, alpha: 0.5), 1e-12);
    }

    [Fact]
    public void SamplingDrawsBackgroundRowsReproducibly()
    {
        using var scope = NewDisposeScope();
        var bgv = new double[7 * 2];
        for (var i = 0; i < 7; i++) { bgv[2 * i] = i; bgv[2 * i + 1] = 10 + i; }
        var background = T(bgv, 7, 2);
        var x = T([100, 200, 300, 400, 500, 600], 3, 2);
        manual_seed(17);
        using var first = InterpolationBatch.Sample(x, background, k: 4);
        manual_seed(17);
        using var second = InterpolationBatch.Sample(x, background, k: 4);
        Assert.Equal(D(first.References), D(second.References));
        Assert.Equal(D(first.Alphas), D(second.Alphas));
        Assert.Equal(D(first.Inputs), D(second.Inputs));

        var refs = D(first.References);
        var seen = new HashSet<int>();
        for (var row = 0; row < 12; row++)
        {
            var idx = (int)refs[2 * row];
            Assert.InRange(idx, 0, 6);
            Assert.Equal(10 + idx, refs[2 * row + 1]);   // a whole background row
            seen.Add(idx);
        }
        Assert.True(seen.Count > 1, "all 12 draws picked the same reference");
        var alphas = D(first.Alphas);
        Assert.All(alphas, v => Assert.InRange(v, 0.0, 1.0));
        Assert.True(alphas.Distinct().Count() == alphas.Length, "α should be one independent draw per (sample, reference) pair");
        // Differences are x − x' of the owning sample (sample-major rows).
        var diffs = D(first.Differences);
        for (var row = 0; row < 12; row++) Assert.Equal(100 + 200 * (row / 4) - refs[2 * row], diffs[2 * row]);
    }

    /// <summary>
    /// For f = Σ a_i x_i², EG_i = E[(x_i − x'_i)·2a_i(x'_i + α(x_i − x'_i))] = a_i(x_i² − E[x'_i²]) (E[α] = ½, α
    /// independent of x'), with E over the uniform background. Checked with 4000 independent single-pair estimates
    /// (k = 1, the input repeated) to within 5 standard errors estimated from their spread; then with k = 16 the
    /// per-row variance must shrink by ~16 (a mean, not a sum, over the k pairs).
    /// </summary>
    [Fact]
    public void ExpectationMatchesClosedFormForQuadraticModel()
    {
        using var scope = NewDisposeScope();
        manual_seed(2024);
        var r = new Random(9);
        double[] a = [1, -0.5, 2];
        const int d = 3, n = 6;
        var bgv = Uniform(r, n * d, -2, 2);
        double[] x0 = [1.5, -1, 0.5];
        double[] x1 = [-0.5, 2, 1];
        var truth = new double[2 * d];
        for (var i = 0; i < d; i++)
        {
            double m2 = 0;
            for (var s = 0; s < n; s++) m2 += bgv[s * d + i] * bgv[s * d + i] / n;
            truth[i] = a[i] * (x0[i] * x0[i] - m2);
            truth[d + i] = a[i] * (x1[i] * x1[i] - m2);
        }
        var eg = new ExpectedGradients(QuadraticModel(a));
        var background = T(bgv, n, d);

        double[] RunRows(int rows, int k)
        {
            var xv = new double[rows * d];
            for (var row = 0; row < rows; row++)
                for (var i = 0; i < d; i++) xv[row * d + i] = row % 2 == 0 ? x0[i] : x1[i];
            return D(eg.Attribute(T(xv, rows, d), Target.Output, background, k: k));
        }

        (double[] Mean, double[] Se, double[] Var) Stats(double[] values, int rows)
        {
            // Columns: (sample parity, feature) → 2·d groups of rows/2 values each.
            var half = rows / 2;
            var grouped = new double[half * 2 * d];
            for (var row = 0; row < rows; row++)
                for (var i = 0; i < d; i++) grouped[(row / 2) * 2 * d + (row % 2) * d + i] = values[row * d + i];
            var (mean, se) = MeanAndStdErr(grouped, half, 2 * d);
            var variance = se.Select(e => e * e * half).ToArray();
            return (mean, se, variance);
        }

        var one = Stats(RunRows(4000, 1), 4000);
        for (var j = 0; j < 2 * d; j++)
            Assert.True(Math.Abs(one.Mean[j] - truth[j]) <= 5 * one.Se[j], $"k=1 column {j}: mean {one.Mean[j]:R} vs truth {truth[j]:R}, 5 SE = {5 * one.Se[j]:E3}");

        var sixteen = Stats(RunRows(400, 16), 400);
        for (var j = 0; j < 2 * d; j++)
        {
            Assert.True(Math.Abs(sixteen.Mean[j] - truth[j]) <= 5 * sixteen.Se[j], $"k=16 column {j}: mean {sixteen.Mean[j]:R} vs truth {truth[j]:R}");
            var ratio = one.Var[j] / sixteen.Var[j];
            Assert.InRange(ratio, 16 / 2.0, 16 * 2.0);
        }
    }

    /// <summary>A tanh MLP 3 → 4 → 2 whose 26 weights live in one flat float64 vector θ.</summary>
    private static Func<Tensor, Tensor> Mlp(Tensor theta) => x =>
    {
        using var scope = NewDisposeScope();
        var w1 = theta.narrow(0, 0, 12).view(4, 3);
        var b1 = theta.narrow(0, 12, 4);
        var w2 = theta.narrow(0, 16, 8).view(2, 4);
        var b2 = theta.narrow(0, 24, 2);
        var h = nn.functional.linear(x, w1, b1).tanh();
        return nn.functional.linear(h, w2, b2).MoveToOuterDisposeScope();
    };

    private static double[] Theta0()
    {
        var r = new Random(21);
        return Uniform(r, 26, -0.8, 0.8);
    }

    /// <summary>Central differences of <paramref name="loss"/>(θ) in float64.</summary>
    private static double[] FiniteDifferences(Func<Tensor, double> loss, double[] theta, double h = 1e-5)
    {
        var g = new double[theta.Length];
        for (var i = 0; i < theta.Length; i++)
        {
            var plus = (double[])theta.Clone();
            var minus = (double[])theta.Clone();
            plus[i] += h;
            minus[i] -= h;
            using var scope = NewDisposeScope();
            g[i] = (loss(T(plus, 26)) - loss(T(minus, 26))) / (2 * h);
        }
        return g;
    }

    /// <summary>
    /// Training an attribution prior: L(θ) = Σ EG(x; θ)² (true-class EG over fixed references and α) differentiated
    /// with create_graph matches central differences of L. Tolerance 1e-7 + 1e-5·|g|: the O(h²) truncation error with
    /// h = 1e-5 and O(ε/h) rounding are both below 1e-9 for these O(1) losses.
    /// </summary>
    [Fact]
    public void CreateGraphGradientOfAPriorMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var r = new Random(4);
        const int b = 3, k = 4, d = 3;
        var x = T(Uniform(r, b * d, -1.5, 1.5), b, d);
        var refs = T(Uniform(r, b * k * d, -1, 1), b, k, d);
        var alphas = T(Uniform(r, b * k, 0, 1), b, k);
        var labels = tensor(new long[] { 1, 0, 1 });
        using var batch = InterpolationBatch.Create(x, refs, alphas);

        double Loss(Tensor theta, bool createGraph, out Tensor? lossTensor)
        {
            var eg = new ExpectedGradients(Mlp(theta)).Attribute(batch, Target.PerSample(labels), createGraph);
            lossTensor = eg.square().sum();
            return lossTensor.item<double>();
        }

        var theta0 = Theta0();
        var theta = T(theta0, 26).requires_grad_();
        Loss(theta, createGraph: true, out var loss);
        Assert.True(loss!.requires_grad, "with createGraph the prior must be differentiable w.r.t. the weights");
        var analytic = D(GuardedAutograd.Grad(loss!, theta));
        var numeric = FiniteDifferences(t => Loss(t, false, out _), theta0);
        Assert.True(numeric.Max(Math.Abs) > 1e-3, "degenerate setup: the prior does not depend on the weights");
        Close(numeric, analytic, 1e-7, 1e-5, "dΣEG²/dθ");

        // Without createGraph the attributions are constants for autograd.
        var plain = new ExpectedGradients(Mlp(theta)).Attribute(batch, Target.PerSample(labels));
        Assert.False(plain.requires_grad);
    }

    /// <summary>
    /// The same through the sampling path: re-seeding before each evaluation fixes the references and α, so the
    /// differenced function is deterministic. Loss: anisotropic total variation of EG over a 1-D "image" row,
    /// Σ (EG_{i+1} − EG_i)², smooth so central differences apply.
    /// </summary>
    [Fact]
    public void CreateGraphThroughSeededSamplingMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var r = new Random(8);
        var x = T(Uniform(r, 2 * 3, -1.5, 1.5), 2, 3);
        var background = T(Uniform(r, 5 * 3, -1, 1), 5, 3);
        var labels = tensor(new long[] { 0, 1 });

        double Loss(Tensor theta, bool createGraph, out Tensor lossTensor)
        {
            manual_seed(99);
            var eg = new ExpectedGradients(Mlp(theta)).Attribute(x, Target.PerSample(labels), background, k: 3, createGraph: createGraph);
            var diff = eg.narrow(1, 1, 2) - eg.narrow(1, 0, 2);
            lossTensor = diff.square().sum();
            return lossTensor.item<double>();
        }

        var theta0 = Theta0();
        var theta = T(theta0, 26).requires_grad_();
        Loss(theta, true, out var loss);
        var analytic = D(GuardedAutograd.Grad(loss!, theta));
        var numeric = FiniteDifferences(t => Loss(t, false, out _), theta0);
        Assert.True(numeric.Max(Math.Abs) > 1e-3, "degenerate setup");
        Close(numeric, analytic, 1e-7, 1e-5, "dTV/dθ");
    }

    [Fact]
    public void ForgettingTheInterpolationBatchIsAnError()
    {
        using var scope = NewDisposeScope();
        using var lin = nn.Linear(3, 2, dtype: float64);
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        var background = T([0, 0, 0, 1, 1, 1], 2, 3);

        // k > 1: the plain batch has B rows, not B·k.
        using var batch = InterpolationBatch.Sample(x, background, k: 3);
        var rows = Assert.Throws<InvalidOperationException>(() => batch.Attributions(lin.forward(x), Target.Class(0)));
        Assert.Contains("B·k", rows.Message);
        Assert.Contains("6", rows.Message);
        Assert.Contains("InterpolationBatch.Inputs", rows.Message);

        // k = 1: same row count — the reference silently returns the gradient at α = 1; here it is detected.
        using var single = InterpolationBatch.Sample(x, background, k: 1);
        var silent = Assert.Throws<InvalidOperationException>(() => single.Attributions(lin.forward(x), Target.Class(0)));
        Assert.Contains("not computed from this batch's Inputs", silent.Message);
        // Also for a parameter-free model, whose output on the plain inputs does not require grad at all.
        var free = Assert.Throws<InvalidOperationException>(() => single.Attributions(QuadraticModel([1, 1, 1])(x), Target.Output));
        Assert.Contains("Inputs", free.Message);
        // Another batch's leaf is not this batch's leaf.
        using var other = InterpolationBatch.Sample(x, background, k: 1);
        Assert.Throws<InvalidOperationException>(() => single.Attributions(lin.forward(other.Inputs), Target.Class(0)));
        // Computed under no_grad.
        Tensor noGradOut;
        using (no_grad()) noGradOut = lin.forward(single.Inputs);
        Assert.Throws<InvalidOperationException>(() => single.Attributions(noGradOut, Target.Class(0)));
        // The right way works.
        var ok = single.Attributions(lin.forward(single.Inputs), Target.Class(0));
        Assert.Equal(x.shape, ok.shape);

        single.Dispose();
        Assert.Throws<ObjectDisposedException>(() => single.Inputs);
    }

    [Fact]
    public void RepeatHelpersTileSampleMajor()
    {
        using var scope = NewDisposeScope();
        var x = T([1, 2, 3, 4], 2, 2);
        using var batch = InterpolationBatch.Create(x, T(new double[12], 2, 3, 2), tensor(0.5, float64));
        Assert.Equal([0L, 0, 0, 1, 1, 1], batch.RepeatRows(tensor(new long[] { 0, 1 })).ToArray<long>());
        var target = batch.RepeatTarget(Target.PerSample(tensor(new long[] { 1, 0 })));
        var picked = D(target.Select(T([10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 60, 61], 6, 2)));
        Assert.Equal([11.0, 21, 31, 40, 50, 60], picked);
        Assert.Throws<ArgumentException>(() => batch.RepeatRows(T([1, 2, 3], 3)));
    }

    [Fact]
    public void ArgumentErrorsAreClear()
    {
        using var scope = NewDisposeScope();
        var eg = new ExpectedGradients(QuadraticModel([1, 1, 1]));
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        var background = T(new double[12], 4, 3);

        var feat = Assert.Throws<ArgumentException>(() => eg.Attribute(x, Target.Output, T(new double[8], 2, 4)));
        Assert.Contains("[2, 4]", feat.Message);
        Assert.Contains("[3]", feat.Message);
        Assert.Equal("background", feat.ParamName);
        var rank = Assert.Throws<ArgumentException>(() => eg.Attribute(x, Target.Output, T(new double[3], 3)));
        Assert.Contains("[3]", rank.Message);
        Assert.Throws<ArgumentException>(() => eg.Attribute(x, Target.Output, T([], 0, 3)));

        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => eg.Attribute(x, Target.Output, background, k: 0)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => eg.Attribute(x, Target.Output, background, alpha: 1.5)).ParamName);
        Assert.Throws<ArgumentException>(() => eg.Attribute(x, Target.Output, background, alpha: 0.5, alphaGrid: true));

        var refs = Assert.Throws<ArgumentException>(() => InterpolationBatch.Create(x, T(new double[8], 2, 2, 2), T([0.5], 1)));
        Assert.Contains("[2, 2, 2]", refs.Message);
        Assert.Contains("[2, 3]", refs.Message);
        var al = Assert.Throws<ArgumentException>(() => InterpolationBatch.Create(x, T(new double[12], 2, 2, 3), T([0.1, 0.2, 0.3], 3)));
        Assert.Contains("[3]", al.Message);
        Assert.Contains("[2, 2]", al.Message);
    }

    [Fact]
    public void OnlyTheResultEscapesTheCallersScope()
    {
        var x = T([1, 2, 3, 4], 2, 2);
        var background = T([0, 1, 1, 0, 2, 2], 3, 2);
        var labels = tensor(new long[] { 1, 0 });
        var eg = new ExpectedGradients(TwoHeadModel([1, 2], [1, -1]));
        using var scope = NewDisposeScope();
        var before = scope.DisposablesCount;
        eg.Attribute(x, Target.PerSample(labels), background, k: 5);
        Assert.Equal(before + 1, scope.DisposablesCount);
        eg.Attribute(x, Target.PerSample(labels), background, k: 5, createGraph: true);
        Assert.Equal(before + 2, scope.DisposablesCount);
    }
}
