using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.PathMethods.AttrKit;

namespace AttrDsl.Tests.Attribution.PathMethods;

/// <summary>Integrated gradients against Captum's exact values, closed forms and the completeness axiom.</summary>
public class IntegratedGradientsTests
{
    private static readonly IntegrationMethod[] AllMethods =
        [IntegrationMethod.RiemannLeft, IntegrationMethod.RiemannRight, IntegrationMethod.RiemannMiddle, IntegrationMethod.RiemannTrapezoid, IntegrationMethod.GaussLegendre];

    /// <summary>Captum's test model f = ReLU(ReLU(x1) − 1 − ReLU(x2)).</summary>
    private static Tensor CaptumModel1(Tensor x)
    {
        using var x1 = x.select(1, 0);
        using var x2 = x.select(1, 1);
        using var r1 = x1.relu();
        using var r2 = x2.relu();
        using var a = r1 - 1.0;
        using var b = a - r2;
        return b.relu();
    }

    /// <summary>Captum's implementation-invariance twin f = ReLU(ReLU(x1 − 1) − ReLU(x2)).</summary>
    private static Tensor CaptumModel2(Tensor x)
    {
        using var x1 = x.select(1, 0);
        using var x2 = x.select(1, 1);
        using var s = x1 - 1.0;
        using var r1 = s.relu();
        using var r2 = x2.relu();
        using var b = r1 - r2;
        return b.relu();
    }

    public static TheoryData<int, ScalarType> CaptumCases => new()
    {
        { 1, float64 }, { 2, float64 }, { 1, float32 }, { 2, float32 },
    };

    /// <summary>
    /// On the path x(α) = (3α, α) both models are ReLU(2α − 1): the gradient is (1, −1) for α &gt; ½ and 0 below,
    /// so IG = x ⊙ (½, −½) = (1.5, −0.5). Gauss–Legendre with an even n is symmetric about ½ with no node at ½, so it
    /// integrates this step exactly: the only error is rounding — 1e-12 in float64, 1e-5 in float32 (50 weights of
    /// size ~1e-2 summed in single precision).
    /// </summary>
    [Theory]
    [MemberData(nameof(CaptumCases))]
    public void CaptumExactValuesWithGaussLegendre(int model, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        Func<Tensor, Tensor> f = model == 1 ? CaptumModel1 : CaptumModel2;
        var ig = new IntegratedGradients(f);
        var x = tensor(new double[] { 3, 1 }, [1, 2], dtype);
        var tol = dtype == float64 ? 1e-12 : 1e-5;
        var a = ig.Attribute(x, Target.Output, baselines: 0.0);
        Assert.Equal(dtype, a.dtype);
        Close([1.5, -0.5], a, tol, what: "IG");
        var local = ig.Attribute(x, Target.Output, baselines: 0.0, multiplyByInputs: false);
        Close([0.5, -0.5], local, tol, what: "IG without inputs");
        var (withDelta, delta) = ig.AttributeWithDelta(x, Target.Output);
        Close([1.5, -0.5], withDelta, tol);
        Close([0.0], delta, tol, what: "delta");     // f(3, 1) − f(0, 0) = 1 = 1.5 − 0.5
    }

    /// <summary>
    /// Every rule with 1000 steps: a step in the gradient at α = ½ costs a rule at most the weight of the one node it
    /// straddles (≤ 1/(n−1)) per feature, times |x_i| ≤ 3 — tolerance 3·2/n.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void CaptumExactValuesWithEveryRule(int model)
    {
        using var scope = NewDisposeScope();
        Func<Tensor, Tensor> f = model == 1 ? CaptumModel1 : CaptumModel2;
        var ig = new IntegratedGradients(f);
        var x = T([3, 1], 1, 2);
        const int n = 1000;
        foreach (var m in AllMethods)
        {
            Close([1.5, -0.5], ig.Attribute(x, Target.Output, nSteps: n, method: m), 3.0 * 2 / n, what: $"IG {m}");
            Close([0.5, -0.5], ig.Attribute(x, Target.Output, nSteps: n, method: m, multiplyByInputs: false), 2.0 / n, what: $"IG {m} local");
        }
    }

