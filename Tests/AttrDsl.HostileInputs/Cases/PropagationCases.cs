using AttrDsl.Attribution;
using AttrDsl.Decomposition;
using TorchSharp.Modules;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace AttrDsl.HostileInputs;

/// <summary>
/// The methods that follow a model through its decomposition rules: DeepLift, DeepLiftShap, GuidedBackprop,
/// Deconvolution, GuidedGradCam, Lrp and LrpRule.
/// </summary>
public static class PropagationCases
{
    public const string Area = "propagation";

    private static Case C(string entry, string name, Func<object?> action, Expectation e) => new(Area, entry, name, action, e);

    /// <summary>An entry point called as (model, inputs, target).</summary>
    private static readonly (string Entry, Func<Module, Tensor, Target, Tensor> Call, bool Conv)[] Calls =
    [
        ("DeepLift.Attribute", (m, x, t) => new DeepLift(m).Attribute(x, t), false),
        ("DeepLift.AttributeWithDelta", (m, x, t) => new DeepLift(m).AttributeWithDelta(x, t).Attributions, false),
        ("DeepLift.ctor", (m, x, t) => new DeepLift(m, DeepLiftRule.RevealCancel).Attribute(x, t), false),
        ("DeepLiftShap.Attribute", (m, x, t) => new DeepLiftShap(m).Attribute(x, t, zeros(3, M.In)), false),
        ("DeepLiftShap.AttributeWithDelta", (m, x, t) => new DeepLiftShap(m).AttributeWithDelta(x, t, zeros(3, M.In)).Attributions, false),
        ("GuidedBackprop.Attribute", (m, x, t) => new GuidedBackprop(m).Attribute(x, t), false),
        ("Deconvolution.Attribute", (m, x, t) => new Deconvolution(m).Attribute(x, t), false),
        ("Lrp.Attribute", (m, x, t) => new Lrp(m).Attribute(x, t), false),
        ("GuidedGradCam.Attribute", (m, x, t) => new GuidedGradCam(m, "conv").Attribute(x, t), true),
        ("LayerDeepLift.Attribute", (m, x, t) => new LayerDeepLift(m, "fc1").Attribute(x, t).sum(1, keepdim: true).expand(-1, M.In), false),
        ("LayerDeepLift.AttributeWithDelta", (m, x, t) => new LayerDeepLift(m, "fc1").AttributeWithDelta(x, t).Attributions.sum(1, keepdim: true).expand(-1, M.In), false),
        ("LayerLrp.Attribute", (m, x, t) => new LayerLrp(m, "fc1").Attribute(x, t).sum(1, keepdim: true).expand(-1, M.In), false),
    ];

    /// <summary>fc1, one ReLU module called twice, fc2: the ReLU has no single activation.</summary>
    private static Module Reused()
    {
        var relu = nn.ReLU();
        return nn.Sequential(("fc1", nn.Linear(M.In, 5)), ("relu", relu), ("mid", nn.Linear(5, 5)), ("again", relu), ("fc2", nn.Linear(5, M.Out)));
    }

    /// <summary>|Σ R − f(x)| at the hidden layer of a bias-free ReLU MLP under ε = 0.</summary>
    private static double LrpConservation()
    {
        var m = nn.Sequential(("fc1", nn.Linear(M.In, 5, hasBias: false)), ("relu", nn.ReLU()), ("fc2", nn.Linear(5, M.Out, hasBias: false)));
        m.to(float64);
        var x = randn(M.B, M.In, dtype: float64);
        var r = new LayerLrp(m, "relu", LrpRule.Epsilon(0)).Attribute(x, 1);
        using var noGrad = no_grad();
        return (r.sum(1) - m.forward(x)[.., 1]).abs().max().item<double>();
    }

