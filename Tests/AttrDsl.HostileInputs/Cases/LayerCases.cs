using AttrDsl.Attribution;
using TorchSharp.Modules;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace AttrDsl.HostileInputs;

/// <summary>A layer attribution entry point: built from (model, layer path), called with (inputs, target, baselines).</summary>
public sealed record LayerMethod(string Type, string Entry, Func<Module, string, object> Make, Func<object, Tensor?, Target?, Tensor?, object?> Call,
    bool Conv = false, bool HasBaselines = false, bool NeedsTarget = true, string Prefix = "",
    IReadOnlyList<(string Name, Func<object, Tensor, object?> Call, string[] Mention)>? BadCounts = null);

/// <summary>Layer attribution: GradCam, LayerIntegratedGradients, LayerGradientXActivation, LayerConductance, ...</summary>
public static class LayerCases
{
    public const string Area = "layer";

    public static readonly LayerMethod[] Methods =
    [
        new("GradCam", "GradCam.Attribute", (m, p) => new GradCam(m, p), (o, x, t, _) => ((GradCam)o).Attribute(x!, t!), Conv: true),
        new("LayerIntegratedGradients", "LayerIntegratedGradients.Attribute", (m, p) => new LayerIntegratedGradients(m, p),
            (o, x, t, b) => ((LayerIntegratedGradients)o).Attribute(x!, t!, b, nSteps: 8), HasBaselines: true,
            BadCounts: [("nSteps-0", (o, x) => ((LayerIntegratedGradients)o).Attribute(x, 0, nSteps: 0), ["nSteps", "0"]),
                        ("nSteps-huge", (o, x) => ((LayerIntegratedGradients)o).Attribute(x, 0, nSteps: int.MaxValue), ["nSteps", "2147483647"]),
                        ("internalBatchSize-0", (o, x) => ((LayerIntegratedGradients)o).Attribute(x, 0, internalBatchSize: 0), ["internalBatchSize", "0"])]),
        new("LayerIntegratedGradients", "LayerIntegratedGradients.AttributeWithDelta", (m, p) => new LayerIntegratedGradients(m, p),
            (o, x, t, b) => ((LayerIntegratedGradients)o).AttributeWithDelta(x!, t!, b, nSteps: 8).Attributions, HasBaselines: true,
            BadCounts: [("nSteps-negative", (o, x) => ((LayerIntegratedGradients)o).AttributeWithDelta(x, 0, nSteps: -1), ["nSteps", "-1"])]),
        new("LayerGradientXActivation", "LayerGradientXActivation.Attribute", (m, p) => new LayerGradientXActivation(m, p), (o, x, t, _) => ((LayerGradientXActivation)o).Attribute(x!, t!)),
        new("LayerConductance", "LayerConductance.Attribute", (m, p) => new LayerConductance(m, p), (o, x, t, b) => ((LayerConductance)o).Attribute(x!, t!, b, nSteps: 8), HasBaselines: true,
            BadCounts: [("nSteps-0", (o, x) => ((LayerConductance)o).Attribute(x, 0, nSteps: 0), ["nSteps", "0"]),
                        ("nSteps-huge", (o, x) => ((LayerConductance)o).Attribute(x, 0, nSteps: int.MaxValue), ["nSteps", "2147483647"]),
                        ("aggregation-undefined", (o, x) => ((LayerConductance)o).Attribute(x, 0, aggregation: (ChannelAggregation)31), ["aggregation", "31"])]),
        new("InternalInfluence", "InternalInfluence.Attribute", (m, p) => new InternalInfluence(m, p), (o, x, t, b) => ((InternalInfluence)o).Attribute(x!, t!, b, nSteps: 8), HasBaselines: true,
            BadCounts: [("nSteps-0", (o, x) => ((InternalInfluence)o).Attribute(x, 0, nSteps: 0), ["nSteps", "0"]),
                        ("internalBatchSize-negative", (o, x) => ((InternalInfluence)o).Attribute(x, 0, internalBatchSize: -4), ["internalBatchSize", "-4"])]),
        new("AumannShapley", "AumannShapley.Attribute", (m, p) => new AumannShapley(m, p), (o, x, t, b) => ((AumannShapley)o).Attribute(x!, t!, b, nSteps: 8), HasBaselines: true,
            BadCounts: [("nSteps-0", (o, x) => ((AumannShapley)o).Attribute(x, 0, nSteps: 0), ["nSteps", "0"]),
                        ("layerBaselines-wrong-shape", (o, x) => ((AumannShapley)o).Attribute(x, 0, layerBaselines: zeros(2, 9)), ["layerBaselines", "[2, 9]"]),
                        ("layerBaselines-NaN", (o, x) => ((AumannShapley)o).Attribute(x, 0, layerBaselines: M.WithNaN(zeros(2, 5))), ["layerBaselines", "NaN"])]),
        new("LayerActivation", "LayerActivation.Attribute", (m, p) => new LayerActivation(m, p), (o, x, _, _) => ((LayerActivation)o).Attribute(x!), NeedsTarget: false),
        new("Explainer", "Explainer.ExplainLayer", (m, p) => (m, p), (o, x, t, _) => { var (m, p) = ((Module, string))o; return Explainer.ExplainLayer(m, p, x!, t!, LayerAttributionMethod.IntegratedGradients); }, Prefix: "path-"),
        new("Explainer", "Explainer.ExplainLayer", (m, p) => LayerSplit.At(m, p), (o, x, t, _) => Explainer.ExplainLayer((LayerSplit)o, x!, t!, LayerAttributionMethod.GradientXActivation), Prefix: "split-"),
    ];

