using AttrDsl.Attribution;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace AttrDsl.HostileInputs;

/// <summary>The surrogate and permutation methods: KernelShap, Lime, FeaturePermutation.</summary>
public static class SurrogateCases
{
    public const string Area = "surrogate";

    private static Case C(string entry, string name, Func<object?> action, Expectation e) => new(Area, entry, name, action, e);

    // With M.In = 4 groups, 14 ≥ 2^4 − 2 coalitions make KernelShap exact: the linear truth holds to rounding.
    private static readonly AttrMethod[] Methods =
    [
        new("KernelShap", "KernelShap.Attribute", m => new KernelShap(m), f => new KernelShap(f),
            (o, x, t, b, nb) => ((KernelShap)o).Attribute(x!, t!, null, nb ? AblationBaseline.FromTensor(null!) : b is null ? default : AblationBaseline.FromTensor(b), nSamples: 14, seed: 1),
            BaselineName: "baselines", LinearTruth: (lin, x, c) => x * M.W(lin)[c], Perturbation: true,
            BadCounts:
            [
                ("nSamples-0", (o, x) => ((KernelShap)o).Attribute(x, 0, nSamples: 0), ["nSamples", "0"]),
                ("nSamples-negative", (o, x) => ((KernelShap)o).Attribute(x, 0, nSamples: -5), ["nSamples", "-5"]),
                ("featureMask-wrong-shape", (o, x) => ((KernelShap)o).Attribute(x, 0, zeros(new long[] { 2, 3 }, int64)), ["featureMask", "[2, 3]"]),
                ("featureMask-float", (o, x) => ((KernelShap)o).Attribute(x, 0, zeros(new long[] { 1, 4 })), ["featureMask", "Float32|float|integer|int64"]),
                ("featureMask-negative-id", (o, x) => ((KernelShap)o).Attribute(x, 0, tensor(new long[] { 0, -1, 1, 1 })), ["featureMask", "-1"]),
                ("featureMask-disposed", (o, x) => ((KernelShap)o).Attribute(x, 0, M.Dead(zeros(new long[] { 4 }, int64))), ["featureMask", "disposed"]),
                ("perturbationsPerEval-0", (o, x) => ((KernelShap)o).Attribute(x, 0, perturbationsPerEval: 0), ["perturbationsPerEval", "0"]),
            ]),
        new("Lime", "Lime.Attribute", m => new Lime(m), f => new Lime(f),
            (o, x, t, b, nb) => ((Lime)o).Attribute(x!, t!, null, nb ? AblationBaseline.FromTensor(null!) : b is null ? default : AblationBaseline.FromTensor(b), nSamples: 40, seed: 1),
            BaselineName: "baselines", LinearTruth: (lin, x, c) => x * M.W(lin)[c], Perturbation: true,
            BadCounts:
            [
                ("nSamples-0", (o, x) => ((Lime)o).Attribute(x, 0, nSamples: 0), ["nSamples", "0"]),
                ("featureMask-wrong-shape", (o, x) => ((Lime)o).Attribute(x, 0, zeros(new long[] { 2, 3 }, int64)), ["featureMask", "[2, 3]"]),
                ("perturbationsPerEval-0", (o, x) => ((Lime)o).Attribute(x, 0, perturbationsPerEval: 0), ["perturbationsPerEval", "0"]),
                ("kernelWidth-0", (o, x) => ((Lime)o).Attribute(x, 0, kernelWidth: 0), ["kernelWidth", "0"]),
                ("kernelWidth-NaN", (o, x) => ((Lime)o).Attribute(x, 0, kernelWidth: double.NaN), ["kernelWidth", "NaN"]),
                ("ridge-negative", (o, x) => ((Lime)o).Attribute(x, 0, ridge: -1), ["ridge", "-1"]),
                ("ridge-infinite", (o, x) => ((Lime)o).Attribute(x, 0, ridge: double.PositiveInfinity), ["ridge", "∞|inf"]),
                ("distance-undefined", (o, x) => ((Lime)o).Attribute(x, 0, distance: (LimeDistance)7), ["distance", "7"]),
            ]),
    ];

