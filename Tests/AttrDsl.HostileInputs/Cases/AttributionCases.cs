using AttrDsl.Attribution;
using TorchSharp.Modules;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace AttrDsl.HostileInputs;

/// <summary>
/// An attribution entry point reduced to one call shape: <c>Call(instance, inputs, target, baseline)</c>. A null
/// baseline means "the method's default" (the default background for methods that require one) unless
/// <c>nullBaseline</c> is set, which passes null explicitly.
/// </summary>
public sealed record AttrMethod(
    string Type,
    string Entry,
    Func<Module, object> FromModel,
    Func<Func<Tensor, Tensor>, object>? FromForward,
    Func<object, Tensor?, Target?, Tensor?, bool, object?> Call,
    string? BaselineName = null,
    bool BaselineRequired = false,
    Func<Sequential, Tensor, long, Tensor>? LinearTruth = null,
    bool IntegratedPath = false,
    string ModelArg = "model",
    IReadOnlyList<(string Name, Func<object, Tensor, object?> Call, string[] Mention)>? BadCounts = null,
    bool Perturbation = false);

/// <summary>Attribution methods on the input: gradient, path and perturbation methods, and Gradients.Of/Outputs.</summary>
public static class AttributionCases
{
    public const string Area = "attribution";

    // A background shaped like the inputs' samples; for a null or disposed input (whose shape cannot be read) the suite's default [5, 4].
    private static Tensor Bg(Tensor x) => x is null || x.IsInvalid ? randn(5, M.In) : randn([5, .. x.shape.Skip(1)], dtype: x.is_floating_point() ? x.dtype : float32);

    private static Tensor BaseOrDefault(Tensor? b, bool nullBase, Tensor x, bool required) =>
        nullBase ? null! : b ?? (required ? Bg(x) : null!);