    public static IEnumerable<Case> All()
    {
        foreach (var (entry, call, conv) in Calls)
        {
            Func<Module> model = conv ? M.Conv : () => M.Mlp();
            Func<Tensor> x = conv ? () => M.Img() : () => M.X();
            var shape = conv ? new long[] { M.B, 1, 4, 4 } : [M.B, M.In];
            yield return C(entry, "valid", () => call(model(), x(), 0), Expect.FiniteTensor(shape));
            yield return C(entry, "inputs-null", () => call(model(), null!, 0), Expect.Null("inputs"));
            yield return C(entry, "inputs-disposed", () => call(model(), M.Dead(x()), 0), Expect.Disposed("inputs"));
            yield return C(entry, "inputs-NaN", () => call(model(), M.WithNaN(x()), 0), Expect.Error<ArgumentException>("inputs", "NaN"));
            yield return C(entry, "inputs-int", () => call(model(), ones(shape, dtype: int64), 0), Expect.Error<ArgumentException>("inputs", "floating"));
            yield return C(entry, "target-out-of-range", () => call(model(), x(), 99), Expect.Error<ArgumentOutOfRangeException>("99"));
            yield return C(entry, "model-disposed", () => call(M.Disposed(), M.X(), 0), Expect.Disposed("model"));
            if (!conv)
            {
                yield return C(entry, "unsupported-module", () => call(nn.Sequential(("fc1", nn.Linear(M.In, 5)), ("odd", nn.Softmin(1)), ("out", nn.Linear(5, M.Out))), M.X(), 0),
                    Expect.Error<UnsupportedModuleException>("odd", "Softmin"));
                yield return C(entry, "layer-norm-refused", () => call(nn.Sequential(("fc1", nn.Linear(M.In, 5)), ("norm", nn.LayerNorm(5)), ("out", nn.Linear(5, M.Out))), M.X(), 0),
                    Expect.Error<NotSupportedException>("layer normalisation", "norm"));
            }
        }

        foreach (var (entry, call) in new (string, Func<Module, Tensor, Tensor>)[]
        {
            ("NeuronDeepLift.Attribute", (m, x) => new NeuronDeepLift(m, "fc1", [1]).Attribute(x)),
            ("NeuronDeepLift.AttributeWithDelta", (m, x) => new NeuronDeepLift(m, "fc1", [1]).AttributeWithDelta(x).Attributions),
            ("NeuronGuidedBackprop.Attribute", (m, x) => new NeuronGuidedBackprop(m, "fc1", [1]).Attribute(x)),
        })
        {
            yield return C(entry, "valid", () => call(M.Mlp(), M.X()), Expect.FiniteTensor([M.B, M.In]));
            yield return C(entry, "inputs-null", () => call(M.Mlp(), null!), Expect.Null("inputs"));
            yield return C(entry, "inputs-NaN", () => call(M.Mlp(), M.WithNaN(M.X())), Expect.Error<ArgumentException>("inputs", "NaN"));
            yield return C(entry, "inputs-int", () => call(M.Mlp(), ones([M.B, M.In], dtype: int64)), Expect.Error<ArgumentException>("inputs", "floating"));
            yield return C(entry, "model-disposed", () => call(M.Disposed(), M.X()), Expect.Disposed("model"));
        }
        yield return C("DeepLift.ctor", "rule-undefined", () => new DeepLift(M.Mlp(), (DeepLiftRule)7), Expect.Error<ArgumentOutOfRangeException>("rule", "7"));
        yield return C("DeepLift.ctor", "rule-null-model", () => new DeepLift(null!, DeepLiftRule.RevealCancel), Expect.Null("model"));
        yield return C("DeepLift.AttributeWithDelta", "reveal-cancel-sums-to-delta", () => new DeepLift(M.Mlp(), DeepLiftRule.RevealCancel).AttributeWithDelta(M.X(), 0).Delta,
            Expect.Result("|delta| < 1e-4", r => r is Tensor d && d.abs().max().item<float>() < 1e-4f ? null : $"delta {Evaluator.Describe(r)}"));
        yield return C("NeuronDeepLift.Attribute", "index-out-of-range", () => new NeuronDeepLift(M.Mlp(), "fc1", [9]).Attribute(M.X()), Expect.Error<ArgumentOutOfRangeException>("neuronIndex", "9"));
        yield return C("NeuronGuidedBackprop.Attribute", "index-too-many-dims", () => new NeuronGuidedBackprop(M.Mlp(), "fc1", [1, 0]).Attribute(M.X()), Expect.Error<ArgumentException>("neuronIndex", "2 indices"));
        yield return C("NeuronDeepLift.AttributeWithDelta", "delta-zero", () => new NeuronDeepLift(M.Mlp(ScalarType.Float64), "relu", [2]).AttributeWithDelta(M.X().to(float64), randn(M.B, M.In, dtype: float64)).Delta,
            Expect.Result("|delta| < 1e-10", r => r is Tensor d && d.abs().max().item<double>() < 1e-10 ? null : $"delta {Evaluator.Describe(r)}"));
        yield return C("LayerDeepLift.AttributeWithDelta", "delta-zero", () => new LayerDeepLift(M.Mlp(ScalarType.Float64), "relu").AttributeWithDelta(M.X().to(float64), 1, randn(M.B, M.In, dtype: float64)).Delta,
            Expect.Result("|delta| < 1e-10", r => r is Tensor d && d.abs().max().item<double>() < 1e-10 ? null : $"delta {Evaluator.Describe(r)}"));
        yield return C("LayerDeepLift.Attribute", "baselines-wrong-shape", () => new LayerDeepLift(M.Mlp(), "fc1").Attribute(M.X(), 0, zeros(2, 9)), Expect.Error<ArgumentException>("baselines", "[2, 9]"));
        yield return C("LayerDeepLift.Attribute", "cancelled-token", () => new LayerDeepLift(M.Mlp(), "fc1").Attribute(M.X(), 0, cancellationToken: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        yield return C("LayerDeepLift.Attribute", "layer-reused", () => new LayerDeepLift(Reused(), "relu").Attribute(M.X(), 0), Expect.Error<InvalidOperationException>("relu", "more than once"));
        yield return C("NeuronDeepLift.Attribute", "baselines-NaN", () => new NeuronDeepLift(M.Mlp(), "fc1", [0]).Attribute(M.X(), M.WithNaN(zeros(1, M.In))), Expect.Error<ArgumentException>("baselines", "NaN"));
        yield return C("NeuronGuidedBackprop.Attribute", "cancelled-token", () => new NeuronGuidedBackprop(M.Mlp(), "fc1", [0]).Attribute(M.X(), AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        yield return C("LayerDeepLift.ctor", "model-null", () => new LayerDeepLift(null!, "fc1"), Expect.Null("model"));
        yield return C("LayerDeepLift.ctor", "layer-missing", () => new LayerDeepLift(M.Mlp(), "nope"), Expect.Error<ArgumentException>("layerPath", "nope"));
        yield return C("LayerDeepLift.ctor", "layer-null", () => new LayerDeepLift(M.Mlp(), null!), Expect.Null("layerPath"));
        yield return C("NeuronDeepLift.ctor", "index-null", () => new NeuronDeepLift(M.Mlp(), "fc1", null!), Expect.Null("neuronIndex"));
        yield return C("NeuronDeepLift.ctor", "index-empty", () => new NeuronDeepLift(M.Mlp(), "fc1", []), Expect.Error<ArgumentException>("neuronIndex", "empty"));
        yield return C("NeuronDeepLift.ctor", "layer-missing", () => new NeuronDeepLift(M.Mlp(), "nope", [0]), Expect.Error<ArgumentException>("layerPath", "nope"));
        yield return C("NeuronGuidedBackprop.ctor", "model-null", () => new NeuronGuidedBackprop(null!, "fc1", [0]), Expect.Null("model"));
        yield return C("NeuronGuidedBackprop.ctor", "index-empty", () => new NeuronGuidedBackprop(M.Mlp(), "fc1", []), Expect.Error<ArgumentException>("neuronIndex", "empty"));
        yield return C("LayerLrp.ctor", "model-null", () => new LayerLrp(null!, "fc1"), Expect.Null("model"));
        yield return C("LayerLrp.ctor", "layer-missing", () => new LayerLrp(M.Mlp(), "nope"), Expect.Error<ArgumentException>("layerPath", "nope"));
        yield return C("LayerLrp.ctor", "zb-refused", () => new LayerLrp(M.Mlp(), "fc2", rules: new Dictionary<string, LrpRule> { ["fc1"] = LrpRule.ZB }), Expect.Error<ArgumentException>("rules", "z^B"));
        yield return C("LayerLrp.ctor", "zb-default-refused", () => new LayerLrp(M.Mlp(), "fc2", LrpRule.ZB), Expect.Error<ArgumentException>("defaultRule", "z^B"));
        yield return C("LayerLrp.Attribute", "conserved", () => LrpConservation(), Expect.Result("Σ R = f(x)", r => r is double e && e < 1e-9 ? null : $"error {Evaluator.Describe(r)}"));

        yield return C("DeepLift.ctor", "model-null", () => new DeepLift(null!), Expect.Null("model"));
        yield return C("DeepLiftShap.ctor", "model-null", () => new DeepLiftShap(null!), Expect.Null("model"));
        yield return C("GuidedBackprop.ctor", "model-null", () => new GuidedBackprop(null!), Expect.Null("model"));
        yield return C("Deconvolution.ctor", "model-null", () => new Deconvolution(null!), Expect.Null("model"));
        yield return C("Lrp.ctor", "model-null", () => new Lrp(null!), Expect.Null("model"));
        yield return C("Lrp.ctor", "rule-null", () => new Lrp(M.Mlp(), rules: new Dictionary<string, LrpRule> { ["fc1"] = null! }), Expect.Null("rules"));
        yield return C("GuidedGradCam.ctor", "layer-missing", () => new GuidedGradCam(M.Conv(), "nope"), Expect.Error<ArgumentException>("nope"));
        yield return C("GuidedGradCam.ctor", "model-null", () => new GuidedGradCam(null!, "conv"), Expect.Null("model"));

        yield return C("DeepLift.Attribute", "baselines-wrong-shape", () => new DeepLift(M.Mlp()).Attribute(M.X(), 0, zeros(2, 9)), Expect.Error<ArgumentException>("baselines", "[2, 9]"));
        yield return C("DeepLift.Attribute", "baselines-NaN", () => new DeepLift(M.Mlp()).Attribute(M.X(), 0, M.WithNaN(zeros(1, M.In))), Expect.Error<ArgumentException>("baselines", "NaN"));
        yield return C("DeepLift.Attribute", "baselines-disposed", () => new DeepLift(M.Mlp()).Attribute(M.X(), 0, M.Dead(zeros(1, M.In))), Expect.Disposed("baselines"));
        yield return C("DeepLift.AttributeWithDelta", "delta-zero", () => new DeepLift(M.Mlp(ScalarType.Float64)).AttributeWithDelta(M.X().to(float64), 1, randn(M.B, M.In, dtype: float64)).Delta,
            Expect.Result("|delta| < 1e-10", r => r is Tensor d && d.abs().max().item<double>() < 1e-10 ? null : $"delta {Evaluator.Describe(r)}"));
        yield return C("DeepLift.Attribute", "cancelled-token", () => new DeepLift(M.Mlp()).Attribute(M.X(), 0, cancellationToken: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        yield return C("DeepLiftShap.Attribute", "baselines-null", () => new DeepLiftShap(M.Mlp()).Attribute(M.X(), 0, null!), Expect.Null("baselines"));
        yield return C("DeepLiftShap.Attribute", "baselines-wrong-shape", () => new DeepLiftShap(M.Mlp()).Attribute(M.X(), 0, zeros(3, 9)), Expect.Error<ArgumentException>("baselines", "[3, 9]"));
        yield return C("DeepLiftShap.Attribute", "baselines-NaN", () => new DeepLiftShap(M.Mlp()).Attribute(M.X(), 0, M.WithNaN(zeros(3, M.In))), Expect.Error<ArgumentException>("baselines", "NaN"));
        yield return C("DeepLiftShap.AttributeWithDelta", "cancelled-token", () => new DeepLiftShap(M.Mlp()).AttributeWithDelta(M.X(), 0, zeros(3, M.In), AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        yield return C("GuidedGradCam.Attribute", "inputs-not-images", () => new GuidedGradCam(M.Conv(), "conv").Attribute(randn(M.B, 16), 0), Expect.Error<ArgumentException>("inputs", "[B, C, H, W]"));
        yield return C("GuidedGradCam.Attribute", "interpolate-mode-unknown", () => new GuidedGradCam(M.Conv(), "conv").Attribute(M.Img(), 0, "cubic"), Expect.Error<ArgumentException>("interpolateMode", "cubic"));
        yield return C("Lrp.Attribute", "zb-without-bounds", () => new Lrp(M.Mlp(), rules: new Dictionary<string, LrpRule> { ["fc1"] = LrpRule.ZB }).Attribute(M.X(), 0), Expect.Error<InvalidOperationException>("z^B", "low", "high"));
        yield return C("Lrp.Attribute", "one-bound-only", () => new Lrp(M.Mlp()).Attribute(M.X(), 0, low: zeros(1, M.In)), Expect.Error<ArgumentException>("high"));
        yield return C("Lrp.Attribute", "bounds-crossed", () => new Lrp(M.Mlp()).Attribute(M.X(), 0, ones(1, M.In), zeros(1, M.In)), Expect.Error<ArgumentException>("low", "high"));
        yield return C("Lrp.Attribute", "bound-NaN", () => new Lrp(M.Mlp()).Attribute(M.X(), 0, M.WithNaN(zeros(1, M.In)), ones(1, M.In)), Expect.Error<ArgumentException>("low", "NaN"));
        yield return C("LrpRule.Epsilon", "negative", () => LrpRule.Epsilon(-1), Expect.Error<ArgumentOutOfRangeException>("epsilon", "-1"));
        yield return C("LrpRule.Epsilon", "NaN", () => LrpRule.Epsilon(double.NaN), Expect.Error<ArgumentOutOfRangeException>("epsilon", "NaN"));
        yield return C("LrpRule.Epsilon", "valid", () => LrpRule.Epsilon(0.1).Parameter, Expect.Result("0.1", r => r is double d && d == 0.1 ? null : Evaluator.Describe(r)));
        yield return C("LrpRule.Gamma", "infinite", () => LrpRule.Gamma(double.PositiveInfinity), Expect.Error<ArgumentOutOfRangeException>("gamma"));
        yield return C("LrpRule.Gamma", "valid", () => LrpRule.Gamma(0.5).Kind, Expect.Result("Gamma", r => r is LrpRuleKind.Gamma ? null : Evaluator.Describe(r)));
    }
}
