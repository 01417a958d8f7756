using AttrDsl.Attribution;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace AttrDsl.HostileInputs;

/// <summary>Infidelity and SensitivityMax.</summary>
public static class MetricsCases
{
    public const string Area = "metrics";

    private static Case C(string entry, string name, Func<object?> action, Expectation e) => new(Area, entry, name, action, e);

    public static IEnumerable<Case> All()
    {
        yield return C("Infidelity.Compute", "cancelled-token", () => Infidelity.Compute(M.Mlp(), M.X(), M.X(), 0, cancellationToken: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        yield return C("SensitivityMax.Compute", "cancelled-token", () => SensitivityMax.Compute((x, t) => x * 2, M.X(), 0, cancellationToken: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        yield return C("SensitivityMax.Compute", "no-target-cancelled-token", () => SensitivityMax.Compute(x => x * 2, M.X(), cancellationToken: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        const string inf = "Infidelity.Compute";
        object? I(Module m, Tensor? x, Tensor? a, Target? t, int n = 3, int? chunk = null, InfidelityPerturbation? p = null) => Infidelity.Compute(m, x!, a!, t!, p, n, maxExamplesPerBatch: chunk);
        yield return C(inf, "null-model", () => I(null!, M.X(), M.X(), 0), Expect.Null("model"));
        yield return C(inf, "null-inputs", () => I(M.Mlp(), null, M.X(), 0), Expect.Null("inputs"));
        yield return C(inf, "null-attributions", () => I(M.Mlp(), M.X(), null, 0), Expect.Null("attributions"));
        yield return C(inf, "null-target", () => I(M.Mlp(), M.X(), M.X(), null), Expect.Null("target"));
        yield return C(inf, "disposed-inputs", () => I(M.Mlp(), M.Dead(M.X()), M.X(), 0), Expect.Disposed("inputs"));
        yield return C(inf, "disposed-attributions", () => I(M.Mlp(), M.X(), M.Dead(M.X()), 0), Expect.Disposed("attributions"));
        yield return C(inf, "disposed-model", () => I(M.Disposed(), M.X(), M.X(), 0), Expect.Disposed("model"));
        yield return C(inf, "empty-batch", () => I(M.Mlp(), zeros(0, 4), zeros(0, 4), 0), Expect.Error("inputs", "empty"));
        yield return C(inf, "NaN-inputs", () => I(M.Mlp(), M.WithNaN(M.X()), M.X(), 0), Expect.Error("inputs", "NaN"));
        yield return C(inf, "NaN-attributions", () => I(M.Mlp(), M.X(), M.WithNaN(M.X()), 0), Expect.Error("attributions", "NaN"));
        yield return C(inf, "attributions-wrong-shape", () => I(M.Mlp(), M.X(), zeros(2, 5), 0), Expect.Error("attributions", "[2, 5]"));
        yield return C(inf, "attributions-int64", () => I(M.Mlp(), M.X(), zeros(new long[] { 2, 4 }, int64), 0), Expect.Error("attributions", "Int64|integer|floating"));
        yield return C(inf, "int64-inputs", () => I(M.Mlp(), randint(0, 3, [2, 4]), M.X(), 0), Expect.Error("inputs", "Int64|integer|floating"));
        yield return C(inf, "class-out-of-range", () => I(M.Mlp(), M.X(), M.X(), 3), Expect.Error("target|class", "3"));
        yield return C(inf, "per-sample-wrong-length", () => I(M.Mlp(), M.X(), M.X(), tensor(new long[] { 0, 1, 2 })), Expect.Error("target", "3"));
        yield return C(inf, "nPerturbSamples-0", () => I(M.Mlp(), M.X(), M.X(), 0, 0), Expect.Error("nPerturbSamples", "0"));
        yield return C(inf, "nPerturbSamples-negative", () => I(M.Mlp(), M.X(), M.X(), 0, -2), Expect.Error("nPerturbSamples", "-2"));
        yield return C(inf, "nPerturbSamples-huge", () => I(M.Mlp(), M.X(), M.X(), 0, int.MaxValue), Expect.Error("nPerturbSamples", "2147483647"));
        yield return C(inf, "maxExamplesPerBatch-0", () => I(M.Mlp(), M.X(), M.X(), 0, 3, 0), Expect.Error("maxExamplesPerBatch", "0"));
        yield return C(inf, "model-returns-NaN", () => I(M.NanOut(), M.X(), M.X(), 1), Expect.Error("output", "NaN"));
        yield return C(inf, "model-first-linear-mismatch", () => I(M.WrongIn(), M.X(), M.X(), 0), Expect.Error("fc1", "7"));
        yield return C(inf, "model-returns-int64", () => I(M.IntOut(), M.X(), M.X(), 0), Expect.Error("output|returned", "Int64|integer|floating"));
        yield return C(inf, "perturbation-returns-NaN", () => I(M.Mlp(), M.X(), M.X(), 0, 3, null, x => (full_like(x, double.NaN), x)), Expect.Error("perturb", "NaN"));
        yield return C(inf, "perturbation-returns-wrong-shape", () => I(M.Mlp(), M.X(), M.X(), 0, 3, null, x => (zeros(1, 1), x)), Expect.Error("perturb", "[1, 1]"));
        yield return C(inf, "perturbation-returns-null", () => I(M.Mlp(), M.X(), M.X(), 0, 3, null, _ => (null!, null!)), Expect.Error("perturb", "null"));
        yield return C(inf, "forward-null", () => Infidelity.Compute((Func<Tensor, Tensor>)null!, M.X(), M.X(), 0), Expect.Null("forward"));
        yield return C(inf, "valid", () => I(M.Mlp(), M.X(), M.X(), 0), Expect.FiniteTensor(M.B));
        yield return C(inf, "batch-of-one", () => I(M.Mlp(), M.X(1), M.X(1), 0), Expect.FiniteTensor(1));
        yield return C(inf, "float64", () => I(M.Mlp(float64), M.X().to(float64), M.X().to(float64), 0), Expect.FiniteTensor(M.B));
        // Infidelity compares Σ attr·I with f(x) − f(x − I): for a linear model the attributions that make it 0 are the
        // gradient w (x·w is the right answer for a zero-baseline path, not for this perturbation).
        yield return C(inf, "exact-attributions-linear-is-zero", () => { var lin = M.Lin(); var x = M.X(); return I(lin, x, M.W(lin)[1].expand(x.shape).contiguous(), 1, 5); },
            Expect.Result("≈ 0 for exact linear attributions", r => r is Tensor t && Verify.AllFinite(t) && t.abs().max().item<float>() < 1e-6 ? null : Evaluator.Describe(r)));
        yield return C("Infidelity.GaussianNoise", "std-negative", () => Infidelity.GaussianNoise(-1), Expect.Error("std", "-1"));
        yield return C("Infidelity.GaussianNoise", "std-NaN", () => Infidelity.GaussianNoise(double.NaN), Expect.Error("std", "NaN"));

        const string sm = "SensitivityMax.Compute";
        Func<Tensor, Target, Tensor> Sal(Module m) => (x, t) => new Saliency(m).Attribute(x, t);
        yield return C(sm, "null-explain", () => SensitivityMax.Compute((Func<Tensor, Target, Tensor>)null!, M.X(), 0), Expect.Null("explain"));
        yield return C(sm, "null-inputs", () => SensitivityMax.Compute(Sal(M.Mlp()), null!, 0), Expect.Null("inputs"));
        yield return C(sm, "disposed-inputs", () => SensitivityMax.Compute(Sal(M.Mlp()), M.Dead(M.X()), 0), Expect.Disposed("inputs"));
        yield return C(sm, "empty-batch", () => SensitivityMax.Compute(Sal(M.Mlp()), zeros(0, 4), 0), Expect.Error("inputs", "empty"));
        yield return C(sm, "NaN-inputs", () => SensitivityMax.Compute(Sal(M.Mlp()), M.WithNaN(M.X()), 0), Expect.Error("inputs", "NaN"));
        yield return C(sm, "radius-negative", () => SensitivityMax.Compute(Sal(M.Mlp()), M.X(), 0, perturbRadius: -0.1), Expect.Error("perturbRadius", "-0.1"));
        yield return C(sm, "radius-NaN", () => SensitivityMax.Compute(Sal(M.Mlp()), M.X(), 0, perturbRadius: double.NaN), Expect.Error("perturbRadius", "NaN"));
        yield return C(sm, "nPerturbSamples-0", () => SensitivityMax.Compute(Sal(M.Mlp()), M.X(), 0, nPerturbSamples: 0), Expect.Error("nPerturbSamples", "0"));
        yield return C(sm, "nPerturbSamples-huge", () => SensitivityMax.Compute(Sal(M.Mlp()), M.X(), 0, nPerturbSamples: int.MaxValue), Expect.Error("nPerturbSamples", "2147483647"));
        yield return C(sm, "normOrder-NaN", () => SensitivityMax.Compute(Sal(M.Mlp()), M.X(), 0, normOrder: double.NaN), Expect.Error("normOrder", "NaN"));
        yield return C(sm, "normOrder-0", () => SensitivityMax.Compute(Sal(M.Mlp()), M.X(), 0, normOrder: 0), Expect.Error("normOrder", "0"));
        yield return C(sm, "maxExamplesPerBatch-0", () => SensitivityMax.Compute(Sal(M.Mlp()), M.X(), 0, maxExamplesPerBatch: 0), Expect.Error("maxExamplesPerBatch", "0"));
        yield return C(sm, "explain-returns-NaN", () => SensitivityMax.Compute((x, _) => full_like(x, double.NaN), M.X(), 0), Expect.Error("explain", "NaN"));
        yield return C(sm, "explain-returns-wrong-shape", () => SensitivityMax.Compute((_, _) => zeros(3), M.X(), 0), Expect.Error("explain", "[3]"));
        yield return C(sm, "explain-returns-null", () => SensitivityMax.Compute((_, _) => null!, M.X(), 0), Expect.Error("explain", "null"));
        yield return C(sm, "explain-throws", () => SensitivityMax.Compute((_, _) => throw new InvalidOperationException("explain bug 55aa"), M.X(), 0), Expect.Error("explain bug 55aa"));
        yield return C(sm, "perturb-returns-wrong-shape", () => SensitivityMax.Compute(Sal(M.Mlp()), M.X(), 0, perturb: _ => zeros(1)), Expect.Error("perturb", "[1]"));
        yield return C(sm, "class-out-of-range", () => SensitivityMax.Compute(Sal(M.Mlp()), M.X(), 3), Expect.Error("target|class", "3"));
        yield return C(sm, "valid", () => SensitivityMax.Compute(Sal(M.Mlp()), M.X(), 0, nPerturbSamples: 3), Expect.FiniteTensor(M.B));
        yield return C(sm, "no-target-overload-valid", () => SensitivityMax.Compute(x => x * 2, M.X(), nPerturbSamples: 3), Expect.FiniteTensor(M.B));
        yield return C(sm, "linear-saliency-is-zero", () => SensitivityMax.Compute(Sal(M.Lin()), M.X(), 0, nPerturbSamples: 3),
            Expect.Result("0: saliency of a linear model is constant", r => r is Tensor t && Verify.AllFinite(t) && t.abs().max().item<float>() < 1e-6 ? null : Evaluator.Describe(r)));
        yield return C("SensitivityMax.UniformNoise", "radius-negative", () => SensitivityMax.UniformNoise(-1), Expect.Error("radius", "-1"));
        yield return C("SensitivityMax.UniformNoise", "radius-NaN", () => SensitivityMax.UniformNoise(double.NaN), Expect.Error("radius", "NaN"));
        // Explainer.Explain: every method enum, hostile inputs.
        foreach (var method in Enum.GetValues<AttributionMethod>())
        {
            var needsBg = method is AttributionMethod.ExpectedGradients or AttributionMethod.GradientShap or AttributionMethod.DeepLiftShap;
            Tensor? Bg() => needsBg ? randn(5, 4) : null;
            yield return C("Explainer.Explain", $"{method}-valid", () => Explainer.Explain(M.Mlp(), M.X(), 0, method, Bg()), Expect.FiniteTensor(M.B, M.In));
            yield return C("Explainer.Explain", $"{method}-NaN-inputs", () => Explainer.Explain(M.Mlp(), M.WithNaN(M.X()), 0, method, Bg()), Expect.Error("NaN"));
            yield return C("Explainer.Explain", $"{method}-disposed-model", () => Explainer.Explain(M.Disposed(), M.X(), 0, method, Bg()), Expect.Disposed("model"));
            // The propagation methods follow the model's forward through the decomposition rules: an opaque function-module has none.
            var propagates = method is AttributionMethod.DeepLift or AttributionMethod.DeepLiftShap or AttributionMethod.Lrp or AttributionMethod.GuidedBackprop or AttributionMethod.Deconvolution;
            yield return C("Explainer.Explain", $"{method}-model-returns-NaN", () => Explainer.Explain(M.NanOut(), M.X(), 0, method, Bg()), propagates ? Expect.Error("no rule", "model") : Expect.Error("output", "NaN"));
            if (needsBg) yield return C("Explainer.Explain", $"{method}-missing-background", () => Explainer.Explain(M.Mlp(), M.X(), 0, method), Expect.Error("background"));
        }
        yield return C("Explainer.Explain", "method-undefined", () => Explainer.Explain(M.Mlp(), M.X(), 0, (AttributionMethod)99), Expect.Error("method", "99"));
        yield return C("Explainer.Explain", "null-model", () => Explainer.Explain(null!, M.X(), 0, AttributionMethod.Saliency), Expect.Null("model"));
    }
}