    private static Case C(string entry, string name, Func<object?> action, Expectation e) => new(Area, entry, name, action, e);

    /// <summary>The model, input and layer a method runs on; the layer output shape for a batch of b.</summary>
    private static (Func<Sequential> Model, Func<long, Tensor> X, string Path, Func<long, long[]> Shape, Func<Sequential> WrongIn, Func<Sequential> Poisoned) Setup(LayerMethod m) =>
        m.Conv
            ? (M.Conv, M.Img, "conv", b => m.Type == "GradCam" ? [b, 1, 4, 4] : [b, 2, 4, 4],
               () => nn.Sequential(("conv", nn.Conv2d(3, 2, 3, padding: 1)), ("relu", nn.ReLU()), ("flat", nn.Flatten()), ("fc", nn.Linear(32, M.Out))),
               () => nn.Sequential(("conv", nn.Conv2d(1, 2, 3, padding: 1)), ("relu", nn.ReLU()), ("flat", nn.Flatten()), ("fc", nn.Linear(32, M.Out)), ("poison", new Fn("poison", y => y * float.NaN, 3, 3))))
            : (() => M.Mlp(), M.X, "relu", b => [b, 5], M.WrongIn,
               () => nn.Sequential(("fc1", nn.Linear(M.In, 5)), ("relu", nn.ReLU()), ("fc2", nn.Linear(5, M.Out)), ("poison", new Fn("poison", y => y * float.NaN, 3, 3))));

    public static IEnumerable<Case> All()
    {
        foreach (var m in Methods)
            foreach (var c in For(m))
                yield return c;
        foreach (var c in Constructors()) yield return c;
        foreach (var c in Misc()) yield return c;
        foreach (var c in Cancelled()) yield return c;
    }

