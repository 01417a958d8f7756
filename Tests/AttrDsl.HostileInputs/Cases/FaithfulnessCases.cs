using AttrDsl.Attribution;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace AttrDsl.HostileInputs;

/// <summary>The faithfulness metrics: Deletion, Insertion, Road, ParameterRandomization, Sparseness, Complexity, ExplanationAssert.</summary>
public static class FaithfulnessCases
{
    public const string Area = "faithfulness";

    private static Case C(string entry, string name, Func<object?> action, Expectation e) => new(Area, entry, name, action, e);

    private static Expectation Doubles(int count, Func<double, bool>? check = null, string what = "finite values") =>
        Expect.Result($"{count} {what}", r => r is double[] v && v.Length == count && v.All(double.IsFinite) && (check is null || v.All(check)) ? null : Evaluator.Describe(r));

    private static Expectation Curve(string kind, int points) =>
        Expect.Result($"{kind} curve of {points} points per sample, area in [0, 1]", r =>
            r is PerturbationCurve c && c.Kind == kind && c.Fractions.Count == points && c.Scores.All(s => s.Count == points && s.All(v => v is >= 0 and <= 1))
            && c.Areas.All(a => a is >= 0 and <= 1) ? null : Evaluator.Describe(r));

    private static Expectation Passed() => Expect.Result("returns quietly", r => r is null ? null : Evaluator.Describe(r));

    /// <summary>Two 4×4 one-channel images and the Conv model of the kit (3 classes).</summary>
    private static Tensor Img() => M.Img();

