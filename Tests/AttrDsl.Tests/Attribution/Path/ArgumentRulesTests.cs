using AttrDsl.Tests.Infrastructure;
using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.PathMethods.AttrKit;

namespace AttrDsl.Tests.Attribution.PathMethods;

/// <summary>
/// The shared argument rules (Checks) at every public entry point of the gradient and path methods: empty batches,
/// NaN/±Inf in inputs, baselines and backgrounds, per-sample targets counted in the user's samples, null and integer
/// model outputs, and the bounds on nSteps and on the rows a call materialises. Every message names the method, the
/// tensor or argument, and what to do. Serial: the sampling methods draw from (and re-seed) the global generator.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public class ArgumentRulesTests
{
    private static readonly double[] A = [1, -2, 0.5];
    private static readonly double[] W = [3, -1, 0.25];

    /// <summary>[B, 3] → [B, 2]: a quadratic head and a linear head.</summary>
    private static Func<Tensor, Tensor> Model => TwoHeadModel(A, W);

    private static Tensor Background() => T([0.5, -0.5, 0.25, 0, 1, -1], 2, 3);

    /// <summary>Runs <paramref name="method"/> on <paramref name="f"/> with small, valid settings.</summary>
    private static Tensor Run(string method, Func<Tensor, Tensor> f, Tensor x, Target target, Tensor? reference = null)
    {
        var bg = reference ?? Background();
        switch (method)
        {
            case "IntegratedGradients.Attribute":
                return new IntegratedGradients(f).Attribute(x, target, nSteps: 4);
            case "IntegratedGradients.AttributeWithDelta":
                return new IntegratedGradients(f).AttributeWithDelta(x, target, nSteps: 4).Attributions;
            case "Saliency.Attribute":
                return new Saliency(f).Attribute(x, target);
            case "InputXGradient.Attribute":
                return new InputXGradient(f).Attribute(x, target);
            case "ExpectedGradients.Attribute":
                return new ExpectedGradients(f).Attribute(x, target, bg, k: 3);
            case "GradientShap.Attribute":
                return new GradientShap(f).Attribute(x, target, bg, nSamples: 3, stdevs: 0.1);
            case "NoiseTunnel.Attribute":
                return new NoiseTunnel((t, tt) => new Saliency(Model).Attribute(t, tt)).Attribute(x, target, nSamples: 3);
            case "InterpolationBatch.Sample":
                {
                    using var batch = InterpolationBatch.Sample(x, bg, 3);
                    return batch.Attributions(f(batch.Inputs), target);
                }
            case "InterpolationBatch.Create":
                {
                    using var refs = zeros(x.size(0), 2, x.size(1), dtype: x.dtype);
                    using var batch = InterpolationBatch.Create(x, refs, tensor(0.5, float64));
                    return batch.Attributions(f(batch.Inputs), target);
                }
            case "Gradients.Of":
                return Gradients.Of(f, x, target);
            case "Gradients.Outputs":
                return Gradients.Outputs(f, x, target);
            default:
                throw new ArgumentException($"no such method in this test: {method}");
        }
    }

    public static TheoryData<string> BatchMethods => new()
    {
        "IntegratedGradients.Attribute", "IntegratedGradients.AttributeWithDelta", "Saliency.Attribute", "InputXGradient.Attribute",
        "ExpectedGradients.Attribute", "GradientShap.Attribute", "NoiseTunnel.Attribute", "InterpolationBatch.Sample",
        "InterpolationBatch.Create", "Gradients.Of", "Gradients.Outputs",
    };

    // ------------------------------------------------------------------------------------------- empty batches

    /// <summary>One rule, one message: every entry point rejects an empty batch up front, the same way.</summary>
    [Theory]
    [MemberData(nameof(BatchMethods))]
    public void EmptyBatchIsOneRuleWithOneMessage(string method)
    {
        using var scope = NewDisposeScope();
        var empty = zeros(0, 3, dtype: float64);
        var e = Assert.Throws<ArgumentException>(() => Run(method, Model, empty, 0));
        var expected = method == "Gradients.Of" || method == "Gradients.Outputs"
            ? $"{method}: input is an empty batch (shape [0, 3]); pass at least one sample"
            : $"{method}: inputs is an empty batch (shape [0, 3]); pass at least one sample";
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void EmptyBatchWithAScalarBaselineAndEmptyReferenceSets()
    {
        using var scope = NewDisposeScope();
        var ig = new IntegratedGradients(Model);
        var empty = zeros(0, 3, dtype: float64);
        // The scalar-baseline overloads used to build the baseline tensor from the inputs before any check.
        Assert.StartsWith("IntegratedGradients.Attribute: inputs is an empty batch",
            Assert.Throws<ArgumentException>(() => ig.Attribute(empty, 0, 0.5)).Message);
        Assert.StartsWith("IntegratedGradients.AttributeWithDelta: inputs is an empty batch",
            Assert.Throws<ArgumentException>(() => ig.AttributeWithDelta(empty, 0, 0.5)).Message);
        Assert.Equal("inputs", Assert.Throws<ArgumentNullException>(() => ig.Attribute(null!, 0, 0.5)).ParamName);

        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        var noRefs = zeros(0, 3, dtype: float64);
        Assert.StartsWith("ExpectedGradients.Attribute: background is an empty batch (shape [0, 3]); pass at least one sample",
            Assert.Throws<ArgumentException>(() => new ExpectedGradients(Model).Attribute(x, 0, noRefs)).Message);
        Assert.StartsWith("InterpolationBatch.Sample: background is an empty batch",
            Assert.Throws<ArgumentException>(() => InterpolationBatch.Sample(x, noRefs, 2)).Message);
        Assert.StartsWith("GradientShap.Attribute: baselines is an empty batch",
            Assert.Throws<ArgumentException>(() => new GradientShap(Model).Attribute(x, 0, noRefs)).Message);
        Assert.StartsWith("IntegratedGradients.Attribute: baselines is an empty batch",
            Assert.Throws<ArgumentException>(() => ig.Attribute(x, 0, noRefs)).Message);
    }

    // ------------------------------------------------------------------------------------------- NaN and ±Inf

    public static TheoryData<string> InputMethods => new()
    {
        "IntegratedGradients.Attribute", "IntegratedGradients.AttributeWithDelta", "Saliency.Attribute", "InputXGradient.Attribute",
        "ExpectedGradients.Attribute", "GradientShap.Attribute", "NoiseTunnel.Attribute", "InterpolationBatch.Sample",
        "InterpolationBatch.Create",
    };

    /// <summary>NaN, +Inf and −Inf in the inputs gave NaN attributions silently; now each method names the first one.</summary>
    [Theory]
    [MemberData(nameof(InputMethods))]
    public void NonFiniteInputsAreRejected(string method)
    {
        using var scope = NewDisposeScope();
        foreach (var bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            var x = T([1, 2, 3, 4, 5, bad], 2, 3);
            var e = Assert.Throws<ArgumentException>(() => Run(method, Model, x, 0));
            Assert.Equal("inputs", e.ParamName);
            Assert.StartsWith($"{method}: inputs contains 1 non-finite value (first: {bad} at index [1, 2] of shape [2, 3])", e.Message);
            Assert.Contains("nan_to_num", e.Message);
        }
    }

    [Fact]
    public void NonFiniteBaselinesAreRejected()
    {
        using var scope = NewDisposeScope();
        var ig = new IntegratedGradients(Model);
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        var e = Assert.Throws<ArgumentException>(() => ig.Attribute(x, 0, T([0, double.PositiveInfinity, 0], 3)));
        Assert.Equal("baselines", e.ParamName);
        Assert.StartsWith($"IntegratedGradients.Attribute: baselines contains 1 non-finite value (first: {double.PositiveInfinity} at index [1]", e.Message);
        Assert.StartsWith("IntegratedGradients.Attribute: baselines contains 1 non-finite value (first: NaN at index []",
            Assert.Throws<ArgumentException>(() => ig.Attribute(x, 0, double.NaN)).Message);
        Assert.StartsWith("IntegratedGradients.AttributeWithDelta: baselines contains",
            Assert.Throws<ArgumentException>(() => ig.AttributeWithDelta(x, 0, double.NegativeInfinity)).Message);

        // References and α given explicitly.
        var refs = T([0, 0, 0, 0, double.NaN, 0], 2, 1, 3);
        Assert.StartsWith("InterpolationBatch.Create: references contains 1 non-finite value (first: NaN at index [1, 0, 1]",
            Assert.Throws<ArgumentException>(() => InterpolationBatch.Create(x, refs, tensor(0.5, float64))).Message);
        Assert.StartsWith("InterpolationBatch.Create: alphas contains",
            Assert.Throws<ArgumentException>(() => InterpolationBatch.Create(x, zeros(2, 1, 3, dtype: float64), tensor(double.NaN, float64))).Message);
    }

    /// <summary>
    /// A non-finite reference is rejected when it is drawn, and the message names its index in the whole set. With
    /// 2 references and 64 draws per sample, reference 1 is drawn whatever the seed (the chance it is not is 2⁻¹²⁸).
    /// </summary>
    [Fact]
    public void NonFiniteBackgroundAndBaselinesAreRejectedWhenDrawn()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        var bg = T([0.5, -0.5, 0.25, double.NaN, 1, -1], 2, 3);
        var eg = Assert.Throws<ArgumentException>(() => new ExpectedGradients(Model).Attribute(x, 0, bg, k: 64));
        Assert.Equal("background", eg.ParamName);
        Assert.StartsWith("ExpectedGradients.Attribute: background contains 1 non-finite value (first: NaN at index [1, 0] of shape [2, 3])", eg.Message);
        Assert.StartsWith("InterpolationBatch.Sample: background contains 1 non-finite value",
            Assert.Throws<ArgumentException>(() => InterpolationBatch.Sample(x, bg, 64)).Message);
        var gs = Assert.Throws<ArgumentException>(() => new GradientShap(Model).Attribute(x, 0, bg, nSamples: 64));
        Assert.Equal("baselines", gs.ParamName);
        Assert.StartsWith("GradientShap.Attribute: baselines contains 1 non-finite value (first: NaN at index [1, 0]", gs.Message);
    }

    // ------------------------------------------------------------------------------------------- per-sample targets

    public static TheoryData<string> TargetMethods => new()
    {
        "IntegratedGradients.Attribute", "IntegratedGradients.AttributeWithDelta", "Saliency.Attribute", "InputXGradient.Attribute",
        "ExpectedGradients.Attribute", "GradientShap.Attribute", "NoiseTunnel.Attribute", "Gradients.Of", "Gradients.Outputs",
    };

    /// <summary>
    /// 3 labels for 2 samples used to be reported in internal rows after the labels were repeated (IG with 50 steps:
    /// "150 per-sample targets for a batch of 100 outputs"); now it is said in the user's terms, before any work.
    /// </summary>
    [Theory]
    [MemberData(nameof(TargetMethods))]
    public void PerSampleTargetsAreCountedInSamples(string method)
    {
        using var scope = NewDisposeScope();
        var calls = 0;
        Func<Tensor, Tensor> counting = t => { calls++; return Model(t); };
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        var labels = tensor(new long[] { 0, 1, 1 });
        var e = Assert.Throws<ArgumentException>(() => Run(method, counting, x, Target.PerSample(labels)));
        Assert.Equal("target", e.ParamName);
        Assert.StartsWith($"{method}: 3 per-sample targets for 2 samples; pass one class index per sample of the inputs (a 1-D int64 tensor of length 2)", e.Message);
        Assert.Equal(0, calls);
        // One label for two samples as well.
        Assert.StartsWith($"{method}: 1 per-sample target for 2 samples",
            Assert.Throws<ArgumentException>(() => Run(method, counting, x, Target.PerSample(tensor(new long[] { 1 })))).Message);
    }

    [Fact]
    public void PerSampleTargetsOfAnInterpolationBatchAreCountedInItsSamples()
    {
        using var scope = NewDisposeScope();
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        var labels = Target.PerSample(tensor(new long[] { 0, 1, 1 }));
        using var batch = InterpolationBatch.Sample(x, Background(), k: 50);
        var output = Model(batch.Inputs);
        Assert.StartsWith("InterpolationBatch.Attributions: 3 per-sample targets for 2 samples",
            Assert.Throws<ArgumentException>(() => batch.Attributions(output, labels)).Message);
        Assert.StartsWith("InterpolationBatch.Gradient: 3 per-sample targets for 2 samples",
            Assert.Throws<ArgumentException>(() => batch.Gradient(output, labels)).Message);
        Assert.StartsWith("ExpectedGradients.Attribute: 3 per-sample targets for 2 samples",
            Assert.Throws<ArgumentException>(() => new ExpectedGradients(Model).Attribute(batch, labels)).Message);
        // IG with its default 50 steps: nothing about the 150 repeated labels or the 100 interpolation rows.
        var ig = Assert.Throws<ArgumentException>(() => new IntegratedGradients(Model).Attribute(x, labels));
        Assert.DoesNotContain("150", ig.Message);
        Assert.DoesNotContain("100", ig.Message);
    }

    // ------------------------------------------------------------------------------------------- model outputs

    public static TheoryData<string> ModelMethods => new()
    {
        "IntegratedGradients.Attribute", "IntegratedGradients.AttributeWithDelta", "Saliency.Attribute", "InputXGradient.Attribute",
        "ExpectedGradients.Attribute", "GradientShap.Attribute", "InterpolationBatch.Create", "Gradients.Of", "Gradients.Outputs",
    };

    /// <summary>A module whose forward returns null (it used to surface as a NullReferenceException).</summary>
    private sealed class NullForward : nn.Module<Tensor, Tensor>
    {
        public NullForward() : base(nameof(NullForward)) => RegisterComponents();

        public override Tensor forward(Tensor input) => null!;
    }

    /// <summary>A module that returns class indices instead of scores.</summary>
    private sealed class ArgmaxForward : nn.Module<Tensor, Tensor>
    {
        public ArgmaxForward() : base(nameof(ArgmaxForward)) => RegisterComponents();

        public override Tensor forward(Tensor input) => Model(input).argmax(1);
    }

    [Theory]
    [MemberData(nameof(ModelMethods))]
    public void NullAndIntegerModelOutputsAreClearErrors(string method)
    {
        using var scope = NewDisposeScope();
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        var expectedMethod = method == "InterpolationBatch.Create" ? "InterpolationBatch.Attributions" : method;
        if (method != "InterpolationBatch.Create")   // there the caller computes the output itself: see below
        {
            var nul = Assert.Throws<InvalidOperationException>(() => Run(method, _ => null!, x, 0));
            Assert.Equal($"{expectedMethod}: the model returned null; its forward must return the output tensor [B, ...]", nul.Message);
        }
        var ints = Assert.Throws<InvalidOperationException>(() => Run(method, t => Model(t).argmax(1), x, 0));
        Assert.StartsWith($"{expectedMethod}: the model returned a Int64 tensor; attributions need floating-point outputs", ints.Message);
        Assert.Contains("not argmax", ints.Message);
    }

    [Fact]
    public void ModuleOutputsAreCheckedAsFunctionOutputsAre()
    {
        using var scope = NewDisposeScope();
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        using var nul = new NullForward();
        using var ints = new ArgmaxForward();
        Assert.StartsWith("IntegratedGradients.Attribute: the model returned null",
            Assert.Throws<InvalidOperationException>(() => new IntegratedGradients(nul).Attribute(x, 0)).Message);
        Assert.StartsWith("Saliency.Attribute: the model returned null",
            Assert.Throws<InvalidOperationException>(() => new Saliency(nul).Attribute(x, 0)).Message);
        Assert.StartsWith("InputXGradient.Attribute: the model returned a Int64 tensor",
            Assert.Throws<InvalidOperationException>(() => new InputXGradient(ints).Attribute(x, 0)).Message);
        Assert.StartsWith("ExpectedGradients.Attribute: the model returned a Int64 tensor",
            Assert.Throws<InvalidOperationException>(() => new ExpectedGradients(ints).Attribute(x, 0, Background())).Message);
        Assert.StartsWith("GradientShap.Attribute: the model returned null",
            Assert.Throws<InvalidOperationException>(() => new GradientShap(nul).Attribute(x, 0, Background())).Message);
        // NoiseTunnel wraps a method, which names itself.
        var nt = new NoiseTunnel((t, target) => new Saliency(nul).Attribute(t, target));
        Assert.StartsWith("Saliency.Attribute: the model returned null",
            Assert.Throws<InvalidOperationException>(() => nt.Attribute(x, 0)).Message);
        // An output the caller passes to the interpolation batch.
        using var batch = InterpolationBatch.Sample(x, Background(), 2);
        Assert.Equal("output", Assert.Throws<ArgumentNullException>(() => batch.Attributions(null!, 0)).ParamName);
    }

    /// <summary>
    /// VarGrad over integer attributions would reach TorchSharp's var, which terminates the process on an integer
    /// tensor: the wrapped method's result is checked first.
    /// </summary>
    [Fact]
    public void NoiseTunnelRejectsIntegerAttributionsBeforeAggregating()
    {
        using var scope = NewDisposeScope();
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        var nt = new NoiseTunnel((t, _) => t.to(int64));
        foreach (var type in Enum.GetValues<NoiseTunnelType>())
        {
            var e = Assert.Throws<InvalidOperationException>(() => nt.Attribute(x, 0, type, nSamples: 2));
            Assert.StartsWith("NoiseTunnel.Attribute: the wrapped attribution method returned a Int64 tensor; attributions must be floating point", e.Message);
        }
        Assert.StartsWith("NoiseTunnel.Attribute: the wrapped attribution method returned null",
            Assert.Throws<InvalidOperationException>(() => new NoiseTunnel((_, _) => null!).Attribute(x, 0)).Message);
    }

    // ------------------------------------------------------------------------------------------- bounds on nSteps and rows

    /// <summary>
    /// Gauss–Legendre is bounded at 1024 points (its nodes take O(n²) time: 100,000 steps ran past 90 s), the Riemann
    /// rules at 1,000,000; int.MaxValue threw OutOfMemoryException without naming nSteps. All rejected before any work.
    /// </summary>
    [Fact]
    public void NStepsIsBoundedPerRule()
    {
        using var scope = NewDisposeScope();
        var calls = 0;
        var ig = new IntegratedGradients(t => { calls++; return Model(t); });
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var n in new[] { 1025, 100_000, int.MaxValue })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => ig.Attribute(x, 0, nSteps: n));
            Assert.Equal("nSteps", e.ParamName);
            Assert.StartsWith($"IntegratedGradients.Attribute: nSteps = {n} is more than GaussLegendre allows (1024; see IntegrationRule.MaxSteps)", e.Message);
        }
        foreach (var m in new[] { IntegrationMethod.RiemannLeft, IntegrationMethod.RiemannRight, IntegrationMethod.RiemannMiddle, IntegrationMethod.RiemannTrapezoid })
            foreach (var n in new[] { 1_000_001, int.MaxValue })
            {
                var e = Assert.Throws<ArgumentOutOfRangeException>(() => ig.AttributeWithDelta(x, 0, nSteps: n, method: m));
                Assert.Equal("nSteps", e.ParamName);
                Assert.StartsWith($"IntegratedGradients.AttributeWithDelta: nSteps = {n} is more than {m} allows (1000000;", e.Message);
            }
        Assert.Equal(0, calls);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the bounds took {watch.Elapsed} to check");

        Assert.Equal(1024, IntegrationRule.MaxSteps(IntegrationMethod.GaussLegendre));
        Assert.Equal(1_000_000, IntegrationRule.MaxSteps(IntegrationMethod.RiemannMiddle));
        var rule = Assert.Throws<ArgumentOutOfRangeException>(() => IntegrationRule.Get(IntegrationMethod.GaussLegendre, 100_000));
        Assert.Equal("n", rule.ParamName);
        Assert.Contains("at most 1024", rule.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => IntegrationRule.Get(IntegrationMethod.RiemannLeft, int.MaxValue));

        // The largest Gauss–Legendre rule itself works.
        var linear = new IntegratedGradients(LinearModel([1, 2, 3]));
        var point = T([1, -0.5, 2], 1, 3);
        Close([1, -1, 6], linear.Attribute(point, Target.Output, nSteps: 1024), 1e-12, what: "IG with 1024 steps");
    }

    /// <summary>
    /// The largest Gauss–Legendre rule is fast and accurate: its weights sum to 1, its low moments are exact, it is
    /// symmetric, and the nodes take well under a second (about 25 ms on 2 shared cores; the bound is generous).
    /// </summary>
    [Fact]
    public void LargestGaussLegendreRuleIsFastAndAccurate()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (a, w) = IntegrationRule.Get(IntegrationMethod.GaussLegendre, IntegrationRule.MaxGaussLegendreSteps);
        var elapsed = watch.Elapsed;
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"1024 Gauss–Legendre nodes took {elapsed}");
        const int n = IntegrationRule.MaxGaussLegendreSteps;
        Assert.True(Math.Abs(w.Sum() - 1) <= 1e-12, $"weights sum to {w.Sum():R}");
        for (var d = 1; d <= 60; d++)
        {
            double s = 0;
            for (var i = 0; i < n; i++) s += w[i] * Math.Pow(a[i], d);
            Assert.True(Math.Abs(s - 1.0 / (d + 1)) <= 1e-13, $"degree {d}: {s:R} vs {1.0 / (d + 1):R}");
        }
        for (var i = 0; i < n; i++)
        {
            Assert.True(w[i] > 0);
            if (i > 0) Assert.True(a[i] > a[i - 1], $"alphas not ascending at {i}");
            Assert.True(Math.Abs(a[i] + a[n - 1 - i] - 1) <= 1e-15, $"node {i} not symmetric");
        }
    }

    /// <summary>
    /// Rows a call would materialise at once are checked against the memory the process can use before anything is
    /// allocated (each request here needs terabytes), naming the argument and the way out.
    /// </summary>
    [Fact]
    public void RequestsThatCannotFitInMemoryAreRejectedUpFront()
    {
        using var scope = NewDisposeScope();
        var calls = 0;
        Func<Tensor, Tensor> f = t => { calls++; return t.sum(1); };
        var wide = zeros(2, 1 << 20);                  // 8 MB of float32; 10⁶ steps of it would be 8 TB
        var ig = new IntegratedGradients(f);
        var steps = Assert.Throws<ArgumentOutOfRangeException>(() => ig.Attribute(wide, Target.Output, nSteps: 1_000_000, method: IntegrationMethod.RiemannMiddle));
        Assert.Equal("nSteps", steps.ParamName);
        Assert.StartsWith("IntegratedGradients.Attribute: nSteps = 1000000 needs B·nSteps = 2·1000000 = 2000000 interpolation points in one model call", steps.Message);
        Assert.Contains("pass internalBatchSize", steps.Message);
        var chunk = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ig.Attribute(wide, Target.Output, nSteps: 1_000_000, method: IntegrationMethod.RiemannMiddle, internalBatchSize: int.MaxValue));
        Assert.Equal("internalBatchSize", chunk.ParamName);

        var x = zeros(2, 1024, dtype: float64);
        var bg = zeros(1, 1024, dtype: float64);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => new ExpectedGradients(f).Attribute(x, Target.Output, bg, k: int.MaxValue)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => InterpolationBatch.Sample(x, bg, int.MaxValue)).ParamName);
        Assert.Equal("nSamples", Assert.Throws<ArgumentOutOfRangeException>(() => new GradientShap(f).Attribute(x, Target.Output, bg, nSamples: int.MaxValue)).ParamName);
        var nt = Assert.Throws<ArgumentOutOfRangeException>(() => new NoiseTunnel((t, _) => t).Attribute(x, Target.Output, nSamples: int.MaxValue));
        Assert.Equal("nSamples", nt.ParamName);
        Assert.StartsWith("NoiseTunnel.Attribute: nSamples = 2147483647 needs B·nSamples = 2·2147483647 = 4294967294 noisy copies", nt.Message);
        Assert.Equal(0, calls);
    }

    /// <summary>
    /// Streaming the interpolation points: with internalBatchSize no model call sees more rows than that, per-sample
    /// labels follow their rows across chunk borders, and the result equals the one-call result.
    /// </summary>
    [Fact]
    public void IntegratedGradientsStreamsItsPointsInChunks()
    {
        using var scope = NewDisposeScope();
        var r = new Random(17);
        var x = T(Uniform(r, 3 * 3, -2, 2), 3, 3);
        var xb = T(Uniform(r, 3 * 3, -1, 1), 3, 3);
        var labels = Target.PerSample(tensor(new long[] { 1, 0, 1 }));
        var sizes = new List<long>();
        var ig = new IntegratedGradients(t => { sizes.Add(t.size(0)); return Model(t).tanh(); });
        var whole = D(ig.Attribute(x, labels, xb, nSteps: 7));
        Assert.Equal([21L], sizes);
        sizes.Clear();
        var chunked = ig.Attribute(x, labels, xb, nSteps: 7, internalBatchSize: 5);
        Assert.Equal([5L, 5, 5, 5, 1], sizes);
        Close(whole, chunked, 1e-12, what: "chunks of 5");
    }
}