    public static readonly AttrMethod[] Methods =
    [
        new("Saliency", "Saliency.Attribute", m => new Saliency(m), f => new Saliency(f),
            (o, x, t, _, _) => ((Saliency)o).Attribute(x!, t!),
            LinearTruth: (lin, x, c) => M.W(lin)[c].abs().expand(x.shape)),
        new("InputXGradient", "InputXGradient.Attribute", m => new InputXGradient(m), f => new InputXGradient(f),
            (o, x, t, _, _) => ((InputXGradient)o).Attribute(x!, t!),
            LinearTruth: (lin, x, c) => x * M.W(lin)[c]),
        new("NoiseTunnel", "NoiseTunnel.Attribute", m => new NoiseTunnel((x, t) => new Saliency(m).Attribute(x, t)),
            f => new NoiseTunnel((x, t) => new Saliency(f).Attribute(x, t)),
            (o, x, t, _, _) => ((NoiseTunnel)o).Attribute(x!, t!, NoiseTunnelType.SmoothGrad, nSamples: 3, stdevs: 0.1),
            LinearTruth: (lin, x, c) => M.W(lin)[c].abs().expand(x.shape),
            BadCounts:
            [
                ("nSamples-0", (o, x) => ((NoiseTunnel)o).Attribute(x, 0, nSamples: 0), ["nSamples", "0"]),
                ("nSamples-negative", (o, x) => ((NoiseTunnel)o).Attribute(x, 0, nSamples: -3), ["nSamples", "-3"]),
                ("nSamples-huge", (o, x) => ((NoiseTunnel)o).Attribute(x, 0, nSamples: int.MaxValue), ["nSamples", "2147483647"]),
                ("stdevs-NaN", (o, x) => ((NoiseTunnel)o).Attribute(x, 0, stdevs: double.NaN), ["stdevs", "NaN"]),
                ("stdevs-negative", (o, x) => ((NoiseTunnel)o).Attribute(x, 0, stdevs: -1), ["stdevs", "-1"]),
                ("stdevs-infinite", (o, x) => ((NoiseTunnel)o).Attribute(x, 0, stdevs: double.PositiveInfinity), ["stdevs", "∞|inf"]),
                ("batch-size-0", (o, x) => ((NoiseTunnel)o).Attribute(x, 0, nSamplesBatchSize: 0), ["nSamplesBatchSize", "0"]),
                ("batch-size-negative", (o, x) => ((NoiseTunnel)o).Attribute(x, 0, nSamplesBatchSize: -2), ["nSamplesBatchSize", "-2"]),
                ("type-undefined", (o, x) => ((NoiseTunnel)o).Attribute(x, 0, (NoiseTunnelType)99), ["type", "99"]),
            ]),
        new("IntegratedGradients", "IntegratedGradients.Attribute", m => new IntegratedGradients(m), f => new IntegratedGradients(f),
            (o, x, t, b, nb) => ((IntegratedGradients)o).Attribute(x!, t!, nb ? null : b, nSteps: 16),
            BaselineName: "baselines", LinearTruth: (lin, x, c) => x * M.W(lin)[c], IntegratedPath: true,
            BadCounts:
            [
                ("nSteps-0", (o, x) => ((IntegratedGradients)o).Attribute(x, 0, nSteps: 0), ["nSteps", "0"]),
                ("nSteps-negative", (o, x) => ((IntegratedGradients)o).Attribute(x, 0, nSteps: -5), ["nSteps", "-5"]),
                ("nSteps-huge", (o, x) => ((IntegratedGradients)o).Attribute(x, 0, nSteps: int.MaxValue), ["nSteps", "2147483647"]),
                ("nSteps-huge-riemann", (o, x) => ((IntegratedGradients)o).Attribute(x, 0, nSteps: int.MaxValue, method: IntegrationMethod.RiemannTrapezoid), ["nSteps", "2147483647"]),
                ("internalBatchSize-0", (o, x) => ((IntegratedGradients)o).Attribute(x, 0, internalBatchSize: 0), ["internalBatchSize", "0"]),
                ("internalBatchSize-negative", (o, x) => ((IntegratedGradients)o).Attribute(x, 0, internalBatchSize: -1), ["internalBatchSize", "-1"]),
                ("method-undefined", (o, x) => ((IntegratedGradients)o).Attribute(x, 0, method: (IntegrationMethod)42), ["method", "42"]),
                ("scalar-baseline-NaN", (o, x) => ((IntegratedGradients)o).Attribute(x, 0, double.NaN), ["baselines", "NaN"]),
                ("scalar-baseline-infinite", (o, x) => ((IntegratedGradients)o).Attribute(x, 0, double.NegativeInfinity), ["baselines", "∞|inf"]),
            ]),
        new("IntegratedGradients", "IntegratedGradients.AttributeWithDelta", m => new IntegratedGradients(m), f => new IntegratedGradients(f),
            (o, x, t, b, nb) => ((IntegratedGradients)o).AttributeWithDelta(x!, t!, nb ? null : b, nSteps: 16).Attributions,
            BaselineName: "baselines", LinearTruth: (lin, x, c) => x * M.W(lin)[c], IntegratedPath: true,
            BadCounts:
            [
                ("nSteps-0", (o, x) => ((IntegratedGradients)o).AttributeWithDelta(x, 0, nSteps: 0), ["nSteps", "0"]),
                ("nSteps-huge", (o, x) => ((IntegratedGradients)o).AttributeWithDelta(x, 0, nSteps: int.MaxValue), ["nSteps", "2147483647"]),
                ("scalar-baseline-NaN", (o, x) => ((IntegratedGradients)o).AttributeWithDelta(x, 0, double.NaN), ["baselines", "NaN"]),
            ]),
        new("ExpectedGradients", "ExpectedGradients.Attribute", m => new ExpectedGradients(m), f => new ExpectedGradients(f),
            (o, x, t, b, nb) => ((ExpectedGradients)o).Attribute(x!, t!, BaseOrDefault(b, nb, x!, true), k: 4),
            BaselineName: "background", BaselineRequired: true,
            BadCounts:
            [
                ("k-0", (o, x) => ((ExpectedGradients)o).Attribute(x, 0, Bg(x), k: 0), ["k", "0"]),
                ("k-negative", (o, x) => ((ExpectedGradients)o).Attribute(x, 0, Bg(x), k: -4), ["k", "-4"]),
                ("k-huge", (o, x) => ((ExpectedGradients)o).Attribute(x, 0, Bg(x), k: int.MaxValue), ["k", "2147483647"]),
                ("alpha-NaN", (o, x) => ((ExpectedGradients)o).Attribute(x, 0, Bg(x), alpha: double.NaN), ["alpha", "NaN"]),
                ("alpha-above-1", (o, x) => ((ExpectedGradients)o).Attribute(x, 0, Bg(x), alpha: 2.5), ["alpha", "2.5"]),
                ("alpha-negative", (o, x) => ((ExpectedGradients)o).Attribute(x, 0, Bg(x), alpha: -0.5), ["alpha", "-0.5"]),
                ("null-batch", (o, x) => ((ExpectedGradients)o).Attribute((InterpolationBatch)null!, 0), ["batch"]),
            ]),
        new("GradientShap", "GradientShap.Attribute", m => new GradientShap(m), f => new GradientShap(f),
            (o, x, t, b, nb) => ((GradientShap)o).Attribute(x!, t!, BaseOrDefault(b, nb, x!, true), nSamples: 4),
            BaselineName: "baselines", BaselineRequired: true,
            BadCounts:
            [
                ("nSamples-0", (o, x) => ((GradientShap)o).Attribute(x, 0, Bg(x), nSamples: 0), ["nSamples", "0"]),
                ("nSamples-negative", (o, x) => ((GradientShap)o).Attribute(x, 0, Bg(x), nSamples: -2), ["nSamples", "-2"]),
                ("nSamples-huge", (o, x) => ((GradientShap)o).Attribute(x, 0, Bg(x), nSamples: int.MaxValue), ["nSamples", "2147483647"]),
                ("stdevs-NaN", (o, x) => ((GradientShap)o).Attribute(x, 0, Bg(x), stdevs: double.NaN), ["stdevs", "NaN"]),
                ("stdevs-negative", (o, x) => ((GradientShap)o).Attribute(x, 0, Bg(x), stdevs: -0.5), ["stdevs", "-0.5"]),
            ]),
        new("EnhancedIntegratedGradients", "EnhancedIntegratedGradients.Attribute", m => new EnhancedIntegratedGradients(m.call), f => new EnhancedIntegratedGradients(f),
            (o, x, t, b, nb) => ((EnhancedIntegratedGradients)o).Attribute(x!, BaseOrDefault(b, nb, x!, true), t!, points: 8),
            BaselineName: "baselines", BaselineRequired: true, ModelArg: "forward",
            BadCounts:
            [
                ("points-0", (o, x) => ((EnhancedIntegratedGradients)o).Attribute(x, Bg(x), 0, points: 0), ["points", "0"]),
                ("points-1", (o, x) => ((EnhancedIntegratedGradients)o).Attribute(x, Bg(x), 0, points: 1), ["points", "1"]),
                ("points-negative", (o, x) => ((EnhancedIntegratedGradients)o).Attribute(x, Bg(x), 0, points: -8), ["points", "-8"]),
                ("points-huge", (o, x) => ((EnhancedIntegratedGradients)o).Attribute(x, Bg(x), 0, points: int.MaxValue), ["points", "2147483647"]),
                ("batchSize-0", (o, x) => ((EnhancedIntegratedGradients)o).Attribute(x, Bg(x), 0, points: 8, batchSize: 0), ["batchSize", "0"]),
                ("aggregate-undefined", (o, x) => ((EnhancedIntegratedGradients)o).Attribute(x, Bg(x), 0, points: 8, aggregate: (EigAggregate)77), ["aggregate", "77"]),
            ]),
        new("FeatureAblation", "FeatureAblation.Attribute", m => new FeatureAblation(m), f => new FeatureAblation(f),
            (o, x, t, b, nb) => ((FeatureAblation)o).Attribute(x!, t!, null, nb ? AblationBaseline.FromTensor(null!) : b is null ? default : AblationBaseline.FromTensor(b)),
            BaselineName: "baselines", LinearTruth: (lin, x, c) => x * M.W(lin)[c], Perturbation: true,
            BadCounts:
            [
                ("featureMask-wrong-shape", (o, x) => ((FeatureAblation)o).Attribute(x, 0, zeros(new long[] { 1, 3 }, int64)), ["featureMask", "[1, 3]"]),
                ("featureMask-float", (o, x) => ((FeatureAblation)o).Attribute(x, 0, zeros(new long[] { 1, 4 })), ["featureMask", "Float32|float|integer|int64"]),
                ("featureMask-negative-id", (o, x) => ((FeatureAblation)o).Attribute(x, 0, tensor(new long[] { 0, -1, 1, 2 }).unsqueeze(0)), ["featureMask", "-1"]),
                ("featureMask-disposed", (o, x) => ((FeatureAblation)o).Attribute(x, 0, M.Dead(zeros(new long[] { 1, 4 }, int64))), ["featureMask", "disposed"]),
                ("perturbationsPerEval-0", (o, x) => ((FeatureAblation)o).Attribute(x, 0, perturbationsPerEval: 0), ["perturbationsPerEval", "0"]),
                ("perturbationsPerEval-negative", (o, x) => ((FeatureAblation)o).Attribute(x, 0, perturbationsPerEval: -1), ["perturbationsPerEval", "-1"]),
                ("constant-baseline-NaN", (o, x) => ((FeatureAblation)o).Attribute(x, 0, baselines: double.NaN), ["baselines", "NaN"]),
                ("constant-baseline-infinite", (o, x) => ((FeatureAblation)o).Attribute(x, 0, baselines: double.PositiveInfinity), ["baselines", "∞|inf"]),
            ]),
        new("Occlusion", "Occlusion.Attribute", m => new Occlusion(m), f => new Occlusion(f),
            (o, x, t, b, nb) => ((Occlusion)o).Attribute(x!, t!, [1], null, nb ? AblationBaseline.FromTensor(null!) : b is null ? default : AblationBaseline.FromTensor(b)),
            BaselineName: "baselines", LinearTruth: (lin, x, c) => x * M.W(lin)[c], Perturbation: true,
            BadCounts:
            [
                ("window-null", (o, x) => ((Occlusion)o).Attribute(x, 0, null!), ["slidingWindowShapes"]),
                ("window-0", (o, x) => ((Occlusion)o).Attribute(x, 0, [0]), ["slidingWindowShapes", "0"]),
                ("window-negative", (o, x) => ((Occlusion)o).Attribute(x, 0, [-2]), ["slidingWindowShapes", "-2"]),
                ("window-too-big", (o, x) => ((Occlusion)o).Attribute(x, 0, [9]), ["slidingWindowShapes", "9"]),
                ("window-wrong-rank", (o, x) => ((Occlusion)o).Attribute(x, 0, [1, 1]), ["slidingWindowShapes", "[1, 1]|2"]),
                ("stride-0", (o, x) => ((Occlusion)o).Attribute(x, 0, [1], [0]), ["strides", "0"]),
                ("stride-negative", (o, x) => ((Occlusion)o).Attribute(x, 0, [1], [-1]), ["strides", "-1"]),
                ("stride-wrong-rank", (o, x) => ((Occlusion)o).Attribute(x, 0, [1], [1, 1]), ["strides"]),
                ("perturbationsPerEval-0", (o, x) => ((Occlusion)o).Attribute(x, 0, [1], perturbationsPerEval: 0), ["perturbationsPerEval", "0"]),
            ]),
        new("ShapleyValueSampling", "ShapleyValueSampling.Attribute", m => new ShapleyValueSampling(m), f => new ShapleyValueSampling(f),
            (o, x, t, b, nb) => ((ShapleyValueSampling)o).Attribute(x!, t!, null, nb ? AblationBaseline.FromTensor(null!) : b is null ? default : AblationBaseline.FromTensor(b), nSamples: 3),
            BaselineName: "baselines", LinearTruth: (lin, x, c) => x * M.W(lin)[c], Perturbation: true,
            BadCounts:
            [
                ("nSamples-0", (o, x) => ((ShapleyValueSampling)o).Attribute(x, 0, nSamples: 0), ["nSamples", "0"]),
                ("nSamples-negative", (o, x) => ((ShapleyValueSampling)o).Attribute(x, 0, nSamples: -1), ["nSamples", "-1"]),
                ("featureMask-wrong-shape", (o, x) => ((ShapleyValueSampling)o).Attribute(x, 0, zeros(new long[] { 2, 3 }, int64)), ["featureMask", "[2, 3]"]),
                ("featureMask-float", (o, x) => ((ShapleyValueSampling)o).Attribute(x, 0, zeros(new long[] { 1, 4 })), ["featureMask", "Float32|float|integer|int64"]),
                ("perturbationsPerEval-0", (o, x) => ((ShapleyValueSampling)o).Attribute(x, 0, perturbationsPerEval: 0), ["perturbationsPerEval", "0"]),
            ]),
        new("Gradients", "Gradients.Of", m => (Func<Tensor, Tensor>)m.call, f => f,
            (o, x, t, _, _) => Gradients.Of((Func<Tensor, Tensor>)o, x!, t!),
            LinearTruth: (lin, x, c) => M.W(lin)[c].expand(x.shape), ModelArg: "forward"),
        new("Gradients", "Gradients.Outputs", m => (Func<Tensor, Tensor>)m.call, f => f,
            (o, x, t, _, _) => Gradients.Outputs((Func<Tensor, Tensor>)o, x!, t!), ModelArg: "forward"),
    ];