    private static IEnumerable<Case> Cancelled()
    {
        var error = Expect.Error<OperationCanceledException>("cancel");
        var token = AttributionCases.CancelledToken();
        yield return C("LayerIntegratedGradients.Attribute", "cancelled-token", () => new LayerIntegratedGradients(M.Mlp(), "relu").Attribute(M.X(), 0, cancellationToken: token), error);
        yield return C("LayerIntegratedGradients.AttributeWithDelta", "cancelled-token", () => new LayerIntegratedGradients(M.Mlp(), "relu").AttributeWithDelta(M.X(), 0, cancellationToken: token), error);
        yield return C("LayerConductance.Attribute", "cancelled-token", () => new LayerConductance(M.Mlp(), "relu").Attribute(M.X(), 0, cancellationToken: token), error);
        yield return C("InternalInfluence.Attribute", "cancelled-token", () => new InternalInfluence(M.Mlp(), "relu").Attribute(M.X(), 0, cancellationToken: token), error);
        yield return C("AumannShapley.Attribute", "cancelled-token", () => new AumannShapley(M.Mlp(), "relu").Attribute(M.X(), 0, cancellationToken: token), error);
        yield return C("LayerConductance.Attribute", "live-token", () => new LayerConductance(M.Mlp(), "relu").Attribute(M.X(), 0, nSteps: 4, internalBatchSize: 2, cancellationToken: new CancellationTokenSource().Token), Expect.FiniteTensor(M.B, 5));
    }