    [Fact]
    public void LinearModelIsExactForEveryRuleAndBaselineForm()
    {
        using var scope = NewDisposeScope();
        var r = new Random(7);
        double[] w = [0.5, -2, 3, 0.25];
        var ig = new IntegratedGradients(LinearModel(w, c: 1.5));
        var xv = Uniform(r, 12, -2, 2);
        var x = T(xv, 3, 4);
        var perSample = Uniform(r, 12, -1, 1);
        var single = Uniform(r, 4, -1, 1);
        foreach (var m in AllMethods)
            foreach (var n in new[] { 2, 3, 17 })
            {
                // Per-sample baselines [B, D].
                var expected = new double[12];
                for (var i = 0; i < 12; i++) expected[i] = (xv[i] - perSample[i]) * w[i % 4];
                Close(expected, ig.Attribute(x, Target.Output, T(perSample, 3, 4), nSteps: n, method: m), 1e-12, what: $"{m} per-sample");
                // One baseline [D] for every sample.
                for (var i = 0; i < 12; i++) expected[i] = (xv[i] - single[i % 4]) * w[i % 4];
                Close(expected, ig.Attribute(x, Target.Output, T(single, 4), nSteps: n, method: m), 1e-12, what: $"{m} single");
                // A scalar baseline.
                for (var i = 0; i < 12; i++) expected[i] = (xv[i] - 0.75) * w[i % 4];
                Close(expected, ig.Attribute(x, Target.Output, 0.75, nSteps: n, method: m), 1e-12, what: $"{m} scalar");
            }
    }

    /// <summary>
    /// f = Σ a_i x_i²: the gradient 2a(x' + α(x − x')) is linear in α, so every rule exact for degree 1 (Gauss–Legendre
    /// from n = 1, midpoint, trapezoid) gives a(x² − x'²) exactly; the left/right sums give the closed forms with the
    /// mean node (n∓1)/(2n) in place of ½.
    /// </summary>
    [Fact]
    public void QuadraticModelClosedForms()
    {
        using var scope = NewDisposeScope();
        var r = new Random(11);
        double[] a = [1, -0.5, 2, 0.3, -1.2];
        var ig = new IntegratedGradients(QuadraticModel(a));
        var xv = Uniform(r, 10, -2, 2);
        var bv = Uniform(r, 10, -1, 1);
        var x = T(xv, 2, 5);
        var xb = T(bv, 2, 5);
        var exact = new double[10];
        for (var i = 0; i < 10; i++) exact[i] = a[i % 5] * (xv[i] * xv[i] - bv[i] * bv[i]);
        foreach (var n in new[] { 1, 2, 5, 50 })
        {
            Close(exact, ig.Attribute(x, Target.Output, xb, nSteps: n), 1e-12, what: $"GL n={n}");
            Close(exact, ig.Attribute(x, Target.Output, xb, nSteps: n, method: IntegrationMethod.RiemannMiddle), 1e-12, what: $"middle n={n}");
            if (n >= 2) Close(exact, ig.Attribute(x, Target.Output, xb, nSteps: n, method: IntegrationMethod.RiemannTrapezoid), 1e-12, what: $"trapezoid n={n}");
            var left = new double[10];
            var right = new double[10];
            for (var i = 0; i < 10; i++)
            {
                var d = xv[i] - bv[i];
                left[i] = 2 * a[i % 5] * d * (bv[i] + (n - 1.0) / (2 * n) * d);
                right[i] = 2 * a[i % 5] * d * (bv[i] + (n + 1.0) / (2 * n) * d);
            }
            Close(left, ig.Attribute(x, Target.Output, xb, nSteps: n, method: IntegrationMethod.RiemannLeft), 1e-12, what: $"left n={n}");
            Close(right, ig.Attribute(x, Target.Output, xb, nSteps: n, method: IntegrationMethod.RiemannRight), 1e-12, what: $"right n={n}");
        }
        // Without multiplying by the inputs: the path-averaged gradient a(x + x').
        var local = new double[10];
        for (var i = 0; i < 10; i++) local[i] = a[i % 5] * (xv[i] + bv[i]);
        Close(local, ig.Attribute(x, Target.Output, xb, nSteps: 3, multiplyByInputs: false), 1e-12);
    }