    public static IEnumerable<Case> All()
    {
        foreach (var m in Methods)
            foreach (var c in For(m))
                yield return c;
        foreach (var c in Constructors()) yield return c;
        foreach (var c in Misc()) yield return c;
        foreach (var c in Cancelled()) yield return c;
    }

    /// <summary>A token cancelled before the call: OperationCanceledException, whatever the method.</summary>
    internal static CancellationToken CancelledToken() => new(canceled: true);

    private static IEnumerable<Case> Cancelled()
    {
        var error = Expect.Error<OperationCanceledException>("cancel");
        yield return C("IntegratedGradients.Attribute", "cancelled-token", () => new IntegratedGradients(M.Mlp()).Attribute(M.X(), 0, cancellationToken: CancelledToken()), error);
        yield return C("IntegratedGradients.Attribute", "live-token", () => new IntegratedGradients(M.Mlp()).Attribute(M.X(), 0, nSteps: 4, internalBatchSize: 2, cancellationToken: new CancellationTokenSource().Token), Expect.FiniteTensor(M.B, M.In));
        yield return C("IntegratedGradients.AttributeWithDelta", "cancelled-token", () => new IntegratedGradients(M.Mlp()).AttributeWithDelta(M.X(), 0, 0.5, cancellationToken: CancelledToken()), error);
        yield return C("NoiseTunnel.Attribute", "cancelled-token", () => new NoiseTunnel((x, t) => new Saliency(M.Mlp()).Attribute(x, t)).Attribute(M.X(), 0, cancellationToken: CancelledToken()), error);
        yield return C("Occlusion.Attribute", "cancelled-token", () => new Occlusion(M.Mlp()).Attribute(M.X(), 0, [1], cancellationToken: CancelledToken()), error);
        yield return C("FeatureAblation.Attribute", "cancelled-token", () => new FeatureAblation(M.Mlp()).Attribute(M.X(), 0, cancellationToken: CancelledToken()), error);
        yield return C("ShapleyValueSampling.Attribute", "cancelled-token", () => new ShapleyValueSampling(M.Mlp()).Attribute(M.X(), 0, cancellationToken: CancelledToken()), error);
        yield return C("EnhancedIntegratedGradients.Attribute", "cancelled-token", () => new EnhancedIntegratedGradients(M.Mlp().call).Attribute(M.X(), zeros(1, M.In), 0, points: 4, cancellationToken: CancelledToken()), error);
        yield return C("EigBaselines.KMeans", "cancelled-token", () => EigBaselines.KMeans(randn(6, 4), 2, cancellationToken: CancelledToken()), error);
    }

    private static Case C(string entry, string name, Func<object?> action, Expectation e) => new(Area, entry, name, action, e);