    public static IEnumerable<Case> For(LayerMethod m)
    {
        var e = m.Entry;
        var (model, x, path, shape, wrongIn, poisoned) = Setup(m);
        object? Run(Module mod, Tensor? input, Target? t, Tensor? b = null, string? p = null, bool nullPath = false) => m.Call(m.Make(mod, nullPath ? null! : p ?? path), input, t, b);
        var ok = Expect.FiniteTensor(shape(M.B));
        var prefix = m.Prefix;

        yield return C(e, prefix + "null-inputs", () => Run(model(), null, 0), Expect.Null("inputs|x"));
        yield return C(e, prefix + "disposed-inputs", () => Run(model(), M.Dead(x(M.B)), 0), Expect.Disposed("inputs|x"));
        yield return C(e, prefix + "empty-batch", () => Run(model(), x(0), 0), Expect.Error("inputs|x", "empty"));
        yield return C(e, prefix + "NaN-inputs", () => Run(model(), M.WithNaN(x(M.B)), 0), Expect.Error("inputs|x", "NaN"));
        yield return C(e, prefix + "Inf-inputs", () => Run(model(), M.WithNaN(x(M.B), double.PositiveInfinity), 0), Expect.Error("inputs|x", "∞|inf"));
        yield return C(e, prefix + "int64-inputs", () => Run(model(), x(M.B).to(int64), 0), Expect.Error("inputs|x", "Int64|integer|floating"));
        yield return C(e, prefix + "0-dim-inputs", () => Run(model(), tensor(1f), 0), Expect.Error("inputs|x", "0-dim|scalar|dimension"));
        if (m.NeedsTarget)
        {
            yield return C(e, prefix + "null-target", () => Run(model(), x(M.B), null), Expect.Null("target"));
            yield return C(e, prefix + "class-out-of-range", () => Run(model(), x(M.B), 3), Expect.Error("target|class", "3"));
            yield return C(e, prefix + "class-negative", () => Run(model(), x(M.B), -1), Expect.Error("target|class", "-1"));
            yield return C(e, prefix + "per-sample-wrong-length", () => Run(model(), x(M.B), tensor(new long[] { 0, 1, 2 })), Expect.Error("target", "3"));
            yield return C(e, prefix + "per-sample-out-of-range", () => Run(model(), x(M.B), tensor(new long[] { 0, 4 })), Expect.Error("target", "4"));
            yield return C(e, prefix + "model-returns-NaN", () => Run(poisoned(), x(M.B), 0), Expect.Error("output", "NaN"));
            yield return C(e, prefix + "per-sample-target-right-length", () => Run(model(), x(M.B), tensor(new long[] { 1, 2 })), ok);
        }
        yield return C(e, prefix + "disposed-model", () => { var mod = model(); mod.Dispose(); return Run(mod, x(M.B), 0); }, Expect.Disposed("model"));
        yield return C(e, prefix + "model-disposed-after-construction", () => { var mod = model(); var o = m.Make(mod, path); mod.Dispose(); return m.Call(o, x(M.B), 0, null); }, Expect.Disposed("model"));
        yield return C(e, prefix + "model-first-layer-mismatch", () => Run(wrongIn(), x(M.B), 0), Expect.Error(m.Conv ? "conv" : "fc1", m.Conv ? "3" : "7"));
        yield return C(e, prefix + "layer-path-missing", () => Run(model(), x(M.B), 0, p: "nope"), Expect.Error("nope", path));
        yield return C(e, prefix + "layer-path-empty", () => Run(model(), x(M.B), 0, p: ""), Expect.Error("layerPath|path", "empty"));
        yield return C(e, prefix + "layer-path-null", () => Run(model(), x(M.B), 0, nullPath: true), Expect.Null("layerPath"));
        yield return C(e, prefix + "layer-path-is-parameter", () => Run(model(), x(M.B), 0, p: m.Conv ? "conv.weight" : "fc1.weight"), Expect.Error("weight", "parameter|module"));
        yield return C(e, prefix + "layer-never-reached", () => { var mod = new M.WithUnusedChild(); return Run(mod, M.X(), 0, p: "unused"); }, Expect.Error("unused", "never|not reached|not called|did not run"));
        yield return C(e, prefix + "batch-of-one", () => Run(model(), x(1), 0), Expect.FiniteTensor(shape(1)));
        yield return C(e, prefix + "float64", () => { var mod = model(); mod.to(float64); return Run(mod, x(M.B).to(float64), 0); }, Expect.Result("finite float64", r => Verify.Tensor(r, shape(M.B), float64)));
        yield return C(e, prefix + "huge-but-valid-inputs", () => Run(model(), x(M.B) * 1e30f, 0), ok);
        yield return C(e, prefix + "requires-grad-inputs", () => Run(model(), x(M.B).requires_grad_(), 0), ok);
        if (m.HasBaselines)
        {
            yield return C(e, "disposed-baselines", () => Run(model(), x(M.B), 0, M.Dead(zeros(M.B, M.In))), Expect.Disposed("baselines"));
            yield return C(e, "NaN-baselines", () => Run(model(), x(M.B), 0, M.WithNaN(zeros(M.B, M.In))), Expect.Error("baselines", "NaN"));
            yield return C(e, "baselines-wrong-features", () => Run(model(), x(M.B), 0, zeros(M.B, 5)), Expect.Error("baselines", "[2, 5]"));
            yield return C(e, "baselines-wrong-batch", () => Run(model(), x(M.B), 0, zeros(3, M.In)), Expect.Error("baselines", "[3, 4]"));
            yield return C(e, "baselines-int64", () => Run(model(), x(M.B), 0, zeros(new long[] { M.B, M.In }, int64)), Expect.Error("baselines", "Int64|integer|floating|dtype"));
            yield return C(e, "baselines-zero-tensor", () => Run(model(), x(M.B), 0, zeros(M.B, M.In)), ok);
        }
        foreach (var (name, call, mention) in m.BadCounts ?? [])
            yield return C(e, name, () => call(m.Make(model(), path), x(M.B)), Expect.Error(mention));
        if (m.Entry == "LayerIntegratedGradients.AttributeWithDelta")
            yield return C(e, "relu-model-completeness", () => ((LayerIntegratedGradients)m.Make(model(), path)).AttributeWithDelta(x(M.B), 1, nSteps: 64).Delta,
                Expect.Result("|delta| small", r => r is Tensor d && Verify.AllFinite(d) && d.abs().max().item<float>() < 0.05 ? null : $"delta {Evaluator.Describe(r)}"));
    }