    [Fact]
    public void TargetsSelectTheExplainedOutput()
    {
        using var scope = NewDisposeScope();
        double[] a = [1, -2, 0.5];
        double[] w = [3, 1, -1];
        var ig = new IntegratedGradients(TwoHeadModel(a, w));
        double[] xv = [1, 2, -1, 0.5, -0.5, 2];
        var x = T(xv, 2, 3);
        var quad = new double[6];
        var lin = new double[6];
        for (var i = 0; i < 6; i++) { quad[i] = a[i % 3] * xv[i] * xv[i]; lin[i] = w[i % 3] * xv[i]; }
        Close(quad, ig.Attribute(x, Target.Class(0), nSteps: 4), 1e-12, what: "class 0");
        Close(lin, ig.Attribute(x, 1, nSteps: 4), 1e-12, what: "class 1");
        // Per-sample labels: sample 0 explains the linear head, sample 1 the quadratic one.
        var labels = tensor(new long[] { 1, 0 });
        Close([.. lin[..3], .. quad[3..]], ig.Attribute(x, Target.PerSample(labels), nSteps: 4), 1e-12, what: "per-sample");
        Close([.. lin[..3], .. quad[3..]], ig.Attribute(x, Target.PerSample(labels), nSteps: 4, internalBatchSize: 3), 1e-12, what: "per-sample chunked");
        var comp = new double[6];
        for (var i = 0; i < 6; i++) comp[i] = quad[i] - lin[i];
        Close(comp, ig.Attribute(x, Target.Comparative(0, 1), nSteps: 4), 1e-12, what: "comparative");
    }

    /// <summary>A smooth (softplus/tanh) CNN in float64, weights from System.Random.</summary>
    private sealed class SmoothCnn
    {
        private readonly Tensor _w1, _b1, _w2, _b2, _w3, _b3;

        public SmoothCnn(int seed)
        {
            var r = new Random(seed);
            _w1 = T(Uniform(r, 3 * 1 * 3 * 3, -0.6, 0.6), 3, 1, 3, 3);
            _b1 = T(Uniform(r, 3, -0.2, 0.2), 3);
            _w2 = T(Uniform(r, 4 * 3 * 3 * 3, -0.4, 0.4), 4, 3, 3, 3);
            _b2 = T(Uniform(r, 4, -0.2, 0.2), 4);
            _w3 = T(Uniform(r, 3 * 4 * 4 * 4, -0.5, 0.5), 3, 64);
            _b3 = T(Uniform(r, 3, -0.1, 0.1), 3);
        }