    /// <summary>The hostile kinds every input attribution method must handle.</summary>
    public static IEnumerable<Case> For(AttrMethod m)
    {
        var e = m.Entry;
        object Make(Module model) => m.FromModel(model);
        object? Run(Module model, Tensor? x, Target? t, Tensor? b = null, bool nullBase = false) => m.Call(Make(model), x, t, b, nullBase);
        var finite = Expect.FiniteTensor(M.B, M.In);
        var outputsShape = m.Entry == "Gradients.Outputs";
        Expectation Ok(long b = M.B) => outputsShape ? Expect.FiniteTensor(b) : Expect.FiniteTensor(b, M.In);

        // Inputs.
        yield return C(e, "null-inputs", () => Run(M.Mlp(), null, 0), Expect.Null("inputs|input"));
        yield return C(e, "disposed-inputs", () => Run(M.Mlp(), M.Dead(M.X()), 0), Expect.Disposed("input"));
        yield return C(e, "empty-batch", () => Run(M.Mlp(), zeros(0, M.In), 0), Expect.Error("input", "empty"));
        yield return C(e, "0-dim-inputs", () => Run(M.Mlp(), tensor(1.5f), 0), Expect.Error("input", "0-dim|scalar|dimension"));
        yield return C(e, "NaN-inputs", () => Run(M.Mlp(), M.WithNaN(M.X()), 0), Expect.Error("input", "NaN"));
        yield return C(e, "Inf-inputs", () => Run(M.Mlp(), M.WithNaN(M.X(), double.PositiveInfinity), 0), Expect.Error("input", "∞|inf"));
        yield return C(e, "minus-Inf-inputs", () => Run(M.Mlp(), M.WithNaN(M.X(), double.NegativeInfinity), 0), Expect.Error("input", "∞|inf"));
        yield return C(e, "int64-inputs", () => Run(M.Mlp(), randint(0, 5, [M.B, M.In]), 0), Expect.Error("input", "Int64|integer|floating"));
        yield return C(e, "bool-inputs", () => Run(M.Mlp(), ones(M.B, M.In, dtype: ScalarType.Bool), 0), Expect.Error("input", "Bool|floating"));
        yield return C(e, "float64-inputs-float32-model", () => Run(M.Mlp(), M.X().to(float64), 0), Expect.Error("fc1", "Float64|Double|dtype"));
        yield return C(e, "too-many-features", () => Run(M.Mlp(), randn(M.B, 7), 0), Expect.Error("fc1", "7"));
        yield return C(e, "1-dim-inputs", () => Run(M.Mlp(), randn(M.In), 0), Expect.Error("input", "shape|batch|dimension|rows"));

        // Targets.
        yield return C(e, "null-target", () => Run(M.Mlp(), M.X(), null), Expect.Null("target"));
        yield return C(e, "class-out-of-range", () => Run(M.Mlp(), M.X(), 3), Expect.Error("target|class", "3"));
        yield return C(e, "class-huge", () => Run(M.Mlp(), M.X(), 1_000_000_007L), Expect.Error("target|class", "1000000007"));
        yield return C(e, "class-negative", () => Run(M.Mlp(), M.X(), -1), Expect.Error("target|class", "-1"));
        yield return C(e, "per-sample-wrong-length", () => Run(M.Mlp(), M.X(), tensor(new long[] { 0, 1, 2 })), Expect.Error("target", "3"));
        yield return C(e, "per-sample-out-of-range", () => Run(M.Mlp(), M.X(), tensor(new long[] { 0, 5 })), Expect.Error("target", "5"));
        yield return C(e, "per-sample-negative", () => Run(M.Mlp(), M.X(), tensor(new long[] { -1, 0 })), Expect.Error("target", "-1"));
        yield return C(e, "per-sample-float", () => Run(M.Mlp(), M.X(), tensor(new float[] { 0, 1 })), Expect.Error("target", "Float32|float|integer|int64"));
        yield return C(e, "per-sample-2d", () => Run(M.Mlp(), M.X(), tensor(new long[] { 0, 1 }).unsqueeze(1)), Expect.Error("target", "[2, 1]|shape|1-D"));
        yield return C(e, "per-sample-disposed", () => Run(M.Mlp(), M.X(), M.Dead(tensor(new long[] { 0, 1 }))), Expect.Disposed("target|classes"));
        yield return C(e, "comparative-out-of-range", () => Run(M.Mlp(), M.X(), Target.Comparative(0, 9)), Expect.Error("target|class", "9"));

        // Baselines / background.
        if (m.BaselineName is { } bn)
        {
            if (m.BaselineRequired)
            {
                yield return C(e, $"null-{bn}", () => Run(M.Mlp(), M.X(), 0, null, nullBase: true), Expect.Null(bn));
                yield return C(e, $"empty-{bn}", () => Run(M.Mlp(), M.X(), 0, zeros(0, M.In)), Expect.Error(bn, "empty"));
            }
            yield return C(e, $"disposed-{bn}", () => Run(M.Mlp(), M.X(), 0, M.Dead(zeros(M.B, M.In))), Expect.Disposed(bn));
            yield return C(e, $"NaN-{bn}", () => Run(M.Mlp(), M.X(), 0, M.WithNaN(zeros(M.B, M.In))), Expect.Error(bn, "NaN"));
            yield return C(e, $"Inf-{bn}", () => Run(M.Mlp(), M.X(), 0, M.WithNaN(zeros(M.B, M.In), double.PositiveInfinity)), Expect.Error(bn, "∞|inf"));
            yield return C(e, $"{bn}-wrong-features", () => Run(M.Mlp(), M.X(), 0, zeros(M.B, 5)), Expect.Error(bn, "[2, 5]"));
            yield return C(e, $"{bn}-wrong-rank", () => Run(M.Mlp(), M.X(), 0, zeros(M.B, M.In, 2)), Expect.Error(bn, "[2, 4, 2]"));
            yield return C(e, $"{bn}-int64", () => Run(M.Mlp(), M.X(), 0, zeros(new long[] { M.B, M.In }, int64)), Expect.Error(bn, "Int64|integer|floating|dtype"));
            if (!m.BaselineRequired && !m.Perturbation)
                yield return C(e, $"{bn}-wrong-batch", () => Run(M.Mlp(), M.X(), 0, zeros(3, M.In)), Expect.Error(bn, "[3, 4]"));
            if (m.BaselineRequired)
                yield return C(e, $"{bn}-0-dim", () => Run(M.Mlp(), M.X(), 0, tensor(0f)), Expect.Error(bn, "0-dim|scalar|dimension|shape"));
            if (m.LinearTruth is { } truth0 && !m.BaselineRequired)
                yield return C(e, $"{bn}-zero-tensor-matches-truth", () => { var lin = M.Lin(); var x = M.X(); return (Run(lin, x, 1, zeros(M.B, M.In)), truth0(lin, x, 1)); },
                    Expect.Result("equals the closed form for a linear model", r => { var (a, t) = ((object?, Tensor))r!; return Verify.Close(a, t, 2e-3); }));
        }

        // Models.
        yield return C(e, "disposed-model", () => Run(M.Disposed(), M.X(), 0), Expect.Disposed("model"));
        yield return C(e, "model-disposed-after-construction", () => { var model = M.Mlp(); var o = Make(model); model.Dispose(); return m.Call(o, M.X(), 0, null, false); }, Expect.Disposed("model"));
        yield return C(e, "model-first-linear-mismatch", () => Run(M.WrongIn(), M.X(), 0), Expect.Error("fc1", "7"));
        yield return C(e, "model-returns-NaN", () => Run(M.NanOut(), M.X(), 0), Expect.Error("output", "NaN"));
        yield return C(e, "model-returns-Inf", () => Run(M.InfOut(), M.X(), 0), Expect.Error("output", "∞|inf"));
        yield return C(e, "model-NaN-weight", () => Run(M.NanWeight(), M.X(), 0), Expect.Error("output|fc1.weight", "NaN"));
        yield return C(e, "model-returns-int64", () => Run(M.IntOut(), M.X(), 0), Expect.Error("output|returned", "Int64|integer|floating"));
        yield return C(e, "model-returns-0-dim", () => Run(M.ScalarOut(), M.X(), 0), Expect.Error("output|returned", "0-dim|scalar"));
        yield return C(e, "model-returns-wrong-batch", () => Run(M.BatchOut(), M.X(), 0), Expect.Error("output|returned", "[1, 3]|batch|rows"));
        yield return C(e, "model-throws", () => Run(M.Throws(), M.X(), 0), Expect.Error("user forward bug 7c1f"));
        yield return C(e, "model-returns-null", () => Run(M.NullOut(), M.X(), 0), Expect.Error("null"));
        yield return C(e, "model-returns-disposed", () => Run(M.DisposedOut(), M.X(), 0), Expect.Error("disposed"));
        if (m.FromForward is { } ff)
        {
            yield return C(e, "forward-NaN-output", () => m.Call(ff(x => M.Mlp().call(x) * float.NaN), M.X(), 0, null, false), Expect.Error("output", "NaN"));
            yield return C(e, "forward-wrong-features", () => m.Call(ff(x => nn.Linear(7, 3).call(x)), M.X(), 0, null, false), Expect.Error("7"));
            yield return C(e, "forward-returns-null", () => m.Call(ff(_ => null!), M.X(), 0, null, false), Expect.Error("null"));
        }

        // Counts and method options.
        foreach (var (name, call, mention) in m.BadCounts ?? [])
            yield return C(e, name, () => call(Make(M.Mlp()), M.X()), Expect.Error(mention));

        // Inputs that must give an answer.
        yield return C(e, "batch-of-one", () => Run(M.Mlp(), M.X(1), 0), Ok(1));
        yield return C(e, "requires-grad-inputs", () => Run(M.Mlp(), M.X().requires_grad_(), 0), Ok());
        yield return C(e, "non-contiguous-inputs", () => Run(M.Mlp(), randn(M.In, M.B).t(), 0), Ok());
        yield return C(e, "per-sample-target-right-length", () => Run(M.Mlp(), M.X(), tensor(new long[] { 2, 0 })), Ok());
        yield return C(e, "per-sample-int32-target", () => Run(M.Mlp(), M.X(), tensor(new int[] { 2, 0 })), Ok());
        yield return C(e, "float64-model-and-inputs", () => Run(M.Mlp(float64), M.X().to(float64), 1, m.BaselineRequired ? Bg(M.X().to(float64)) : null), outputsShape ? Expect.FiniteTensor(M.B) : Expect.Result("finite float64 [2, 4]", r => Verify.Tensor(r, [M.B, M.In], float64)));
        yield return C(e, "huge-but-valid-inputs", () => Run(M.Mlp(), M.X() * 1e30f, 0), Ok());
        yield return C(e, "tiny-inputs", () => Run(M.Mlp(), M.X() * 1e-30f, 0), Ok());
        yield return C(e, "class-max-target", () => Run(M.Mlp(), M.X(), Target.Max), Ok());
        yield return C(e, "single-output-model", () => Run(nn.Sequential(("fc", nn.Linear(M.In, 1))), M.X(), Target.Output), Ok());
        if (m.LinearTruth is { } truth)
        {
            yield return C(e, "linear-model-closed-form", () => { var lin = M.Lin(); var x = M.X(); return (Run(lin, x, 2), truth(lin, x, 2)); },
                Expect.Result("equals the closed form for a linear model", r => { var (a, t) = ((object?, Tensor))r!; return Verify.Close(a, t, 2e-3); }));
            yield return C(e, "linear-model-float64-closed-form", () => { var lin = M.Lin(float64); var x = M.X().to(float64); return (Run(lin, x, 0), truth(lin, x, 0)); },
                Expect.Result("equals the closed form (float64)", r => { var (a, t) = ((object?, Tensor))r!; return Verify.Close(a, t, 1e-6); }));
            yield return C(e, "linear-model-per-sample-closed-form", () =>
                {
                    var lin = M.Lin(); var x = M.X();
                    return (Run(lin, x, tensor(new long[] { 1, 2 })), cat([truth(lin, x[..1], 1), truth(lin, x[1..], 2)], 0));
                },
                Expect.Result("per-sample targets pick each row's class", r => { var (a, t) = ((object?, Tensor))r!; return Verify.Close(a, t, 2e-3); }));
        }
        if (m.IntegratedPath)
            yield return C(e, "relu-model-completeness", () =>
                {
                    var mlp = M.Mlp(); var x = M.X();
                    var expected = M.Forward(mlp, x)[.., 1] - M.Forward(mlp, zeros_like(x))[.., 1];
                    return (Run(mlp, x, 1), expected);
                },
                Expect.Result("Σ attribution ≈ f(x) − f(0)", r => { var (a, t) = ((object?, Tensor))r!; return Verify.Completeness(a, t, 0.05); }));
    }