    private static IEnumerable<Case> Constructors()
    {
        (string Type, Func<Module?, string?, object> ByPath, Func<Module?, Module?, object> ByParts, Func<LayerSplit?, object> BySplit, Func<Func<Tensor, Tensor>?, Func<Tensor, Tensor>?, object> ByFuncs)[] ctors =
        [
            ("GradCam", (m, p) => new GradCam(m!, p!), (a, b) => new GradCam(a!, b!), s => new GradCam(s!), (a, b) => new GradCam(a!, b!)),
            ("LayerIntegratedGradients", (m, p) => new LayerIntegratedGradients(m!, p!), (a, b) => new LayerIntegratedGradients(a!, b!), s => new LayerIntegratedGradients(s!), (a, b) => new LayerIntegratedGradients(a!, b!)),
            ("LayerGradientXActivation", (m, p) => new LayerGradientXActivation(m!, p!), (a, b) => new LayerGradientXActivation(a!, b!), s => new LayerGradientXActivation(s!), (a, b) => new LayerGradientXActivation(a!, b!)),
            ("LayerConductance", (m, p) => new LayerConductance(m!, p!), (a, b) => new LayerConductance(a!, b!), s => new LayerConductance(s!), (a, b) => new LayerConductance(a!, b!)),
            ("InternalInfluence", (m, p) => new InternalInfluence(m!, p!), (a, b) => new InternalInfluence(a!, b!), s => new InternalInfluence(s!), (a, b) => new InternalInfluence(a!, b!)),
            ("AumannShapley", (m, p) => new AumannShapley(m!, p!), (a, b) => new AumannShapley(a!, b!), s => new AumannShapley(s!), (a, b) => new AumannShapley(a!, b!)),
            ("LayerSplit", (m, p) => LayerSplit.At(m!, p!), (a, b) => new LayerSplit(a!, b!), s => s!, (a, b) => new LayerSplit(a!, b!)),
        ];
        foreach (var (type, byPath, byParts, bySplit, byFuncs) in ctors)
        {
            var e = type == "LayerSplit" ? "LayerSplit.At" : $"{type}.ctor";
            var ctor = $"{type}.ctor";
            yield return C(e, "null-model", () => byPath(null, "relu"), Expect.Null("model"));
            yield return C(e, "null-layerPath", () => byPath(M.Mlp(), null), Expect.Null("layerPath"));
            yield return C(e, "disposed-model", () => byPath(M.Disposed(), "relu"), Expect.Disposed("model"));
            yield return C(e, "path-missing-lists-children", () => byPath(M.Mlp(), "fc3"), Expect.Error("fc3", "fc1", "fc2"));
            yield return C(e, "path-trailing-dot", () => byPath(M.Mlp(), "fc1."), Expect.Error("fc1."));
            yield return C(e, "path-into-leaf", () => byPath(M.Mlp(), "fc1.inner"), Expect.Error("fc1.inner|inner"));
            yield return C(ctor, "null-bottom-module", () => byParts(null, nn.ReLU()), Expect.Null("bottom"));
            yield return C(ctor, "null-top-module", () => byParts(nn.ReLU(), null), Expect.Null("top"));
            yield return C(ctor, "disposed-bottom-module", () => { var l = nn.Linear(4, 5); l.Dispose(); return byParts(l, nn.ReLU()); }, Expect.Disposed("bottom"));
            yield return C(ctor, "null-bottom-func", () => byFuncs(null, x => x), Expect.Null("bottom"));
            yield return C(ctor, "null-top-func", () => byFuncs(x => x, null), Expect.Null("top"));
            if (type != "LayerSplit") yield return C(ctor, "null-split", () => bySplit(null), Expect.Null("split"));
        }
        yield return C("LayerActivation.ctor", "null-bottom-func", () => new LayerActivation((Func<Tensor, Tensor>)null!), Expect.Null("bottom"));
        yield return C("LayerActivation.ctor", "null-bottom-module", () => new LayerActivation((Module)null!), Expect.Null("bottom"));
        yield return C("LayerActivation.ctor", "null-split", () => new LayerActivation((LayerSplit)null!), Expect.Null("split"));
        yield return C("LayerActivation.ctor", "path-missing", () => new LayerActivation(M.Mlp(), "nope"), Expect.Error("nope", "fc1"));
        yield return C("LayerActivation.ctor", "disposed-model", () => new LayerActivation(M.Disposed(), "relu"), Expect.Disposed("model"));
        yield return C("LayerSplit.ctor", "null-top-two-arg", () => new LayerSplit(x => x, (Func<Tensor, Tensor, Tensor>)null!), Expect.Null("top"));
    }

