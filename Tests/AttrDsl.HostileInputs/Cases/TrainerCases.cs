using AttrDsl.Priors;
using AttrDsl.Training;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace AttrDsl.HostileInputs;

/// <summary>AttributionPriorTrainer: constructor, Step and Fit.</summary>
public static class TrainerCases
{
    public const string Area = "trainer";

    private static Case C(string entry, string name, Func<object?> action, Expectation e) => new(Area, entry, name, action, e);

    private static Tensor Loss(Tensor o, Tensor y) => nn.functional.cross_entropy(o, y);

    private static AttributionPriorTrainer T(Module? m = null, double lr = 0.01, PriorTrainingOptions? o = null)
    {
        m ??= M.Mlp();
        return new AttributionPriorTrainer(m, Loss, optim.SGD(m.parameters(), lr), o ?? new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = randn(5, 4) });
    }

    private static Tensor Y() => tensor(new long[] { 0, 2 });

    public static IEnumerable<Case> All()
    {
        const string ctor = "AttributionPriorTrainer.ctor";
        yield return C(ctor, "null-model", () => new AttributionPriorTrainer(null!, Loss, optim.SGD(M.Mlp().parameters(), 0.1), new PriorTrainingOptions()), Expect.Null("model"));
        yield return C(ctor, "null-taskLoss", () => { var m = M.Mlp(); return new AttributionPriorTrainer(m, null!, optim.SGD(m.parameters(), 0.1), new PriorTrainingOptions()); }, Expect.Null("taskLoss"));
        yield return C(ctor, "null-optimizer", () => new AttributionPriorTrainer(M.Mlp(), Loss, null!, new PriorTrainingOptions()), Expect.Null("optimizer"));
        yield return C(ctor, "null-options", () => { var m = M.Mlp(); return new AttributionPriorTrainer(m, Loss, optim.SGD(m.parameters(), 0.1), null!); }, Expect.Null("options"));
        yield return C(ctor, "disposed-model", () => { var m = M.Mlp(); var opt = optim.SGD(m.parameters(), 0.1); m.Dispose(); return new AttributionPriorTrainer(m, Loss, opt, new PriorTrainingOptions()); }, Expect.Disposed("model"));
        yield return C(ctor, "disposed-background", () => T(o: new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = M.Dead(randn(5, 4)) }), Expect.Disposed("Background"));
        yield return C(ctor, "NaN-background", () => T(o: new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = M.WithNaN(randn(5, 4)) }), Expect.Error("Background", "NaN"));
        yield return C(ctor, "empty-background", () => T(o: new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = zeros(0, 4) }), Expect.Error("Background", "empty"));
        yield return C(ctor, "references-0", () => T(o: new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = randn(5, 4), References = 0 }), Expect.Error("References", "0"));
        yield return C(ctor, "warmup-negative", () => T(o: new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = randn(5, 4), WarmupEpochs = -1 }), Expect.Error("WarmupEpochs", "-1"));
        yield return C(ctor, "schedule-undefined", () => T(o: new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = randn(5, 4), Schedule = (PriorSchedule)9 }), Expect.Error("Schedule", "9"));
        yield return C(ctor, "source-undefined", () => T(o: new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = randn(5, 4), Source = (AttributionSource)9 }), Expect.Error("Source", "9"));
        yield return C(ctor, "null-prior-in-list", () => T(o: new PriorTrainingOptions { Priors = [null!], Background = randn(5, 4) }), Expect.Error("Priors", "null"));
        yield return C(ctor, "optimizer-of-another-model", () => new AttributionPriorTrainer(M.Mlp(), Loss, optim.SGD(M.Mlp().parameters(), 0.1), new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = randn(5, 4) }), Expect.Error("optimizer", "model|parameters"));
        yield return C("PriorTerm.ctor", "lambda-0", () => new PriorTerm(new L1Attribution(), 0), Expect.Error("Lambda", "0"));
        yield return C("PriorTerm.ctor", "lambda-NaN", () => new PriorTerm(new L1Attribution(), double.NaN), Expect.Error("Lambda", "NaN"));
        yield return C("PriorTerm.ctor", "null-prior", () => new PriorTerm(null!, 0.1), Expect.Null("Prior"));
        yield return C("PenaltyTerm.ctor", "lambda-negative", () => new PenaltyTerm(new AttrDsl.Decomposition.Penalties.RrrPenalty(), -1), Expect.Error("Lambda", "-1"));
        yield return C("PenaltyTerm.ctor", "null-penalty", () => new PenaltyTerm(null!, 1), Expect.Null("Penalty"));
        yield return C("PriorTrainingOptions.ctor", "defaults", () => new PriorTrainingOptions().References, Expect.Result("1", r => r is 1 ? null : $"{r}"));
        yield return C("TrainingDivergedException.ctor", "null-message", () => new TrainingDivergedException(null!).Message, Expect.Completes());

        const string step = "AttributionPriorTrainer.Step";
        yield return C(step, "null-x", () => T().Step(null!, Y()), Expect.Null("x"));
        yield return C(step, "null-y", () => T().Step(M.X(), null!), Expect.Null("y"));
        yield return C(step, "disposed-x", () => T().Step(M.Dead(M.X()), Y()), Expect.Disposed("x"));
        yield return C(step, "disposed-y", () => T().Step(M.X(), M.Dead(Y())), Expect.Disposed("y"));
        yield return C(step, "empty-batch", () => T().Step(zeros(0, 4), zeros(new long[] { 0 }, int64)), Expect.Error("x", "empty"));
        yield return C(step, "NaN-x", () => T().Step(M.WithNaN(M.X()), Y()), Expect.Error("x", "NaN"));
        yield return C(step, "Inf-x", () => T().Step(M.WithNaN(M.X(), double.PositiveInfinity), Y()), Expect.Error("x", "∞|inf"));
        yield return C(step, "int64-x", () => T().Step(randint(0, 3, [2, 4]), Y()), Expect.Error("x", "Int64|integer|floating"));
        yield return C(step, "labels-wrong-length", () => T().Step(M.X(), tensor(new long[] { 0, 1, 2 })), Expect.Error("y", "3"));
        yield return C(step, "label-out-of-range", () => T().Step(M.X(), tensor(new long[] { 0, 7 })), Expect.Error("y", "7"));
        yield return C(step, "label-negative", () => T().Step(M.X(), tensor(new long[] { 0, -1 })), Expect.Error("y", "-1"));
        yield return C(step, "float-labels", () => T().Step(M.X(), tensor(new float[] { 0, 1 })), Expect.Error("y", "Float32|float|integer|int64"));
        // With expected gradients the inputs are checked against the background's sample shape before the model runs.
        yield return C(step, "x-wrong-features", () => T().Step(randn(2, 7), Y()), Expect.Error("x", "[7]"));
        yield return C(step, "model-NaN-weight", () => T(M.NanWeight()).Step(M.X(), Y()), Expect.Error("NaN"));
        yield return C(step, "model-returns-NaN", () => T(M.NanOut()).Step(M.X(), Y()), Expect.Error("output", "NaN"));
        yield return C(step, "lr-NaN", () => T(lr: double.NaN).Step(M.X(), Y()), Expect.Error("NaN", "learning rate|lr"));
        yield return C(step, "lr-huge-diverges", () => { var t = T(lr: 1e30); for (var i = 0; i < 5; i++) t.Step(M.X() * 100, Y()); return "ok"; }, Expect.Error<TrainingDivergedException>("loss|NaN|diverged"));
        yield return C(step, "model-disposed-after-construction", () => { var m = M.Mlp(); var t = T(m); m.Dispose(); return t.Step(M.X(), Y()); }, Expect.Disposed("model"));
        yield return C(step, "penalty-options-without-mask", () => T(o: new PriorTrainingOptions { Penalties = [new PenaltyTerm(new AttrDsl.Decomposition.Penalties.RrrPenalty(), 1)] }).Step(M.X(), Y()), Expect.Error("mask"));
        yield return C(step, "mask-wrong-shape", () => T(o: new PriorTrainingOptions { Penalties = [new PenaltyTerm(new AttrDsl.Decomposition.Penalties.RrrPenalty(), 1)] }).Step(M.X(), Y(), ones(2, 5)), Expect.Error("mask", "[2, 5]"));
        yield return C(step, "mask-NaN", () => T(o: new PriorTrainingOptions { Penalties = [new PenaltyTerm(new AttrDsl.Decomposition.Penalties.RrrPenalty(), 1)] }).Step(M.X(), Y(), M.WithNaN(ones(2, 4))), Expect.Error("mask", "NaN"));
        yield return C(step, "mask-null", () => T().Step(M.X(), Y(), null!), Expect.Null("mask"));
        yield return C(step, "prior-wrong-sample-shape", () => T(o: new PriorTrainingOptions { Priors = [new PriorTerm(new TotalVariation(), 0.1)], Background = randn(5, 4) }).Step(M.X(), Y()), Expect.Error("total variation|TotalVariation", "[4]"));
        yield return C(step, "valid", () => T().Step(M.X(), Y()).TaskLoss, Expect.Result("finite loss", r => r is double d && double.IsFinite(d) ? null : $"{r}"));
        yield return C(step, "batch-of-one", () => T().Step(M.X(1), tensor(new long[] { 1 })).TaskLoss, Expect.Result("finite loss", r => r is double d && double.IsFinite(d) ? null : $"{r}"));
        yield return C(step, "epoch-negative", () => T().Step(M.X(), Y(), -1), Expect.Error("epoch", "-1"));

        const string fit = "AttributionPriorTrainer.Fit";
        yield return C(fit, "null-batches", () => T().Fit((IEnumerable<(Tensor, Tensor)>)null!, 1), Expect.Null("batches"));
        yield return C(fit, "epochs-0", () => T().Fit([(M.X(), Y())], 0), Expect.Error("epochs", "0"));
        yield return C(fit, "epochs-negative", () => T().Fit([(M.X(), Y())], -3), Expect.Error("epochs", "-3"));
        yield return C(fit, "no-batches", () => T().Fit(Array.Empty<(Tensor, Tensor)>(), 1), Expect.Error("batches", "empty|no batches"));
        yield return C(fit, "disposed-batch", () => T().Fit([(M.Dead(M.X()), Y())], 1), Expect.Disposed("x|Inputs|batch"));
        yield return C(fit, "NaN-in-second-batch", () => T().Fit([(M.X(), Y()), (M.WithNaN(M.X()), Y())], 1), Expect.Error("NaN", "x|Inputs|batch"));
        yield return C(fit, "batches-throw", () => T().Fit(Throwing(), 1), Expect.Error("batch source bug 0f0f"));
        yield return C(fit, "valid", () => T().Fit([(M.X(), Y()), (M.X(), Y())], 2).Count, Expect.Result("2 epochs", r => r is 2 ? null : $"{r}"));
        yield return C(fit, "masked-null-batches", () => T().Fit((IEnumerable<(Tensor, Tensor, Tensor)>)null!, 1), Expect.Null("batches"));
        yield return C(fit, "cancelled-token", () => T().Fit([(M.X(), Y())], 2, null, new CancellationToken(canceled: true)), Expect.Error<OperationCanceledException>("cancel"));
        yield return C(fit, "masked-cancelled-token", () => T().Fit([(M.X(), Y(), ones(2, 4))], 1, null, new CancellationToken(canceled: true)), Expect.Error<OperationCanceledException>("cancel"));
        yield return C(fit, "cancelled-from-progress", () =>
        {
            using var source = new CancellationTokenSource();
            var steps = 0;
            T().Fit([(M.X(), Y()), (M.X(), Y())], 3, new Reported(_ => { if (++steps == 3) source.Cancel(); }), source.Token);
            return steps;
        }, Expect.Error<OperationCanceledException>("cancel"));
        yield return C(fit, "progress-every-step", () =>
        {
            var steps = new List<long>();
            T().Fit([(M.X(), Y()), (M.X(), Y())], 2, new Reported(p => steps.Add(p.Step)));
            return string.Join(",", steps);
        }, Expect.Result("1,2,1,2", r => r is "1,2,1,2" ? null : $"{r}"));
        yield return C(fit, "progress-throws", () => T().Fit([(M.X(), Y())], 1, new Reported(_ => throw new InvalidOperationException("progress bug 5e5e"))), Expect.Error("progress bug 5e5e"));

        const string shardStep = "AttributionPriorTrainer.StepShard";
        yield return C(shardStep, "shard-null", () => T().StepShard(M.X(), Y(), null!), Expect.Null("shard"));
        yield return C(shardStep, "shard-runs-past-global-batch", () => T().StepShard(M.X(), Y(), new BatchShard(3, 4)), Expect.Error("shard", "4"));
        yield return C(shardStep, "shard-disposed-x", () => T().StepShard(M.Dead(M.X()), Y(), new BatchShard(0, 2)), Expect.Disposed("x"));
        yield return C(shardStep, "shard-NaN-x", () => T().StepShard(M.WithNaN(M.X()), Y(), new BatchShard(0, 2)), Expect.Error("x", "NaN"));
        yield return C(step, "averager-global-batch", () => T(o: Parallel(new OneProcess())).Step(M.X(), Y()).TaskLoss, Expect.Result("finite loss", r => r is double d && double.IsFinite(d) ? null : $"{r}"));
        yield return C(step, "averager-batch-smaller-than-job", () => T(o: Parallel(new Pretend(3, 4))).Step(M.X(), Y()), Expect.Error("x", "at least 4"));
        yield return C(step, "averager-NaN-in-another-share", () => T(o: Parallel(new Pretend(0, 2))).Step(M.WithNaN(M.X()), Y()), Expect.Error("x", "NaN"));
        yield return C(step, "averager-out-of-step", () => T(o: Parallel(new Pretend(0, 2, skewStep: true))).Step(M.X(), Y()), Expect.Error<InvalidOperationException>("out of step", "rank 0"));
        yield return C(ctor, "averager-with-penalties", () => T(o: new PriorTrainingOptions { Penalties = [new PenaltyTerm(new AttrDsl.Decomposition.Penalties.RrrPenalty(), 1)], GradientAverager = new OneProcess() }), Expect.Error("penalties", "data-parallel"));
        yield return C(ctor, "averager-rank-outside-job", () => T(o: Parallel(new Pretend(2, 2))), Expect.Error("rank 2 of 2"));
        yield return C(shardStep, "shard-valid", () => T(o: new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = randn(5, 4), GradientAverager = new OneProcess() }).StepShard(M.X(), Y(), new BatchShard(0, 2)).TaskLoss, Expect.Result("finite loss", r => r is double d && double.IsFinite(d) ? null : $"{r}"));
        yield return C("BatchShard.ctor", "globalCount-0", () => new BatchShard(0, 0), Expect.Error("globalCount", "0"));
        yield return C("BatchShard.ctor", "offset-negative", () => new BatchShard(-1, 4), Expect.Error("offset", "-1"));
        yield return C("BatchShard.ctor", "offset-past-end", () => new BatchShard(4, 4), Expect.Error("offset", "4"));
        yield return C("BatchShard.Split", "size-0", () => BatchShard.Split(4, 0, 0), Expect.Error("size", "0"));
        yield return C("BatchShard.Split", "rank-outside", () => BatchShard.Split(4, 2, 2), Expect.Error("rank", "2"));
        yield return C("BatchShard.Split", "globalCount-0", () => BatchShard.Split(0, 0, 2), Expect.Error("globalCount", "0"));
        yield return C("BatchShard.Split", "unequal", () => { var (s, n) = BatchShard.Split(5, 1, 2); return $"{s!.Offset}+{n}"; }, Expect.Result("3+2", r => r is "3+2" ? null : $"{r}"));
        yield return C("BatchShard.Split", "more-ranks-than-samples", () => { var (s, n) = BatchShard.Split(2, 3, 4); return $"{s is null}/{n}"; }, Expect.Result("True/0", r => r is "True/0" ? null : $"{r}"));
        yield return C("Batches.ctor", "batchSize-0", () => new Data.Batches(M.X(), Y(), 0), Expect.Error("batchSize", "0"));
        yield return C("Batches.ctor", "labels-wrong-length", () => new Data.Batches(M.X(), tensor(new long[] { 0, 1, 2 }), 1), Expect.Error("labels", "3"));
        yield return C("Batches.ctor", "disposed-inputs", () => new Data.Batches(M.Dead(M.X()), Y(), 1), Expect.Disposed("inputs"));
        yield return C("Batches.GetEnumerator", "inputs-disposed-after-construction", () => { var x = M.X(); var b = new Data.Batches(x, Y(), 1); x.Dispose(); return b.Count(); }, Expect.Disposed("inputs"));
        yield return C("Batches.Rows", "parts-differ-in-rows", () => Data.Batches.Rows([M.X(), zeros(3)], 1, null).ToList(), Expect.Error("parts", "3"));
        yield return C("Batches.Rows", "batchSize-0", () => Data.Batches.Rows([M.X()], 0, null).ToList(), Expect.Error("batchSize", "0"));
        yield return C("ExplainableState.ctor", "references-0", () => new ExplainableState(0, TargetSelection.Label), Expect.Error("references", "0"));
        yield return C("ExplainableState.UseBackground", "NaN", () => { new ExplainableState(1, TargetSelection.Label).UseBackground(M.WithNaN(randn(5, 4))); return "ok"; }, Expect.Error("background", "NaN"));
        yield return C("ExplainableState.UseBackground", "disposed", () => { new ExplainableState(1, TargetSelection.Label).UseBackground(M.Dead(randn(5, 4))); return "ok"; }, Expect.Disposed("background"));
        yield return C("ExplainableState.Forward", "disposed-model", () => new ExplainableState(1, TargetSelection.Label).Forward(M.Disposed(), M.X()), Expect.Disposed("model"));
        yield return C("ExplainableState.ExpectedGradients", "without-background", () => { var s = new ExplainableState(1, TargetSelection.Label); var m = M.Mlp(); return s.ExpectedGradients(m, s.Forward(m, M.X()), Y()); }, Expect.Error("background", "UseBackground"));
        yield return C("ExplainableState.UseGradientAverager", "one-process-then-train", () =>
        {
            var m = M.Mlp();
            var s = new ExplainableState(1, TargetSelection.Label);
            s.UseBackground(randn(5, 4));
            s.UseGradientAverager(new OneProcess(), referenceSeed: 3);
            return s.Trainer(m, optim.SGD(m.parameters(), 0.1), [new PriorTerm(new L1Attribution(), 0.1)], PriorSchedule.Summed).Step(M.X(), Y()).TaskLoss;
        }, Expect.Result("finite loss", r => r is double d && double.IsFinite(d) ? null : $"{r}"));
        yield return C("ExplainableState.UseGradientAverager", "with-penalty-free-priors-and-bad-rank", () =>
        {
            var m = M.Mlp();
            var s = new ExplainableState(1, TargetSelection.Label);
            s.UseBackground(randn(5, 4));
            s.UseGradientAverager(new Pretend(5, 2));
            return s.Trainer(m, optim.SGD(m.parameters(), 0.1), [new PriorTerm(new L1Attribution(), 0.1)], PriorSchedule.Summed);
        }, Expect.Error("rank 5 of 2"));
        yield return C("ExplainableState.Trainer", "null-priors", () => { var m = M.Mlp(); return new ExplainableState(1, TargetSelection.Label).Trainer(m, optim.SGD(m.parameters(), 0.1), null!, PriorSchedule.Summed); }, Expect.Null("priors"));
        yield return C("Allocator.TuneAllocator", "negative-threshold", () => Performance.Allocator.TuneAllocator(-1), Expect.Error("threshold", "-1"));
        yield return C("Allocator.Trim", "completes", () => Performance.Allocator.Trim(), Expect.Completes());
    }

    /// <summary>A job of one process: averaging leaves every buffer as it is.</summary>
    private sealed class OneProcess : IGradientAverager
    {
        public int Rank => 0;
        public int Size => 1;
        public void AverageInPlace(Span<float> buffer) { }
        public void AverageInPlace(Span<double> buffer) { }
        public void BroadcastInPlace(Span<float> buffer) { }
        public void BroadcastInPlace(Span<double> buffer) { }
    }

    private static PriorTrainingOptions Parallel(IGradientAverager averager) =>
        new() { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = randn(5, 4), GradientAverager = averager };

    /// <summary>
    /// Rank <paramref name="rank"/> of a job of <paramref name="size"/> whose other processes hold the same buffers (so
    /// averaging changes nothing) — or, with <paramref name="skewStep"/>, one whose other processes are a step ahead.
    /// </summary>
    private sealed class Pretend(int rank, int size, bool skewStep = false) : IGradientAverager
    {
        public int Rank => rank;
        public int Size => size;
        public void AverageInPlace(Span<float> buffer) { if (skewStep) buffer[^1] += 0.5f; }
        public void AverageInPlace(Span<double> buffer) { if (skewStep) buffer[^1] += 0.5; }
        public void BroadcastInPlace(Span<float> buffer) { }
        public void BroadcastInPlace(Span<double> buffer) { }
    }

    /// <summary>A synchronous progress handler.</summary>
    private sealed class Reported(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }

    private static IEnumerable<(Tensor, Tensor)> Throwing()
    {
        yield return (M.X(), Y());
        throw new InvalidOperationException("batch source bug 0f0f");
    }
}