    private static IEnumerable<Case> Constructors()
    {
        (string Type, Func<Module?, object> Model, Func<Func<Tensor, Tensor>?, object> Forward)[] ctors =
        [
            ("Saliency", m => new Saliency(m!), f => new Saliency(f!)),
            ("InputXGradient", m => new InputXGradient(m!), f => new InputXGradient(f!)),
            ("IntegratedGradients", m => new IntegratedGradients(m!), f => new IntegratedGradients(f!)),
            ("ExpectedGradients", m => new ExpectedGradients(m!), f => new ExpectedGradients(f!)),
            ("GradientShap", m => new GradientShap(m!), f => new GradientShap(f!)),
            ("FeatureAblation", m => new FeatureAblation(m!), f => new FeatureAblation(f!)),
            ("Occlusion", m => new Occlusion(m!), f => new Occlusion(f!)),
            ("ShapleyValueSampling", m => new ShapleyValueSampling(m!), f => new ShapleyValueSampling(f!)),
        ];
        foreach (var (type, model, forward) in ctors)
        {
            yield return C($"{type}.ctor", "null-model", () => model(null), Expect.Null("model"));
            yield return C($"{type}.ctor", "null-forward", () => forward(null), Expect.Null("forward"));
            yield return C($"{type}.ctor", "disposed-model", () => model(M.Disposed()), Expect.Disposed("model"));
        }
        yield return C("NoiseTunnel.ctor", "null-attribute", () => new NoiseTunnel(null!), Expect.Null("attribute"));
        yield return C("EnhancedIntegratedGradients.ctor", "null-forward", () => new EnhancedIntegratedGradients(null!), Expect.Null("forward"));
        yield return C("EnhancedIntegratedGradients.ctor", "path-undefined", () => new EnhancedIntegratedGradients(M.Mlp().call, (EigPath)55), Expect.Error("path", "55"));
        yield return C("EnhancedIntegratedGradients.ctor", "latent-path-without-encoder", () => new EnhancedIntegratedGradients(M.Mlp().call, EigPath.LatentLinear), Expect.Error("encoder|decoder"));
    }