    public static IEnumerable<Case> All()
    {
        foreach (var m in Methods)
            foreach (var c in AttributionCases.For(m))
                yield return c with { Area = Area };
        foreach (var c in Permutation()) yield return c;
        foreach (var c in Constructors()) yield return c;
        foreach (var m in LayerMethods)
            foreach (var c in LayerCases.For(m))
                yield return c with { Area = Area };
        foreach (var c in Layer()) yield return c;
        foreach (var c in Neuron()) yield return c;
    }

    /// <summary>NeuronGradient and NeuronIntegratedGradients at unit 2 of the MLP's "relu" ([B, 5]).</summary>
    private static IEnumerable<Case> Neuron()
    {
        (string Type, Func<Module?, string?, long[]?, object> ByPath, Func<LayerSplit?, long[]?, object> BySplit, Func<Func<Tensor, Tensor>?, long[]?, object> ByFunc, Func<object, Tensor?, object?> Call)[] methods =
        [
            ("NeuronGradient", (m, p, i) => new NeuronGradient(m!, p!, i!), (s, i) => new NeuronGradient(s!, i!), (f, i) => new NeuronGradient(f!, i!), (o, x) => ((NeuronGradient)o).Attribute(x!)),
            ("NeuronIntegratedGradients", (m, p, i) => new NeuronIntegratedGradients(m!, p!, i!), (s, i) => new NeuronIntegratedGradients(s!, i!), (f, i) => new NeuronIntegratedGradients(f!, i!), (o, x) => ((NeuronIntegratedGradients)o).Attribute(x!, nSteps: 16)),
        ];
        foreach (var (type, byPath, bySplit, byFunc, call) in methods)
        {
            var ctor = $"{type}.ctor";
            var e = $"{type}.Attribute";
            yield return C(ctor, "null-model", () => byPath(null, "relu", [2]), Expect.Null("model"));
            yield return C(ctor, "null-layerPath", () => byPath(M.Mlp(), null, [2]), Expect.Null("layerPath"));
            yield return C(ctor, "path-missing", () => byPath(M.Mlp(), "fc3", [2]), Expect.Error("fc3", "fc1"));
            yield return C(ctor, "null-neuronIndex", () => byPath(M.Mlp(), "relu", null), Expect.Null("neuronIndex"));
            yield return C(ctor, "empty-neuronIndex", () => byPath(M.Mlp(), "relu", []), Expect.Error("neuronIndex", "empty"));
            yield return C(ctor, "null-split", () => bySplit(null, [2]), Expect.Null("split"));
            yield return C(ctor, "null-bottom", () => byFunc(null, [2]), Expect.Null("bottom"));
            yield return C(e, "null-inputs", () => call(byPath(M.Mlp(), "relu", [2]), null), Expect.Null("inputs"));
            yield return C(e, "disposed-inputs", () => call(byPath(M.Mlp(), "relu", [2]), M.Dead(M.X())), Expect.Disposed("input"));
            yield return C(e, "NaN-inputs", () => call(byPath(M.Mlp(), "relu", [2]), M.WithNaN(M.X())), Expect.Error("input", "NaN"));
            yield return C(e, "empty-batch", () => call(byPath(M.Mlp(), "relu", [2]), zeros(0, M.In)), Expect.Error("input", "empty"));
            yield return C(e, "neuronIndex-out-of-range", () => call(byPath(M.Mlp(), "relu", [5]), M.X()), Expect.Error("neuronIndex", "[5]"));
            yield return C(e, "neuronIndex-negative", () => call(byPath(M.Mlp(), "relu", [-1]), M.X()), Expect.Error("neuronIndex", "-1"));
            yield return C(e, "neuronIndex-wrong-rank", () => call(byPath(M.Mlp(), "relu", [0, 1]), M.X()), Expect.Error("neuronIndex", "[5]"));
            yield return C(e, "disposed-model", () => { var m = M.Mlp(); var o = byPath(m, "relu", [2]); m.Dispose(); return call(o, M.X()); }, Expect.Disposed("model"));
            yield return C(e, "batch-of-one", () => call(byPath(M.Mlp(), "relu", [2]), M.X(1)), Expect.FiniteTensor(1, M.In));
            yield return C(e, "float64", () => { var m = M.Mlp(float64); return call(byPath(m, "relu", [1]), M.X().to(float64)); }, Expect.Result("finite float64", r => Verify.Tensor(r, [M.B, M.In], float64)));
        }
        (string Type, Func<Module?, string?, long[]?, object> ByPath, Func<LayerSplit?, long[]?, object> BySplit, Func<Func<Tensor, Tensor>?, long[]?, object> ByFunc, Func<object, Tensor?, object?> Call) conductance =
            ("NeuronConductance", (m, p, i) => new NeuronConductance(m!, p!, i!), (s, i) => new NeuronConductance(s!, i!), (f, i) => new NeuronConductance(f!, z => z, i!), (o, x) => ((NeuronConductance)o).Attribute(x!, 0, nSteps: 8));
        {
            var (type, byPath, bySplit, byFunc, call) = conductance;
            var ctor = $"{type}.ctor";
            var e = $"{type}.Attribute";
            yield return C(ctor, "null-model", () => byPath(null, "relu", [2]), Expect.Null("model"));
            yield return C(ctor, "null-layerPath", () => byPath(M.Mlp(), null, [2]), Expect.Null("layerPath"));
            yield return C(ctor, "null-neuronIndex", () => byPath(M.Mlp(), "relu", null), Expect.Null("neuronIndex"));
            yield return C(ctor, "empty-neuronIndex", () => byPath(M.Mlp(), "relu", []), Expect.Error("neuronIndex", "empty"));
            yield return C(ctor, "null-split", () => bySplit(null, [2]), Expect.Null("split"));
            yield return C(ctor, "null-bottom", () => byFunc(null, [2]), Expect.Null("bottom"));
            yield return C(e, "null-inputs", () => call(byPath(M.Mlp(), "relu", [2]), null), Expect.Null("inputs"));
            yield return C(e, "NaN-inputs", () => call(byPath(M.Mlp(), "relu", [2]), M.WithNaN(M.X())), Expect.Error("input", "NaN"));
            yield return C(e, "null-target", () => new NeuronConductance(M.Mlp(), "relu", [2]).Attribute(M.X(), null!), Expect.Null("target"));
            yield return C(e, "class-out-of-range", () => new NeuronConductance(M.Mlp(), "relu", [2]).Attribute(M.X(), 3), Expect.Error("target|class", "3"));
            yield return C(e, "nSteps-0", () => new NeuronConductance(M.Mlp(), "relu", [2]).Attribute(M.X(), 0, nSteps: 0), Expect.Error("nSteps", "0"));
            yield return C(e, "NaN-baselines", () => new NeuronConductance(M.Mlp(), "relu", [2]).Attribute(M.X(), 0, M.WithNaN(zeros(1, M.In))), Expect.Error("baselines", "NaN"));
            yield return C(e, "neuronIndex-out-of-range", () => call(byPath(M.Mlp(), "relu", [5]), M.X()), Expect.Error("neuronIndex", "[5]"));
            yield return C(e, "disposed-model", () => { var m = M.Mlp(); var o = byPath(m, "relu", [2]); m.Dispose(); return call(o, M.X()); }, Expect.Disposed("model"));
            yield return C(e, "batch-of-one", () => call(byPath(M.Mlp(), "relu", [2]), M.X(1)), Expect.FiniteTensor(1, M.In));
            yield return C(e, "cancelled-token", () => new NeuronConductance(M.Mlp(), "relu", [2]).Attribute(M.X(), 0, cancellationToken: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        }
        yield return C("NeuronIntegratedGradients.Attribute", "nSteps-0", () => new NeuronIntegratedGradients(M.Mlp(), "relu", [2]).Attribute(M.X(), nSteps: 0), Expect.Error("nSteps", "0"));
        yield return C("NeuronIntegratedGradients.Attribute", "cancelled-token", () => new NeuronIntegratedGradients(M.Mlp(), "relu", [2]).Attribute(M.X(), cancellationToken: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        // A linear layer's neuron is w_k·x + b_k: its gradient is w_k in every row, and its IG from 0 is w_k ⊙ x.
        yield return C("NeuronGradient.Attribute", "linear-neuron-closed-form", () => { var lin = M.Lin(); var x = M.X(); return ((object?)new NeuronGradient(lin, "fc", [1]).Attribute(x), M.W(lin)[1].expand(x.shape)); },
            Expect.Result("equals the neuron's weights", r => { var (a, t) = ((object?, Tensor))r!; return Verify.Close(a, t, 1e-4); }));
        yield return C("NeuronIntegratedGradients.Attribute", "linear-neuron-closed-form", () => { var lin = M.Lin(); var x = M.X(); return ((object?)new NeuronIntegratedGradients(lin, "fc", [2]).Attribute(x), x * M.W(lin)[2]); },
            Expect.Result("equals w ⊙ x", r => { var (a, t) = ((object?, Tensor))r!; return Verify.Close(a, t, 2e-3); }));
    }

    // Their baselines are not the generic layer cases' (input-shaped, one per row): LayerFeatureAblation's live in the
    // layer's space, LayerGradientShap's are a distribution of any size; both get their own cases in Layer().
    private static readonly LayerMethod[] LayerMethods =
    [
        new("LayerFeatureAblation", "LayerFeatureAblation.Attribute", (m, p) => new LayerFeatureAblation(m, p), (o, x, t, _) => ((LayerFeatureAblation)o).Attribute(x!, t!),
            BadCounts: [("perturbationsPerEval-0", (o, x) => ((LayerFeatureAblation)o).Attribute(x, 0, perturbationsPerEval: 0), ["perturbationsPerEval", "0"]),
                        ("layerMask-wrong-shape", (o, x) => ((LayerFeatureAblation)o).Attribute(x, 0, zeros(new long[] { 2, 3 }, int64)), ["layerMask", "[2, 3]"]),
                        ("layerMask-float", (o, x) => ((LayerFeatureAblation)o).Attribute(x, 0, zeros(new long[] { 1, 5 })), ["layerMask", "Float32|integer"]),
                        ("layerBaselines-NaN", (o, x) => ((LayerFeatureAblation)o).Attribute(x, 0, layerBaselines: double.NaN), ["layerBaselines", "NaN"]),
                        ("layerBaselines-wrong-shape", (o, x) => ((LayerFeatureAblation)o).Attribute(x, 0, layerBaselines: zeros(2, 9)), ["layerBaselines", "[2, 9]"])]),
        new("LayerGradientShap", "LayerGradientShap.Attribute", (m, p) => new LayerGradientShap(m, p), (o, x, t, _) => ((LayerGradientShap)o).Attribute(x!, t!, x is null || x.IsInvalid || x.dim() < 2 ? zeros(3, M.In) : zeros([3, .. x.shape[1..]], dtype: x.dtype), nSamples: 3),
            BadCounts: [("nSamples-0", (o, x) => ((LayerGradientShap)o).Attribute(x, 0, zeros(3, M.In), nSamples: 0), ["nSamples", "0"]),
                        ("stdevs-negative", (o, x) => ((LayerGradientShap)o).Attribute(x, 0, zeros(3, M.In), stdevs: -1), ["stdevs", "-1"]),
                        ("stdevs-NaN", (o, x) => ((LayerGradientShap)o).Attribute(x, 0, zeros(3, M.In), stdevs: double.NaN), ["stdevs", "NaN"]),
                        ("null-baselines", (o, x) => ((LayerGradientShap)o).Attribute(x, 0, null!), ["baselines"]),
                        ("empty-baselines", (o, x) => ((LayerGradientShap)o).Attribute(x, 0, zeros(0, M.In)), ["baselines", "empty"]),
                        ("NaN-baselines", (o, x) => ((LayerGradientShap)o).Attribute(x, 0, M.WithNaN(zeros(3, M.In))), ["baselines", "NaN"]),
                        ("disposed-baselines", (o, x) => ((LayerGradientShap)o).Attribute(x, 0, M.Dead(zeros(3, M.In))), ["baselines", "disposed"]),
                        ("baselines-wrong-features", (o, x) => ((LayerGradientShap)o).Attribute(x, 0, zeros(3, 5)), ["baselines", "[3, 5]|5"])]),
    ];

    private static IEnumerable<Case> Layer()
    {
        yield return C("LayerFeatureAblation.Attribute", "cancelled-token", () => new LayerFeatureAblation(M.Mlp(), "relu").Attribute(M.X(), 0, cancellationToken: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        yield return C("LayerGradientShap.Attribute", "cancelled-token", () => new LayerGradientShap(M.Mlp(), "relu").Attribute(M.X(), 0, zeros(3, M.In), cancellationToken: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        (string Type, Func<Module?, string?, object> ByPath, Func<LayerSplit?, object> BySplit, Func<Func<Tensor, Tensor>?, Func<Tensor, Tensor>?, object> ByFuncs)[] ctors =
        [
            ("LayerFeatureAblation", (m, p) => new LayerFeatureAblation(m!, p!), s => new LayerFeatureAblation(s!), (a, b) => new LayerFeatureAblation(a!, b!)),
            ("LayerGradientShap", (m, p) => new LayerGradientShap(m!, p!), s => new LayerGradientShap(s!), (a, b) => new LayerGradientShap(a!, b!)),
        ];
        foreach (var (type, byPath, bySplit, byFuncs) in ctors)
        {
            var ctor = $"{type}.ctor";
            yield return C(ctor, "null-model", () => byPath(null, "relu"), Expect.Null("model"));
            yield return C(ctor, "null-layerPath", () => byPath(M.Mlp(), null), Expect.Null("layerPath"));
            yield return C(ctor, "disposed-model", () => byPath(M.Disposed(), "relu"), Expect.Disposed("model"));
            yield return C(ctor, "path-missing-lists-children", () => byPath(M.Mlp(), "fc3"), Expect.Error("fc3", "fc1", "fc2"));
            yield return C(ctor, "null-bottom-func", () => byFuncs(null, x => x), Expect.Null("bottom"));
            yield return C(ctor, "null-top-func", () => byFuncs(x => x, null), Expect.Null("top"));
            yield return C(ctor, "null-split", () => bySplit(null), Expect.Null("split"));
        }
    }

    /// <summary>
    /// FeaturePermutation has no baseline and needs two rows, so it gets its own list rather than the generic one (whose
    /// batch-of-one case must succeed).
    /// </summary>
    private static IEnumerable<Case> Permutation()
    {
        const string e = "FeaturePermutation.Attribute";
        Tensor Run(Module model, Tensor? x, Target? t) => new FeaturePermutation(model).Attribute(x!, t!, seed: 1);
        yield return C(e, "null-inputs", () => Run(M.Mlp(), null, 0), Expect.Null("inputs"));
        yield return C(e, "disposed-inputs", () => Run(M.Mlp(), M.Dead(M.X()), 0), Expect.Disposed("input"));
        yield return C(e, "empty-batch", () => Run(M.Mlp(), zeros(0, M.In), 0), Expect.Error("input", "empty"));
        yield return C(e, "batch-of-one", () => Run(M.Mlp(), M.X(1), 0), Expect.Error("inputs", "batch", "2"));
        yield return C(e, "NaN-inputs", () => Run(M.Mlp(), M.WithNaN(M.X()), 0), Expect.Error("input", "NaN"));
        yield return C(e, "int64-inputs", () => Run(M.Mlp(), randint(0, 5, [M.B, M.In]), 0), Expect.Error("input", "Int64|integer|floating"));
        yield return C(e, "null-target", () => Run(M.Mlp(), M.X(), null), Expect.Null("target"));
        yield return C(e, "class-out-of-range", () => Run(M.Mlp(), M.X(), 3), Expect.Error("target|class", "3"));
        yield return C(e, "featureMask-wrong-shape", () => new FeaturePermutation(M.Mlp()).Attribute(M.X(), 0, zeros(new long[] { 2, 3 }, int64)), Expect.Error("featureMask", "[2, 3]"));
        yield return C(e, "perturbationsPerEval-0", () => new FeaturePermutation(M.Mlp()).Attribute(M.X(), 0, perturbationsPerEval: 0), Expect.Error("perturbationsPerEval", "0"));
        yield return C(e, "nPermutations-0", () => new FeaturePermutation(M.Mlp()).Attribute(M.X(), 0, nPermutations: 0), Expect.Error("nPermutations", "0"));
        yield return C(e, "disposed-model", () => Run(M.Disposed(), M.X(), 0), Expect.Disposed("model"));
        yield return C(e, "model-returns-NaN", () => Run(M.NanOut(), M.X(), 0), Expect.Error("output", "NaN"));
        yield return C(e, "model-throws", () => Run(M.Throws(), M.X(), 0), Expect.Error("user forward bug 7c1f"));
        yield return C(e, "cancelled-token", () => new FeaturePermutation(M.Mlp()).Attribute(M.X(), 0, cancellationToken: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        // Two rows: the only permutation other than the identity swaps them, so feature i gets w_i (x_bi − x_(1−b)i).
        yield return C(e, "linear-model-closed-form", () => { var lin = M.Lin(); var x = M.X(); return ((object?)Run(lin, x, 2), (x - x.flip(0)) * M.W(lin)[2]); },
            Expect.Result("equals the closed form for a linear model", r => { var (a, t) = ((object?, Tensor))r!; return Verify.Close(a, t, 2e-3); }));
        yield return C(e, "image-batch", () => new FeaturePermutation(M.Conv()).Attribute(M.Img(3), 0, seed: 2), Expect.FiniteTensor(3, 1, 4, 4));
        yield return C("KernelShap.Attribute", "cancelled-token", () => new KernelShap(M.Mlp()).Attribute(M.X(), 0, cancellationToken: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        yield return C("Lime.Attribute", "cancelled-token", () => new Lime(M.Mlp()).Attribute(M.X(), 0, cancellationToken: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
    }

    private static IEnumerable<Case> Constructors()
    {
        (string Type, Func<Module?, object> Model, Func<Func<Tensor, Tensor>?, object> Forward)[] ctors =
        [
            ("KernelShap", m => new KernelShap(m!), f => new KernelShap(f!)),
            ("Lime", m => new Lime(m!), f => new Lime(f!)),
            ("FeaturePermutation", m => new FeaturePermutation(m!), f => new FeaturePermutation(f!)),
        ];
        foreach (var (type, model, forward) in ctors)
        {
            yield return C($"{type}.ctor", "null-model", () => model(null), Expect.Null("model"));
            yield return C($"{type}.ctor", "null-forward", () => forward(null), Expect.Null("forward"));
            yield return C($"{type}.ctor", "disposed-model", () => model(M.Disposed()), Expect.Disposed("model"));
        }
    }
}