        public Tensor Forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h1 = nn.functional.softplus(nn.functional.conv2d(x, _w1, _b1, strides: [1, 1], padding: [1, 1]));   // [B, 3, 6, 6]
            var h2 = nn.functional.conv2d(h1, _w2, _b2, strides: [1, 1], padding: [0, 0]).tanh();               // [B, 4, 4, 4]
            return nn.functional.linear(h2.flatten(1), _w3, _b3).MoveToOuterDisposeScope();          // [B, 3]
        }
    }

    [Fact]
    public void CompletenessOnSmoothCnnWithFiftyGaussLegendreSteps()
    {
        using var scope = NewDisposeScope();
        var cnn = new SmoothCnn(3);
        var r = new Random(5);
        const int b = 4;
        var x = T(Uniform(r, b * 36, -2, 2), b, 1, 6, 6);
        var xb = T(Uniform(r, b * 36, -0.5, 0.5), b, 1, 6, 6);
        var labels = tensor(new long[] { 0, 2, 1, 2 });
        var target = Target.PerSample(labels);
        var ig = new IntegratedGradients(cnn.Forward);
        var (attr, delta) = ig.AttributeWithDelta(x, target, xb, nSteps: 50);
        Assert.Equal(x.shape, attr.shape);
        Assert.Equal([b], delta.shape);

        // f(x) − f(x') computed here, independently of the delta.
        double[] fx, fb;
        using (no_grad())
        {
            fx = D(cnn.Forward(x).gather(1, labels.unsqueeze(1)).squeeze(1));
            fb = D(cnn.Forward(xb).gather(1, labels.unsqueeze(1)).squeeze(1));
        }
        var sums = D(attr.flatten(1).sum(1));
        var deltas = D(delta);
        for (var i = 0; i < b; i++)
        {
            var diff = fx[i] - fb[i];
            Assert.True(Math.Abs(diff) > 1e-2, $"degenerate setup: f(x) − f(x') = {diff} for sample {i}");
            Assert.True(Math.Abs(sums[i] - diff) <= 1e-3 * Math.Abs(diff), $"sample {i}: Σ IG = {sums[i]:R}, f(x) − f(x') = {diff:R}");
            Assert.True(Math.Abs(deltas[i] - (sums[i] - diff)) <= 1e-12, $"sample {i}: delta {deltas[i]:R} ≠ Σ IG − Δf = {sums[i] - diff:R}");
        }

        // A coarse rule really is worse: the delta is a genuine integration error, not identically 0.
        var (_, coarse) = ig.AttributeWithDelta(x, target, xb, nSteps: 1, method: IntegrationMethod.RiemannLeft);
        Assert.True(D(coarse).Max(Math.Abs) > 10 * deltas.Max(Math.Abs), "a 1-step left sum should be far less accurate than 50-step Gauss–Legendre");

        // internalBatchSize 7 does not divide B·n = 200 and mixes samples across chunks: same result.
        var chunked = ig.Attribute(x, target, xb, nSteps: 50, internalBatchSize: 7);
        Close(D(attr), chunked, 1e-6, what: "internalBatchSize 7");
        var one = ig.Attribute(x, target, xb, nSteps: 50, internalBatchSize: 1);
        Close(D(attr), one, 1e-6, what: "internalBatchSize 1");
    }

    [Fact]
    public void InternalBatchSizeSplitsTheModelCalls()
    {
        using var scope = NewDisposeScope();
        var sizes = new List<long>();
        var f = LinearModel([1, 2]);
        var ig = new IntegratedGradients(x => { sizes.Add(x.size(0)); return f(x); });
        var inputs = T([1, 2, 3, 4, 5, 6], 3, 2);
        ig.Attribute(inputs, Target.Output, nSteps: 5);
        Assert.Equal([15L], sizes);
        sizes.Clear();
        ig.Attribute(inputs, Target.Output, nSteps: 5, internalBatchSize: 4);
        Assert.Equal([4L, 4, 4, 3], sizes);
    }

    [Fact]
    public void ModuleConstructorUsesForward()
    {
        using var scope = NewDisposeScope();
        using var lin = nn.Linear(3, 2, dtype: float64);
        var ig = new IntegratedGradients(lin);
        var x = T([1, -2, 0.5], 1, 3);
        var w = D(lin.weight);
        Close([w[3] * 1, w[4] * -2, w[5] * 0.5], ig.Attribute(x, 1, nSteps: 2), 1e-12);
    }

    [Fact]
    public void OnlyTheResultEscapesTheCallersScope()
    {
        var x = T([1, 2, 3, 4], 2, 2);
        var labels = tensor(new long[] { 1, 0 });
        var ig = new IntegratedGradients(TwoHeadModel([1, 1], [2, -1]));
        using var scope = NewDisposeScope();
        var before = scope.DisposablesCount;
        ig.Attribute(x, Target.PerSample(labels), nSteps: 6, internalBatchSize: 5);
        Assert.Equal(before + 1, scope.DisposablesCount);
        ig.AttributeWithDelta(x, Target.PerSample(labels), 0.5, nSteps: 6);
        Assert.Equal(before + 3, scope.DisposablesCount);
    }

    [Fact]
    public void ArgumentErrorsAreClear()
    {
        using var scope = NewDisposeScope();
        var ig = new IntegratedGradients(LinearModel([1, 2, 3]));
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);

        var shape = Assert.Throws<ArgumentException>(() => ig.Attribute(x, Target.Output, T([1, 2], 2)));
        Assert.Contains("[2]", shape.Message);
        Assert.Contains("[2, 3]", shape.Message);
        var rows = Assert.Throws<ArgumentException>(() => ig.Attribute(x, Target.Output, T(new double[9], 3, 3)));
        Assert.Contains("[3, 3]", rows.Message);
        Assert.Contains("[2, 3]", rows.Message);

        var steps = Assert.Throws<ArgumentOutOfRangeException>(() => ig.Attribute(x, Target.Output, nSteps: 0));
        Assert.Equal("nSteps", steps.ParamName);
        Assert.Contains("at least 1", steps.Message);
        var trap = Assert.Throws<ArgumentOutOfRangeException>(() => ig.Attribute(x, Target.Output, nSteps: 1, method: IntegrationMethod.RiemannTrapezoid));
        Assert.Equal("nSteps", trap.ParamName);
        var ibs = Assert.Throws<ArgumentOutOfRangeException>(() => ig.Attribute(x, Target.Output, internalBatchSize: 0));
        Assert.Equal("internalBatchSize", ibs.ParamName);

        var ints = Assert.Throws<ArgumentException>(() => ig.Attribute(tensor(new long[] { 1, 2, 3 }, [1, 3]), Target.Output));
        Assert.Contains("floating point", ints.Message);
        Assert.Throws<ArgumentNullException>(() => new IntegratedGradients((Func<Tensor, Tensor>)null!));

        // A model that does not keep the batch first.
        var bad = new IntegratedGradients(t => t.sum());
        var out1 = Assert.Throws<InvalidOperationException>(() => bad.Attribute(x, Target.Output, nSteps: 2));
        Assert.Contains("batch", out1.Message);
    }
}