    private static IEnumerable<Case> Misc()
    {
        // NoiseTunnel around an inner method that misbehaves.
        yield return C("NoiseTunnel.Attribute", "inner-returns-null", () => new NoiseTunnel((_, _) => null!).Attribute(M.X(), 0, nSamples: 2), Expect.Error("null"));
        yield return C("NoiseTunnel.Attribute", "inner-returns-wrong-shape", () => new NoiseTunnel((_, _) => zeros(3, 3)).Attribute(M.X(), 0, nSamples: 2), Expect.Error("[3, 3]"));
        yield return C("NoiseTunnel.Attribute", "inner-returns-NaN", () => new NoiseTunnel((x, _) => full_like(x, double.NaN)).Attribute(M.X(), 0, nSamples: 2), Expect.Error("NaN"));
        yield return C("NoiseTunnel.Attribute", "inner-returns-disposed", () => new NoiseTunnel((x, _) => M.Dead(x * 1)).Attribute(M.X(), 0, nSamples: 2), Expect.Error("disposed"));
        yield return C("NoiseTunnel.Attribute", "vargrad-linear-is-zero", () => new NoiseTunnel((x, t) => new Saliency(M.Lin()).Attribute(x, t)).Attribute(M.X(), 0, NoiseTunnelType.VarGrad, nSamples: 3),
            Expect.Result("VarGrad of a constant gradient is 0", r => Verify.Close(r, zeros(M.B, M.In))));
        // Occlusion on images.
        yield return C("Occlusion.Attribute", "image-window-wrong-rank", () => new Occlusion(M.Conv()).Attribute(M.Img(), 0, [2, 2]), Expect.Error("slidingWindowShapes", "[2, 2]|3"));
        yield return C("Occlusion.Attribute", "image-window-fits", () => new Occlusion(M.Conv()).Attribute(M.Img(), 0, [1, 2, 2], [1, 2, 2]), Expect.FiniteTensor(M.B, 1, 4, 4));
        yield return C("Occlusion.Attribute", "image-baseline-tensor-wrong-shape", () => new Occlusion(M.Conv()).Attribute(M.Img(), 0, [1, 2, 2], baselines: AblationBaseline.FromTensor(zeros(1, 1, 3, 3))), Expect.Error("baselines", "[1, 1, 3, 3]"));
        // AblationBaseline.
        yield return C("AblationBaseline.FromTensor", "null", () => AblationBaseline.FromTensor(null!), Expect.Null("baseline"));
        yield return C("AblationBaseline.FromTensor", "disposed", () => AblationBaseline.FromTensor(M.Dead(zeros(1))), Expect.Disposed("baseline"));
        // The constant is a value; a NaN one is refused by the method it is given to, in that method's name, before the model runs.
        yield return C("AblationBaseline.Constant", "NaN", () => new FeatureAblation(M.Mlp().call).Attribute(M.X(), 0, baselines: AblationBaseline.Constant(double.NaN)), Expect.Error("baselines", "NaN"));
        yield return C("AblationBaseline.Constant", "finite", () => AblationBaseline.Constant(0.5).Value, Expect.Result("0.5", r => r is 0.5 ? null : $"{r}"));
        // Target.
        yield return C("Target.Class", "negative", () => Target.Class(-3), Expect.Error("class|c", "-3"));
        yield return C("Target.PerSample", "null", () => Target.PerSample(null!), Expect.Null("classes"));
        yield return C("Target.PerSample", "disposed", () => Target.PerSample(M.Dead(tensor(new long[] { 0 }))), Expect.Disposed("classes"));
        yield return C("Target.PerSample", "float", () => Target.PerSample(tensor(new float[] { 0.5f })), Expect.Error("classes", "Float32|float|integer"));
        yield return C("Target.PerSample", "2-D", () => Target.PerSample(zeros(new long[] { 2, 2 }, int64)), Expect.Error("classes", "[2, 2]|1-D"));
        yield return C("Target.PerSample", "empty", () => Target.PerSample(zeros(new long[] { 0 }, int64)), Expect.Error("classes", "empty"));
        yield return C("Target.Comparative", "same-class", () => Target.Comparative(1, 1), Expect.Error("1", "same|differ"));
        yield return C("Target.Comparative", "negative", () => Target.Comparative(-1, 0), Expect.Error("-1"));
        yield return C("Target.Select", "null-output", () => Target.Class(0).Select(null!), Expect.Null("output"));
        yield return C("Target.Select", "disposed-output", () => Target.Class(0).Select(M.Dead(zeros(2, 3))), Expect.Disposed("output"));
        yield return C("Target.Select", "class-out-of-range", () => Target.Class(5).Select(zeros(2, 3)), Expect.Error("5", "3"));
        yield return C("Target.Select", "per-sample-length", () => Target.PerSample(tensor(new long[] { 0, 1, 2 })).Select(zeros(2, 3)), Expect.Error("3", "2"));
        yield return C("Target.Select", "max-of-rows", () => Target.Max.Select(tensor(new float[,] { { 1, 5, 2 }, { 7, 0, 1 } })), Expect.Result("[5, 7]", r => Verify.Close(r, tensor(new float[] { 5, 7 }))));
        yield return C("Target.Repeat", "negative", () => Target.PerSample(tensor(new long[] { 0, 1 })).Repeat(-1), Expect.Error("times", "-1"));
        yield return C("Target.Slice", "out-of-range", () => Target.PerSample(tensor(new long[] { 0, 1 })).Slice(1, 5), Expect.Error("length|start", "5"));
        // Integration rules.
        yield return C("IntegrationRule.Get", "n-0", () => IntegrationRule.Get(IntegrationMethod.GaussLegendre, 0), Expect.Error("n", "0"));
        yield return C("IntegrationRule.Get", "n-too-many", () => IntegrationRule.Get(IntegrationMethod.GaussLegendre, 5000), Expect.Error("n", "5000", "1024"));
        yield return C("IntegrationRule.Get", "method-undefined", () => IntegrationRule.Get((IntegrationMethod)9, 4), Expect.Error("method", "9"));
        yield return C("IntegrationRule.Get", "weights-sum-to-1", () => IntegrationRule.Get(IntegrationMethod.GaussLegendre, 7).Weights.Sum(),
            Expect.Result("Σ weights = 1", r => Math.Abs((double)r! - 1) < 1e-9 ? null : $"Σ = {r}"));
        yield return C("IntegrationRule.MaxSteps", "method-undefined", () => IntegrationRule.MaxSteps((IntegrationMethod)9), Expect.Error("method", "9"));
        // The path-integration toolbox.
        yield return C("PathIntegral.Integrate", "null-forward", () => PathIntegral.Integrate(null!, zeros(3, 2, 4), 0), Expect.Null("forward"));
        yield return C("PathIntegral.Integrate", "disposed-path", () => PathIntegral.Integrate(M.Mlp().call, M.Dead(zeros(3, 2, 4)), 0), Expect.Disposed("path"));
        yield return C("PathIntegral.Integrate", "NaN-path", () => PathIntegral.Integrate(M.Mlp().call, M.WithNaN(zeros(3, 2, 4)), 0), Expect.Error("path", "NaN"));
        yield return C("PathIntegral.Integrate", "one-point-path", () => PathIntegral.Integrate(M.Mlp().call, zeros(1, 2, 4), 0), Expect.Error("path", "point"));
        yield return C("PathIntegral.Integrate", "batchSize-0", () => PathIntegral.Integrate(M.Mlp().call, zeros(3, 2, 4), 0, 0), Expect.Error("batchSize", "0"));
        yield return C("EigPaths.Linear", "points-0", () => EigPaths.Linear(zeros(4), ones(4), 0), Expect.Error("points", "0"));
        yield return C("EigPaths.Linear", "shape-mismatch", () => EigPaths.Linear(zeros(4), ones(5), 5), Expect.Error("baseline|sample", "[4]|[5]"));
        yield return C("EigPaths.Linear", "disposed-sample", () => EigPaths.Linear(zeros(4), M.Dead(ones(4)), 5), Expect.Disposed("sample"));
        yield return C("EigPaths.Linear", "endpoints", () => EigPaths.Linear(zeros(4), ones(4), 5), Expect.Result("5 points from 0 to 1", r => r is Tensor t && t.size(0) == 5 && t[0].sum().item<float>() == 0 && t[4].sum().item<float>() == 4 ? null : Evaluator.Describe(r)));
        yield return C("EigPaths.Neighbors", "k-0", () => EigPaths.Neighbors(randn(6, 4), zeros(4), ones(4), 5, k: 0), Expect.Error("k", "0"));
        yield return C("EigPaths.Neighbors", "NaN-data", () => EigPaths.Neighbors(M.WithNaN(randn(6, 4)), zeros(4), ones(4), 5), Expect.Error("data", "NaN"));
        yield return C("EigPaths.Latent", "null-encoder", () => EigPaths.Latent(null!, x => x, zeros(4), ones(4), 5), Expect.Null("encoder"));
        yield return C("EigPaths.LatentNeighbors", "null-decoder", () => EigPaths.LatentNeighbors(x => x, null!, randn(6, 4), zeros(4), ones(4), 5), Expect.Null("decoder"));
        yield return C("EnhancedIntegratedGradients.Path", "points-0", () => new EnhancedIntegratedGradients(M.Mlp().call).Path(zeros(4), ones(4), 0), Expect.Error("points", "0"));
        yield return C("EigBaselines.Zero", "negative-count", () => EigBaselines.Zero([4], count: -1), Expect.Error("count", "-1"));
        yield return C("EigBaselines.Zero", "null-shape", () => EigBaselines.Zero(null!), Expect.Null("sampleShape"));
        yield return C("EigBaselines.KMeans", "k-0", () => EigBaselines.KMeans(randn(6, 4), 0), Expect.Error("k", "0"));
        yield return C("EigBaselines.KMeans", "k-above-rows", () => EigBaselines.KMeans(randn(6, 4), 9), Expect.Error("k", "9", "6"));
        yield return C("EigBaselines.KMeans", "NaN-data", () => EigBaselines.KMeans(M.WithNaN(randn(6, 4)), 2), Expect.Error("data", "NaN"));
        yield return C("EigBaselines.KMeans", "finite", () => EigBaselines.KMeans(randn(6, 4), 2), Expect.FiniteTensor(2, 4));
        yield return C("EigBaselines.Median", "count-0", () => EigBaselines.Median(randn(6, 4), 0), Expect.Error("count", "0"));
        yield return C("EigBaselines.Median", "disposed-data", () => EigBaselines.Median(M.Dead(randn(6, 4)), 2), Expect.Disposed("data"));
        // skip = 0 is documented as valid (no near-duplicates to skip): the nearest points themselves.
        yield return C("EigBaselines.Close", "skip-0", () => EigBaselines.Close(randn(6, 4), randn(2, 4), 2, skip: 0), Expect.FiniteTensor(2, 2, 4));
        yield return C("EigBaselines.Close", "feature-mismatch", () => EigBaselines.Close(randn(6, 4), randn(2, 5), 2), Expect.Error("samples", "5"));
        yield return C("EigBaselines.Random", "count-above-rows", () => EigBaselines.Random(randn(6, 4), 60), Expect.Error("count", "60"));
        yield return C("EigBaselines.Random", "empty-data", () => EigBaselines.Random(zeros(0, 4), 1), Expect.Error("data", "empty"));
        yield return C("EigBaselines.EncodedZero", "latent-0", () => EigBaselines.EncodedZero(z => z, 0), Expect.Error("latentSize", "0"));
        yield return C("EigBaselines.EncodedZero", "null-decoder", () => EigBaselines.EncodedZero(null!, 3), Expect.Null("decoder"));
        // Significance.
        yield return C("Significance.Test", "NaN-attributions", () => Significance.Test(M.WithNaN(randn(5, 4)), randn(5, 4)), Expect.Error("attributions", "NaN"));
        yield return C("Significance.Test", "feature-mismatch", () => Significance.Test(randn(5, 4), randn(5, 3)), Expect.Error("nullAttributions", "3"));
        yield return C("Significance.Test", "alpha-0", () => Significance.Test(randn(5, 4), randn(5, 4), alpha: 0), Expect.Error("alpha", "0"));
        yield return C("Significance.Test", "alpha-NaN", () => Significance.Test(randn(5, 4), randn(5, 4), alpha: double.NaN), Expect.Error("alpha", "NaN"));
        yield return C("Significance.Test", "one-sample", () => Significance.Test(randn(1, 4), randn(5, 4)), Expect.Error("attributions", "1"));
        yield return C("Significance.Test", "valid", () => Significance.Test(randn(6, 4), randn(6, 4)).PValues,
            Expect.Result("p-values in [0, 1]", r => r is double[] p && p.Length == 4 && p.All(v => v is >= 0 and <= 1) ? null : "bad p-values"));
        yield return C("Significance.Welch", "one-element", () => Significance.Welch([1.0], [1.0, 2.0]), Expect.Error("a", "2"));
        yield return C("Significance.Welch", "NaN", () => Significance.Welch([1.0, double.NaN], [1.0, 2.0]), Expect.Error("a", "NaN"));
        yield return C("Significance.Welch", "null", () => Significance.Welch(null!, [1.0]), Expect.Null("a"));
        yield return C("Significance.PValue", "NaN-t", () => Significance.PValue(double.NaN, 3, Alternative.TwoSided), Expect.Error("t", "NaN"));
        yield return C("Significance.PValue", "df-0", () => Significance.PValue(1, 0, Alternative.TwoSided), Expect.Error("df", "0"));
        yield return C("Significance.PValue", "alternative-undefined", () => Significance.PValue(1, 3, (Alternative)8), Expect.Error("alternative", "8"));
        yield return C("Significance.Adjust", "p-above-1", () => Significance.Adjust([0.5, 1.5], Correction.Bonferroni), Expect.Error("p", "1.5"));
        yield return C("Significance.Adjust", "null", () => Significance.Adjust(null!, Correction.Bonferroni), Expect.Null("p"));
        yield return C("Significance.Adjust", "correction-undefined", () => Significance.Adjust([0.5], (Correction)8), Expect.Error("correction", "8"));
        // InterpolationBatch.
        yield return C("InterpolationBatch.Create", "alphas-above-1", () => InterpolationBatch.Create(M.X(), zeros(M.B, M.In), tensor(new float[] { 0.5f, 1.5f })), Expect.Error("alphas", "1.5"));
        yield return C("InterpolationBatch.Create", "references-wrong-shape", () => InterpolationBatch.Create(M.X(), zeros(M.B, 5), tensor(new float[] { 0.5f })), Expect.Error("references", "[2, 5]"));
        yield return C("InterpolationBatch.Create", "disposed-inputs", () => InterpolationBatch.Create(M.Dead(M.X()), zeros(M.B, M.In), tensor(new float[] { 0.5f })), Expect.Disposed("inputs"));
        yield return C("InterpolationBatch.Sample", "k-0", () => InterpolationBatch.Sample(M.X(), randn(5, M.In), 0), Expect.Error("k", "0"));
        yield return C("InterpolationBatch.Sample", "NaN-background", () => InterpolationBatch.Sample(M.X(), M.WithNaN(randn(5, M.In)), 2), Expect.Error("background", "NaN"));
        yield return C("InterpolationBatch.RepeatRows", "wrong-rows", () => { using var b = InterpolationBatch.Sample(M.X(), randn(5, M.In), 2); return b.RepeatRows(zeros(5)); }, Expect.Error("perSample", "5"));
        yield return C("InterpolationBatch.RepeatTarget", "wrong-length", () => { using var b = InterpolationBatch.Sample(M.X(), randn(5, M.In), 2); return b.RepeatTarget(tensor(new long[] { 0, 1, 2 })); }, Expect.Error("target", "3"));
        yield return C("InterpolationBatch.Gradient", "output-not-from-batch", () => { using var b = InterpolationBatch.Sample(M.X(), randn(5, M.In), 2); return b.Gradient(M.Mlp().call(randn(4, M.In)), 0); }, Expect.Error("output", "Inputs|depend|graph"));
        yield return C("InterpolationBatch.Attributions", "after-dispose", () => { var b = InterpolationBatch.Sample(M.X(), randn(5, M.In), 2); var o = M.Mlp().call(b.Inputs); b.Dispose(); return b.Attributions(o, 0); }, Expect.Disposed("batch|InterpolationBatch"));
        yield return C("InterpolationBatch.Dispose", "twice", () => { var b = InterpolationBatch.Sample(M.X(), randn(5, M.In), 2); b.Dispose(); b.Dispose(); return "ok"; }, Expect.Completes());
        yield return C("ExpectedGradients.Attribute", "batch-overload-valid", () => { using var b = InterpolationBatch.Sample(M.X(), randn(5, M.In), 2); return new ExpectedGradients(M.Mlp()).Attribute(b, 0); }, Expect.FiniteTensor(M.B, M.In));
        yield return C("ExpectedGradients.Attribute", "batch-overload-disposed-batch", () => { var b = InterpolationBatch.Sample(M.X(), randn(5, M.In), 2); b.Dispose(); return new ExpectedGradients(M.Mlp()).Attribute(b, 0); }, Expect.Disposed("batch"));
        // Guarded autograd.
        yield return C("GuardedAutograd.Grad", "input-not-requiring-grad", () => { var x = M.X(); return Autograd.GuardedAutograd.Grad(x.sum(), x); }, Expect.Error("require|grad"));
        yield return C("GuardedAutograd.Grad", "unused-input", () => { var x = M.X().requires_grad_(); var y = randn(2).requires_grad_(); return Autograd.GuardedAutograd.Grad((y * 2).sum(), x); }, Expect.Error("depend|unused"));
        yield return C("GuardedAutograd.Grad", "disposed-output", () => { var x = M.X().requires_grad_(); return Autograd.GuardedAutograd.Grad(M.Dead(x.sum()), x); }, Expect.Disposed("output"));
        yield return C("GuardedAutograd.Grad", "null-outputs", () => Autograd.GuardedAutograd.Grad((IReadOnlyList<Tensor>)null!, [M.X()]), Expect.Null("outputs"));
        yield return C("GuardedAutograd.Grad", "valid", () => { var x = M.X().requires_grad_(); return Autograd.GuardedAutograd.Grad((x * 3).sum(), x); }, Expect.Result("3 everywhere", r => Verify.Close(r, full(M.B, M.In, 3f))));
        yield return C("GuardedAutograd.GradOrNull", "unused-gives-null", () => { var x = M.X().requires_grad_(); var y = randn(2).requires_grad_(); return Autograd.GuardedAutograd.GradOrNull([(y * 2).sum()], [x])[0]; }, Expect.Result("null", r => r is null ? null : Evaluator.Describe(r)));
        yield return C("GuardedAutograd.GradOrNull", "mismatched-counts", () => { var x = M.X().requires_grad_(); return Autograd.GuardedAutograd.Grad([x.sum()], [x], [ones(1), ones(1)]); }, Expect.Error("gradOutputs", "2"));
    }
}