    private static IEnumerable<Case> Misc()
    {
        yield return C("LayerSplit.FromSequential", "index-out-of-range", () => LayerSplit.FromSequential(M.Mlp(), 3), Expect.Error("layerIndex", "3"));
        yield return C("LayerSplit.FromSequential", "index-negative", () => LayerSplit.FromSequential(M.Mlp(), -1), Expect.Error("layerIndex", "-1"));
        yield return C("LayerSplit.FromSequential", "null", () => LayerSplit.FromSequential(null!, 0), Expect.Null("model"));
        yield return C("LayerSplit.FromSequential", "disposed", () => LayerSplit.FromSequential(M.Disposed(), 0), Expect.Disposed("model"));
        yield return C("LayerSplit.FromSequential", "valid-composes-to-model", () => { var m = M.Mlp(); var x = M.X(); var (b, t) = LayerSplit.FromSequential(m, 1); return (t(b(x)), M.Forward(m, x)); },
            Expect.Result("top(bottom(x)) = model(x)", r => { var (a, t) = ((Tensor, Tensor))r!; return Verify.Close(a, t, 1e-5); }));
        yield return C("LayerSplit.Forward", "disposed-activations", () => LayerSplit.At(M.Mlp(), "relu").Forward(M.X(), M.Dead(zeros(2, 5))), Expect.Disposed("activations"));
        yield return C("LayerSplit.Forward", "activations-wrong-shape", () => LayerSplit.At(M.Mlp(), "relu").Forward(M.X(), zeros(2, 9)), Expect.Error("activations", "[2, 9]"));
        yield return C("LayerSplit.Forward", "activations-NaN", () => LayerSplit.At(M.Mlp(), "relu").Forward(M.X(), M.WithNaN(zeros(2, 5))), Expect.Error("activations", "NaN"));
        yield return C("LayerSplit.Forward", "valid", () => LayerSplit.At(M.Mlp(), "relu").Forward(M.X(), zeros(2, 5)), Expect.FiniteTensor(M.B, M.Out));
        // A split made by path has no input-free top (the rest of the model may read the inputs, e.g. a residual): its Top is
        // documented to refuse with a pointer to Forward(inputs, activations).
        yield return C("LayerSplit.Deconstruct", "path-split-top-is-refused", () => { var (b, t) = LayerSplit.At(M.Mlp(), "relu"); return t(b(M.X())); }, Expect.Error("Forward(inputs, activations)"));
        yield return C("GradCam.Attribute", "interpolateMode-unknown", () => new GradCam(M.Conv(), "conv").Attribute(M.Img(), 0, upsampleToInput: true, interpolateMode: "cubic-nonsense"), Expect.Error("interpolateMode", "cubic-nonsense"));
        yield return C("GradCam.Attribute", "interpolateMode-null", () => new GradCam(M.Conv(), "conv").Attribute(M.Img(), 0, upsampleToInput: true, interpolateMode: null!), Expect.Null("interpolateMode"));
        // Captum's LayerGradCam on a layer without spatial dimensions weights each channel by its own gradient: [B, 1].
        yield return C("GradCam.Attribute", "2-D-layer", () => new GradCam(M.Mlp(), "relu").Attribute(M.X(), 0), Expect.FiniteTensor(M.B, 1));
        yield return C("GradCam.Attribute", "upsample-valid", () => new GradCam(M.Conv(), "conv").Attribute(M.Img(), 0, upsampleToInput: true), Expect.FiniteTensor(M.B, 1, 4, 4));
        yield return C("LayerActivation.Attribute", "aggregation-undefined", () => new LayerActivation(M.Conv(), "conv").Attribute(M.Img(), (ChannelAggregation)9), Expect.Error("aggregation", "9"));
        // Aggregation is over the spatial dimensions; a [B, C] layer has none, so it is documented to return the activations.
        yield return C("LayerActivation.Attribute", "aggregation-on-2-D-layer", () => new LayerActivation(M.Mlp(), "relu").Attribute(M.X(), ChannelAggregation.Max), Expect.FiniteTensor(M.B, 5));
        yield return C("LayerActivation.Attribute", "equals-layer-output", () => { var m = M.Mlp(); var x = M.X(); return (new LayerActivation(m, "fc1").Attribute(x), M.Forward(nn.Sequential(("fc1", (Module)m.named_children().First().module)), x)); },
            Expect.Result("= fc1(x)", r => { var (a, t) = ((Tensor, Tensor))r!; return Verify.Close(a, t, 1e-6); }));
        yield return C("Explainer.ExplainLayer", "method-undefined", () => Explainer.ExplainLayer(M.Mlp(), "relu", M.X(), 0, (LayerAttributionMethod)17), Expect.Error("method", "17"));
        yield return C("Explainer.ExplainLayer", "null-split", () => Explainer.ExplainLayer((LayerSplit)null!, M.X(), 0, LayerAttributionMethod.GradCam), Expect.Null("split"));
        yield return C("Explainer.ExplainLayer", "null-model", () => Explainer.ExplainLayer((Module)null!, "relu", M.X(), 0, LayerAttributionMethod.GradCam), Expect.Null("model"));
        // Layer DeepLift and LRP walk the model's rules and read the layer at its module: a split of two functions knows neither.
        foreach (var method in new[] { LayerAttributionMethod.DeepLift, LayerAttributionMethod.Lrp })
        {
            yield return C("Explainer.ExplainLayer", $"{method}-hand-made-split", () => { var m = M.Mlp(); return Explainer.ExplainLayer(new LayerSplit(x => m.call(x), z => z), M.X(), 0, method); },
                Expect.Error<NotSupportedException>("module path", "ExplainLayer(model, layerPath"));
            yield return C("Explainer.ExplainLayer", $"{method}-path-split", () => { var m = M.Mlp(); var x = M.X(); return (Explainer.ExplainLayer(LayerSplit.At(m, "relu"), x, 0, method), Explainer.ExplainLayer(m, "relu", x, 0, method)); },
                Expect.Result("= by path", r => { var (a, b) = ((Tensor, Tensor))r!; return Verify.Close(a, b, 1e-6); }));
            yield return C("Explainer.ExplainLayer", $"{method}-unknown-path", () => Explainer.ExplainLayer(M.Mlp(), "relu9", M.X(), 0, method), Expect.Error("layerPath", "relu9"));
        }
        foreach (var method in Enum.GetValues<LayerAttributionMethod>())
        {
            var conv = method == LayerAttributionMethod.GradCam;
            var needsBg = method == LayerAttributionMethod.GradientShap;
            Tensor? Bg() => needsBg ? (conv ? M.Img(5) : randn(5, 4)) : null;
            yield return C("Explainer.ExplainLayer", $"{method}-valid", () => conv ? Explainer.ExplainLayer(M.Conv(), "conv", M.Img(), 0, method, Bg()) : Explainer.ExplainLayer(M.Mlp(), "relu", M.X(), 0, method, Bg()),
                conv ? Expect.FiniteTensor(M.B, 1, 4, 4) : Expect.FiniteTensor(M.B, 5));
            yield return C("Explainer.ExplainLayer", $"{method}-NaN-inputs", () => conv ? Explainer.ExplainLayer(M.Conv(), "conv", M.WithNaN(M.Img()), 0, method, Bg()) : Explainer.ExplainLayer(M.Mlp(), "relu", M.WithNaN(M.X()), 0, method, Bg()), Expect.Error("NaN"));
            yield return C("Explainer.ExplainLayer", $"{method}-disposed-inputs", () => conv ? Explainer.ExplainLayer(M.Conv(), "conv", M.Dead(M.Img()), 0, method, Bg()) : Explainer.ExplainLayer(M.Mlp(), "relu", M.Dead(M.X()), 0, method, Bg()), Expect.Disposed("x|inputs"));
            if (needsBg) yield return C("Explainer.ExplainLayer", $"{method}-missing-background", () => Explainer.ExplainLayer(M.Mlp(), "relu", M.X(), 0, method), Expect.Error("background"));
        }
    }
}