    public static IEnumerable<Case> All()
    {
        foreach (var (entry, run) in new (string, Func<Tensor, Tensor, Target, int, Tensor?, Tensor?, CurveScore, int?, CancellationToken, object?>)[]
        {
            ("Deletion.Compute", (x, a, t, k, b, m, s, c, ct) => Deletion.Compute(M.Mlp(), x, a, t, k, b, m, s, c, ct)),
            ("Insertion.Compute", (x, a, t, k, b, m, s, c, ct) => Insertion.Compute(M.Mlp(), x, a, t, k, b, m, s, c, ct)),
        })
        {
            var kind = entry.StartsWith("Deletion", StringComparison.Ordinal) ? "deletion" : "insertion";
            object? R(Tensor? x = null, Tensor? a = null, Target? t = null, int k = 4, Tensor? b = null, Tensor? m = null, CurveScore s = CurveScore.Probability, int? c = null, CancellationToken ct = default)
            {
                var xs = x ?? M.X();
                return run(xs, a ?? randn_like(xs), t ?? 0, k, b, m, s, c, ct);
            }
            yield return C(entry, "cancelled-token", () => R(ct: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
            yield return C(entry, "null-inputs", () => run(null!, M.X(), 0, 4, null, null, CurveScore.Probability, null, default), Expect.Null("inputs"));
            yield return C(entry, "null-attributions", () => run(M.X(), null!, 0, 4, null, null, CurveScore.Probability, null, default), Expect.Null("attributions"));
            yield return C(entry, "null-target", () => run(M.X(), M.X(), null!, 4, null, null, CurveScore.Probability, null, default), Expect.Null("target"));
            yield return C(entry, "disposed-inputs", () => R(M.Dead(M.X()), M.X()), Expect.Disposed("inputs"));
            yield return C(entry, "disposed-attributions", () => R(M.X(), M.Dead(M.X())), Expect.Disposed("attributions"));
            yield return C(entry, "empty-batch", () => R(zeros(0, 4), zeros(0, 4)), Expect.Error("inputs", "empty"));
            yield return C(entry, "NaN-inputs", () => R(M.WithNaN(M.X())), Expect.Error("inputs", "NaN"));
            yield return C(entry, "NaN-attributions", () => R(M.X(), M.WithNaN(M.X())), Expect.Error("attributions", "NaN"));
            yield return C(entry, "attributions-wrong-shape", () => R(M.X(), zeros(2, 5)), Expect.Error("attributions", "[2, 5]"));
            yield return C(entry, "int64-inputs", () => R(randint(0, 3, [2, 4]), M.X()), Expect.Error("inputs", "Int64|integer|floating"));
            yield return C(entry, "steps-0", () => R(k: 0), Expect.Error("steps", "0"));
            yield return C(entry, "steps-huge", () => R(k: int.MaxValue), Expect.Error("steps", "2147483647"));
            yield return C(entry, "baseline-wrong-shape", () => R(b: zeros(3)), Expect.Error("[3]"));
            yield return C(entry, "baseline-NaN", () => R(b: full(4, double.NaN)), Expect.Error("NaN"));
            yield return C(entry, "featureMask-float", () => R(m: zeros(4)), Expect.Error("featureMask", "int64"));
            yield return C(entry, "featureMask-negative", () => R(m: tensor(new long[] { 0, -1, 0, 1 })), Expect.Error("featureMask", "-1"));
            yield return C(entry, "score-undefined", () => R(s: (CurveScore)7), Expect.Error("score", "7"));
            yield return C(entry, "maxExamplesPerBatch-0", () => R(c: 0), Expect.Error("maxExamplesPerBatch", "0"));
            yield return C(entry, "class-out-of-range", () => R(t: 3), Expect.Error("target|class", "3"));
            yield return C(entry, "per-sample-wrong-length", () => R(t: tensor(new long[] { 0, 1, 2 })), Expect.Error("target", "3"));
            yield return C(entry, "valid", () => R(), Curve(kind, 5));
            yield return C(entry, "valid-feature-groups", () => R(m: tensor(new long[] { 0, 0, 1, 1 }), c: 3), Curve(kind, 5));
            yield return C(entry, "batch-of-one", () => R(M.X(1)), Curve(kind, 5));
        }
        yield return C("Deletion.Compute", "null-model", () => Deletion.Compute((Module)null!, M.X(), M.X(), 0), Expect.Null("model"));
        yield return C("Deletion.Compute", "null-forward", () => Deletion.Compute((Func<Tensor, Tensor>)null!, M.X(), M.X(), 0), Expect.Null("forward"));
        yield return C("Deletion.Compute", "model-returns-NaN", () => Deletion.Compute(M.NanOut(), M.X(), M.X(), 1, score: CurveScore.Logit), Expect.Error("output", "NaN"));
        yield return C("Deletion.Compute", "model-first-linear-mismatch", () => Deletion.Compute(M.WrongIn(), M.X(), M.X(), 0), Expect.Error("fc1", "7"));
        yield return C("Deletion.Compute", "probability-of-scalar-output", () => Deletion.Compute(x => x.sum(1), M.X(), M.X(), Target.Output), Expect.Error("CurveScore.Logit"));
        yield return C("Insertion.Compute", "null-model", () => Insertion.Compute((Module)null!, M.X(), M.X(), 0), Expect.Null("model"));
        yield return C("Insertion.Compute", "disposed-model", () => Insertion.Compute(M.Disposed(), M.X(), M.X(), 0), Expect.Disposed("model"));
        const string blur = "Insertion.BlurredStart";
        yield return C(blur, "null-images", () => Insertion.BlurredStart(null!), Expect.Null("images"));
        yield return C(blur, "not-images", () => Insertion.BlurredStart(M.X()), Expect.Error("images", "[B, C, H, W]"));
        yield return C(blur, "sigma-0", () => Insertion.BlurredStart(Img(), 0), Expect.Error("sigma", "0"));
        yield return C(blur, "sigma-NaN", () => Insertion.BlurredStart(Img(), double.NaN), Expect.Error("sigma", "NaN"));
        yield return C(blur, "NaN-images", () => Insertion.BlurredStart(M.WithNaN(Img())), Expect.Error("images", "NaN"));
        yield return C(blur, "valid", () => Insertion.BlurredStart(Img(), 1), Expect.FiniteTensor(M.B, 1, 4, 4));

        const string road = "Road.Compute";
        object? Rd(Tensor? x = null, Tensor? a = null, Target? t = null, IReadOnlyList<double>? p = null, double noise = 0.01, CurveScore s = CurveScore.Probability, int? c = null, CancellationToken ct = default)
        {
            var xs = x ?? Img();
            return Road.Compute(M.Conv(), xs, a ?? randn_like(xs), t ?? 0, p, noise, s, c, ct);
        }
        Expectation RoadValid(int q) => Expect.Result($"ROAD result with {q} percentages, probabilities in [0, 1]", r =>
            r is RoadResult rr && rr.Percentages.Count == q && rr.MostRelevantFirst.All(v => v.Count == q && v.All(e => e is >= 0 and <= 1))
            && rr.LeastRelevantFirst.All(v => v.Count == q && v.All(e => e is >= 0 and <= 1)) ? null : Evaluator.Describe(r));
        yield return C(road, "cancelled-token", () => Rd(ct: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        yield return C(road, "null-model", () => Road.Compute((Module)null!, Img(), Img(), 0), Expect.Null("model"));
        yield return C(road, "null-forward", () => Road.Compute((Func<Tensor, Tensor>)null!, Img(), Img(), 0), Expect.Null("forward"));
        yield return C(road, "null-inputs", () => Road.Compute(M.Conv(), null!, Img(), 0), Expect.Null("inputs"));
        yield return C(road, "null-attributions", () => Road.Compute(M.Conv(), Img(), null!, 0), Expect.Null("attributions"));
        yield return C(road, "null-target", () => Road.Compute(M.Conv(), Img(), Img(), null!), Expect.Null("target"));
        yield return C(road, "disposed-inputs", () => Rd(M.Dead(Img()), Img()), Expect.Disposed("inputs"));
        yield return C(road, "not-images", () => Rd(M.X(), M.X()), Expect.Error("inputs", "[B, C, H, W]"));
        yield return C(road, "NaN-inputs", () => Rd(M.WithNaN(Img())), Expect.Error("inputs", "NaN"));
        yield return C(road, "NaN-attributions", () => Rd(Img(), M.WithNaN(Img())), Expect.Error("attributions", "NaN"));
        yield return C(road, "attributions-wrong-shape", () => Rd(Img(), zeros(2, 1, 4, 5)), Expect.Error("attributions", "[2, 1, 4, 5]"));
        yield return C(road, "percentages-empty", () => Rd(p: []), Expect.Error("percentages", "empty"));
        yield return C(road, "percentage-above-1", () => Rd(p: [0.5, 20]), Expect.Error("percentages", "20"));
        yield return C(road, "percentage-NaN", () => Rd(p: [double.NaN]), Expect.Error("percentages", "NaN"));
        yield return C(road, "noise-negative", () => Rd(noise: -0.1), Expect.Error("noise", "-0.1"));
        yield return C(road, "noise-infinite", () => Rd(noise: double.PositiveInfinity), Expect.Error("noise", "∞|Infinity"));
        yield return C(road, "score-undefined", () => Rd(s: (CurveScore)9), Expect.Error("score", "9"));
        yield return C(road, "maxExamplesPerBatch-0", () => Rd(c: 0), Expect.Error("maxExamplesPerBatch", "0"));
        yield return C(road, "class-out-of-range", () => Rd(t: 3), Expect.Error("target|class", "3"));
        yield return C(road, "valid", () => Rd(), RoadValid(9));
        yield return C(road, "valid-chunked-logit", () => Rd(p: [0, 0.5, 1], s: CurveScore.Logit, c: 2),
            Expect.Result("3 finite logits per order", r => r is RoadResult rr && rr.MostRelevantFirst.All(v => v.Count == 3 && v.All(double.IsFinite)) ? null : Evaluator.Describe(r)));
        const string impute = "Road.Impute";
        Tensor Mask() => rand(M.B, 1, 4, 4).lt(0.5);
        yield return C(impute, "null-images", () => Road.Impute(null!, Mask()), Expect.Null("images"));
        yield return C(impute, "null-removed", () => Road.Impute(Img(), null!), Expect.Null("removed"));
        yield return C(impute, "removed-float", () => Road.Impute(Img(), zeros(M.B, 1, 4, 4)), Expect.Error("removed", "bool"));
        yield return C(impute, "removed-wrong-shape", () => Road.Impute(Img(), ones(M.B, 1, 3, 4, dtype: ScalarType.Bool)), Expect.Error("removed", "[2, 1, 3, 4]"));
        yield return C(impute, "disposed-removed", () => Road.Impute(Img(), M.Dead(Mask())), Expect.Disposed("removed"));
        yield return C(impute, "NaN-images", () => Road.Impute(M.WithNaN(Img()), Mask()), Expect.Error("images", "NaN"));
        yield return C(impute, "noise-NaN", () => Road.Impute(Img(), Mask(), double.NaN), Expect.Error("noise", "NaN"));
        yield return C(impute, "valid", () => Road.Impute(Img(), Mask()), Expect.FiniteTensor(M.B, 1, 4, 4));
        yield return C(impute, "constant-image-stays-constant", () => Road.Impute(full(1, 2, 5, 5, 0.3), rand(1, 1, 5, 5).lt(0.6), 0),
            Expect.Result("0.3 everywhere", r => r is Tensor t && t.sub(0.3).abs().max().item<float>() < 1e-5 ? null : Evaluator.Describe(r)));

        const string pr = "ParameterRandomization.Run";
        static Tensor Sal(Module m, Tensor x, Target t) => new Saliency(m).Attribute(x, t);
        object? P(Module? model = null, Func<Module>? create = null, Func<Module, Tensor, Target, Tensor>? explain = null, Tensor? x = null, Target? t = null,
            IReadOnlyList<string>? layers = null, double threshold = 0.5, RandomizationMeasure measure = RandomizationMeasure.SpearmanAbsolute, CancellationToken ct = default) =>
            ParameterRandomization.Run(model ?? M.Mlp(), create ?? (() => M.Mlp()), explain ?? Sal, x ?? M.X(), t ?? 0, layers, 0, threshold, measure, ct);
        yield return C(pr, "cancelled-token", () => P(ct: AttributionCases.CancelledToken()), Expect.Error<OperationCanceledException>("cancel"));
        yield return C(pr, "null-model", () => ParameterRandomization.Run(null!, () => M.Mlp(), Sal, M.X(), 0), Expect.Null("model"));
        yield return C(pr, "null-createModel", () => ParameterRandomization.Run(M.Mlp(), null!, Sal, M.X(), 0), Expect.Null("createModel"));
        yield return C(pr, "null-explain", () => ParameterRandomization.Run(M.Mlp(), () => M.Mlp(), null!, M.X(), 0), Expect.Null("explain"));
        yield return C(pr, "null-inputs", () => ParameterRandomization.Run(M.Mlp(), () => M.Mlp(), Sal, null!, 0), Expect.Null("inputs"));
        yield return C(pr, "null-target", () => ParameterRandomization.Run(M.Mlp(), () => M.Mlp(), Sal, M.X(), null!), Expect.Null("target"));
        yield return C(pr, "disposed-model", () => P(M.Disposed()), Expect.Disposed("model"));
        yield return C(pr, "NaN-inputs", () => P(x: M.WithNaN(M.X())), Expect.Error("inputs", "NaN"));
        yield return C(pr, "empty-batch", () => P(x: zeros(0, 4)), Expect.Error("inputs", "empty"));
        yield return C(pr, "threshold-NaN", () => P(threshold: double.NaN), Expect.Error("threshold", "NaN"));
        yield return C(pr, "threshold-above-1", () => P(threshold: 2), Expect.Error("threshold", "2"));
        yield return C(pr, "measure-undefined", () => P(measure: (RandomizationMeasure)5), Expect.Error("measure", "5"));
        yield return C(pr, "ssim-of-vectors", () => P(measure: RandomizationMeasure.Ssim), Expect.Error("measure", "Ssim"));
        yield return C(pr, "layers-empty", () => P(layers: []), Expect.Error("layers", "empty"));
        yield return C(pr, "layers-unknown", () => P(layers: ["fc9"]), Expect.Error("layers", "fc9", "fc1"));
        yield return C(pr, "layers-parameterless", () => P(layers: ["relu"]), Expect.Error("layers", "relu"));
        yield return C(pr, "layers-twice", () => P(layers: ["fc2", "fc2"]), Expect.Error("layers", "twice"));
        yield return C(pr, "createModel-returns-null", () => P(create: () => null!), Expect.Error("createModel", "null"));
        yield return C(pr, "createModel-returns-the-model", () => { var m = M.Mlp(); return P(m, () => m); }, Expect.Error("createModel", "itself"));
        yield return C(pr, "createModel-shares-layers", () => { var m = M.Mlp(); return P(m, () => nn.Sequential(m.named_children().Select(c => (c.name, (Module)c.module)).ToArray())); },
            Expect.Error("createModel", "shares"));
        yield return C(pr, "createModel-other-architecture", () => P(create: () => M.Lin()), Expect.Error("createModel", "architecture"));
        yield return C(pr, "explain-returns-null", () => P(explain: (_, _, _) => null!), Expect.Error("explain", "null"));
        yield return C(pr, "explain-returns-NaN", () => P(explain: (_, x, _) => full_like(x, double.NaN)), Expect.Error("explain", "NaN"));
        yield return C(pr, "explain-returns-wrong-rows", () => P(explain: (_, _, _) => zeros(5, 4)), Expect.Error("explain", "[5, 4]"));
        yield return C(pr, "explain-throws", () => P(explain: (_, _, _) => throw new InvalidOperationException("explain bug 91ce")), Expect.Error("explain bug 91ce"));
        yield return C(pr, "no-parameterised-layers", () => P(nn.Sequential(("relu", nn.ReLU())), () => nn.Sequential(("relu", nn.ReLU())), (_, x, _) => x * 1),
            Expect.Error("model", "nothing to randomise"));
        yield return C(pr, "valid", () => P(),
            Expect.Result("2 steps (fc2, fc1) with finite similarities in [−1, 1]", r => r is RandomizationResult rr && rr.Steps.Select(s => s.Layer).SequenceEqual(["fc2", "fc1"])
                && rr.Steps.All(s => s.SpearmanAbsolute is >= -1 and <= 1 && s.SpearmanSigned is >= -1 and <= 1 && double.IsNaN(s.Ssim)) ? null : Evaluator.Describe(r)));
        yield return C(pr, "valid-images-ssim", () => P(M.Conv(), () => M.Conv(), x: Img(), measure: RandomizationMeasure.Ssim),
            Expect.Result("SSIM in [−1, 1] for every step", r => r is RandomizationResult rr && rr.Steps.Count == 2 && rr.Steps.All(s => s.Ssim is >= -1 and <= 1) ? null : Evaluator.Describe(r)));
        yield return C(pr, "model-ignoring-explanation-fails", () => P(explain: (_, x, _) => x * 1),
            Expect.Result("Passes false, every similarity 1", r => r is RandomizationResult rr && !rr.Passes && rr.Steps.All(s => s.SpearmanAbsolute == 1 && s.SpearmanSigned == 1) ? null : Evaluator.Describe(r)));
        yield return C("ParameterRandomization.Layers", "null-model", () => ParameterRandomization.Layers(null!), Expect.Null("model"));
        yield return C("ParameterRandomization.Layers", "disposed-model", () => ParameterRandomization.Layers(M.Disposed()), Expect.Disposed("model"));
        yield return C("ParameterRandomization.Layers", "valid", () => ParameterRandomization.Layers(M.Mlp()),
            Expect.Result("fc2, fc1", r => r is IReadOnlyList<string> l && l.SequenceEqual(["fc2", "fc1"]) ? null : Evaluator.Describe(r)));
        yield return C("RandomizationStep.Of", "measure-undefined", () => new RandomizationStep("fc", 0.1, 0.2, 0.3).Of((RandomizationMeasure)4), Expect.Error("measure", "4"));
        yield return C("RandomizationStep.Of", "valid", () => new RandomizationStep("fc", 0.1, 0.2, 0.3).Of(RandomizationMeasure.SpearmanSigned),
            Expect.Result("0.2", r => r is double d && d == 0.2 ? null : Evaluator.Describe(r)));

        foreach (var (entry, compute, uniform) in new (string, Func<Tensor, double[]>, double)[] { ("Sparseness.Compute", Sparseness.Compute, 0), ("Complexity.Compute", Complexity.Compute, Math.Log(4)) })
        {
            yield return C(entry, "null-attributions", () => compute(null!), Expect.Null("attributions"));
            yield return C(entry, "disposed-attributions", () => compute(M.Dead(M.X())), Expect.Disposed("attributions"));
            yield return C(entry, "empty-batch", () => compute(zeros(0, 4)), Expect.Error("attributions", "empty"));
            yield return C(entry, "not-a-batch", () => compute(zeros(4)), Expect.Error("attributions", "[4]"));
            yield return C(entry, "NaN-attributions", () => compute(M.WithNaN(M.X())), Expect.Error("attributions", "NaN"));
            yield return C(entry, "Inf-attributions", () => compute(M.WithNaN(M.X(), double.PositiveInfinity)), Expect.Error("attributions", "Infinity|∞"));
            yield return C(entry, "int64-attributions", () => compute(ones(new long[] { 2, 4 }, ScalarType.Int64)), Expect.Error("attributions", "Int64|floating"));
            yield return C(entry, "valid", () => compute(M.X()), Doubles((int)M.B));
            yield return C(entry, "uniform-closed-form", () => compute(ones(3, 4)), Doubles(3, v => Math.Abs(v - uniform) < 1e-12, $"values {uniform}"));
            yield return C(entry, "all-zero", () => compute(zeros(2, 4)), Doubles(2, v => Math.Abs(v - uniform) < 1e-12, $"values {uniform} (read as uniform)"));
        }

        const string ea = "ExplanationAssert";
        PerturbationCurve Del() => Deletion.Compute(x => cat([x.sum(1, keepdim: true), zeros(x.size(0), 1)], 1), tensor(new float[] { 1, 2, 3, 4 }, [1, 4]), tensor(new float[] { 1, 2, 3, 4 }, [1, 4]), 0, steps: 4, score: CurveScore.Logit);
        PerturbationCurve Ins() => Insertion.Compute(x => cat([x.sum(1, keepdim: true), zeros(x.size(0), 1)], 1), tensor(new float[] { 1, 2, 3, 4 }, [1, 4]), tensor(new float[] { 1, 2, 3, 4 }, [1, 4]), 0, steps: 4, score: CurveScore.Logit);
        yield return C($"{ea}.DeletionAreaBelow", "null-curve", () => { ExplanationAssert.DeletionAreaBelow(null!, 1); return null; }, Expect.Null("curve"));
        yield return C($"{ea}.DeletionAreaBelow", "maximum-NaN", () => { ExplanationAssert.DeletionAreaBelow(Del(), double.NaN); return null; }, Expect.Error("maximum", "NaN"));
        yield return C($"{ea}.DeletionAreaBelow", "insertion-curve", () => { ExplanationAssert.DeletionAreaBelow(Ins(), 10); return null; }, Expect.Error("curve", "insertion"));
        yield return C($"{ea}.DeletionAreaBelow", "fails-with-numbers", () => { ExplanationAssert.DeletionAreaBelow(Del(), 3); return null; }, Expect.Error<ExplanationAssertionException>("3.7500", "not below 3"));
        yield return C($"{ea}.DeletionAreaBelow", "passes", () => { ExplanationAssert.DeletionAreaBelow(Del(), 4); return null; }, Passed());
        yield return C($"{ea}.InsertionAreaAbove", "null-curve", () => { ExplanationAssert.InsertionAreaAbove(null!, 1); return null; }, Expect.Null("curve"));
        yield return C($"{ea}.InsertionAreaAbove", "minimum-infinite", () => { ExplanationAssert.InsertionAreaAbove(Ins(), double.NegativeInfinity); return null; }, Expect.Error("minimum", "Infinity|∞"));
        yield return C($"{ea}.InsertionAreaAbove", "deletion-curve", () => { ExplanationAssert.InsertionAreaAbove(Del(), 0); return null; }, Expect.Error("curve", "deletion"));
        yield return C($"{ea}.InsertionAreaAbove", "fails-with-numbers", () => { ExplanationAssert.InsertionAreaAbove(Ins(), 7); return null; }, Expect.Error<ExplanationAssertionException>("6.2500", "not above 7"));
        yield return C($"{ea}.InsertionAreaAbove", "passes", () => { ExplanationAssert.InsertionAreaAbove(Ins(), 6); return null; }, Passed());
        yield return C($"{ea}.PassesRandomizationCheck", "null-result", () => { ExplanationAssert.PassesRandomizationCheck(null!); return null; }, Expect.Null("result"));
        yield return C($"{ea}.PassesRandomizationCheck", "fails-with-numbers", () => { ExplanationAssert.PassesRandomizationCheck((RandomizationResult)P(explain: (_, x, _) => x * 1)!); return null; },
            Expect.Error<ExplanationAssertionException>("1.000", "not below 0.5", "fc2"));
        yield return C($"{ea}.PassesRandomizationCheck", "identical-fails-even-at-threshold-1", () => { ExplanationAssert.PassesRandomizationCheck((RandomizationResult)P(explain: (_, x, _) => x * 1, threshold: 1)!); return null; },
            Expect.Error<ExplanationAssertionException>("not below 1"));
        yield return C($"{ea}.PassesRandomizationCheck", "passes", () =>
        {
            manual_seed(4);
            var net = nn.Sequential(("fc1", nn.Linear(16, 12)), ("relu", nn.ReLU()), ("fc2", nn.Linear(12, 3)));
            var x = randn(6, 16);
            ExplanationAssert.PassesRandomizationCheck(ParameterRandomization.Run(net, () => nn.Sequential(("fc1", nn.Linear(16, 12)), ("relu", nn.ReLU()), ("fc2", nn.Linear(12, 3))), Sal, x, 0, seed: 7));
            return null;
        }, Passed());
        yield return C("ExplanationAssertionException.ctor", "message-kept", () => new ExplanationAssertionException("area 0.7 not below 0.5").Message,
            Expect.Result("the message", r => r is "area 0.7 not below 0.5" ? null : Evaluator.Describe(r)));
        yield return C("ExplanationAssertionException.ctor", "inner-kept", () => new ExplanationAssertionException("outer", new InvalidOperationException("inner")).InnerException?.Message,
            Expect.Result("the inner message", r => r is "inner" ? null : Evaluator.Describe(r)));
        yield return C("ExplanationAssertionException.ctor", "default-message", () => new ExplanationAssertionException().Message,
            Expect.Result("a message", r => r is string s && s.Length > 0 ? null : Evaluator.Describe(r)));
    }
}
