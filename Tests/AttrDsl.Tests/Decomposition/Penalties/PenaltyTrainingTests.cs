using AttrDsl.Decomposition.Penalties;
using AttrDsl.Priors;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Training;

namespace AttrDsl.Tests.Decomposition.Penalties;

/// <summary>Explanation penalties trained through <see cref="AttributionPriorTrainer"/>.</summary>
[Collection(GlobalRngCollection.Name)]
public class PenaltyTrainingTests
{
    private static readonly Func<Tensor, Tensor, Tensor> CrossEntropy = (o, t) => nn.functional.cross_entropy(o, t);

    /// <summary>Labels from features 0 and 1; feature 5 is a decoy that copies the label (a perfect shortcut).</summary>
    private static (Tensor X, Tensor Y, Tensor Mask) DecoyData()
    {
        manual_seed(11);
        var x = randn([128, 6], ScalarType.Float64);
        var y = (x.select(1, 0) + x.select(1, 1) > 0).to(ScalarType.Int64);
        x[.., 5] = y.to(ScalarType.Float64) * 4 - 2;
        var mask = tensor(new double[,] { { 0, 0, 0, 0, 0, 1 } });          // one mask shared by every sample
        return (x, y, mask);
    }

    private static nn.Module<Tensor, Tensor> Model(int seed)
    {
        manual_seed(seed);
        return nn.Sequential(nn.Linear(6, 16, dtype: ScalarType.Float64), nn.Tanh(), nn.Linear(16, 2, dtype: ScalarType.Float64));
    }

    private static double[] Weights(nn.Module<Tensor, Tensor> model) =>
        model.parameters().SelectMany(p => p.detach().contiguous().data<double>().ToArray()).ToArray();

    /// <summary>
    /// How much the model leans on the decoy: mean |∂(z₁ − z₀)/∂x₅| over mean |∂(z₁ − z₀)/∂x₀|, the logit margin's
    /// sensitivity to the decoy relative to a real feature (the margin, unlike log p_y, does not saturate once the
    /// training set is fitted).
    /// </summary>
    private static double DecoyReliance(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        using var scope = NewDisposeScope();
        var leaf = x.detach().requires_grad_();
        var z = model.call(leaf);
        var margin = (z.select(1, 1) - z.select(1, 0)).sum();
        var g = AttrDsl.Autograd.GuardedAutograd.Grad(margin, leaf).abs().mean([0]);
        return g[5].item<double>() / g[0].item<double>();
    }

    private static double TrainAndMeasure(IExplanationPenalty? penalty, double lambda, Tensor x, Tensor y, Tensor mask)
    {
        using var model = Model(5);
        using var opt = optim.Adam(model.parameters(), 0.02);
        if (penalty is null)
        {
            for (var i = 0; i < 80; i++)
            {
                using var scope = NewDisposeScope();
                opt.zero_grad();
                CrossEntropy(model.call(x), y).backward();
                opt.step();
            }
        }
        else
        {
            var trainer = new AttributionPriorTrainer(model, CrossEntropy, opt,
                new PriorTrainingOptions { Penalties = [new PenaltyTerm(penalty, lambda)], ComputeStatistics = false });
            for (var i = 0; i < 80; i++)
            {
                var report = trainer.Step(x, y, mask);
                Assert.True(report.PriorLosses.ContainsKey(penalty.Name));
                Assert.Null(report.Attributions);            // no priors, so no attribution statistics
            }
        }
        return DecoyReliance(model, x);
    }

    [Fact]
    public void RrrAndTheEgPenaltyTrainTheModelOffTheDecoy()
    {
        var (x, y, mask) = DecoyData();
        using var _x = x;
        using var _y = y;
        using var _m = mask;
        var plain = TrainAndMeasure(null, 0, x, y, mask);
        var rrr = TrainAndMeasure(new RrrPenalty(), 1.0, x, y, mask);
        var eg = TrainAndMeasure(new ExpectedGradientsPenalty(x, references: 2), 1.0, x, y, mask);
        Assert.True(rrr < 0.2 * plain, $"reliance on the decoy: RRR {rrr:G4} vs plain {plain:G4}");
        Assert.True(eg < 0.2 * plain, $"reliance on the decoy: EG penalty {eg:G4} vs plain {plain:G4}");
    }

    [Fact]
    public void CdepWithADecompositionTrainsTheRelevantShareDown()
    {
        var (x, y, mask) = DecoyData();
        using var _x = x;
        using var _y = y;
        using var _m = mask;
        // A linear model and its exact decomposition (bias to the irrelevant part), standing in for contextual decomposition.
        manual_seed(3);
        using var model = nn.Linear(6, 2, dtype: ScalarType.Float64);
        static (Tensor, Tensor) LinearCd(nn.Module<Tensor, Tensor> m, Tensor t, Tensor mk)
        {
            var linear = (TorchSharp.Modules.Linear)m;
            return ((mk * t).mm(linear.weight!.t()), ((1 - mk) * t).mm(linear.weight!.t()) + linear.bias!);
        }
        using var opt = optim.Adam(model.parameters(), 0.05);
        var cdep = new CdepPenalty(LinearCd);
        var trainer = new AttributionPriorTrainer(model, CrossEntropy, opt,
            new PriorTrainingOptions { Penalties = [new PenaltyTerm(cdep, 5.0)], Schedule = PriorSchedule.Alternating });
        var first = trainer.Step(x, y, mask).PriorLosses["CDEP"];
        for (var i = 0; i < 60; i++) trainer.Step(x, y, mask);
        var last = trainer.Step(x, y, mask).PriorLosses["CDEP"];
        Assert.True(last < first - 0.05, $"CDEP went from {first:G4} to {last:G4}");
    }

    [Fact]
    public void FitTrainsOverImageLabelMaskBatchesAndPriorsAndPenaltiesAddUp()
    {
        var (x, y, mask) = DecoyData();
        using var _x = x;
        using var _y = y;
        using var _m = mask;
        using var model = Model(6);
        using var opt = optim.Adam(model.parameters(), 0.01);
        var trainer = new AttributionPriorTrainer(model, CrossEntropy, opt, new PriorTrainingOptions
        {
            Priors = [new PriorTerm(new L1Attribution(), 0.5)], Source = AttributionSource.InputGradients,
            Penalties = [new PenaltyTerm(new RrrPenalty(), 2.0)],
        });
        var perSampleMasks = mask.expand(128, 6).contiguous();
        var batches = Enumerable.Range(0, 4).Select(i => (x.narrow(0, 32 * i, 32), y.narrow(0, 32 * i, 32), perSampleMasks.narrow(0, 32 * i, 32))).ToList();
        var reports = new List<StepReport>();
        trainer.StepCompleted += reports.Add;
        var epochs = trainer.Fit(batches, epochs: 2);
        Assert.Equal(2, epochs.Count);
        Assert.Equal(8, reports.Count);
        Assert.All(reports, r =>
        {
            Assert.Equal(0.5 * r.PriorLosses["L1"] + 2.0 * r.PriorLosses["RRR"], r.PriorLoss, 1e-12);
            Assert.NotNull(r.Attributions);
        });
        perSampleMasks.Dispose();
    }

    [Fact]
    public void PenaltiesFollowTheWarmup()
    {
        var (x, y, mask) = DecoyData();
        using var _x = x;
        using var _y = y;
        using var _m = mask;
        using var model = Model(7);
        using var opt = optim.SGD(model.parameters(), 0.1);
        var trainer = new AttributionPriorTrainer(model, CrossEntropy, opt,
            new PriorTrainingOptions { Penalties = [new PenaltyTerm(new RrrPenalty(), 1.0)], WarmupEpochs = 1 });
        Assert.Equal(0, trainer.Step(x, y, mask, epoch: 0).PriorLoss);
        Assert.True(trainer.Step(x, y, mask, epoch: 1).PriorLoss > 0);
    }

    [Fact]
    public void MissingOrBadMasksAreRejectedBeforeAnythingTrains()
    {
        var (x, y, mask) = DecoyData();
        using var _x = x;
        using var _y = y;
        using var _m = mask;
        using var model = Model(8);
        using var opt = optim.SGD(model.parameters(), 0.1);
        var trainer = new AttributionPriorTrainer(model, CrossEntropy, opt,
            new PriorTrainingOptions { Penalties = [new PenaltyTerm(new RrrPenalty(), 1.0)] });
        var before = Weights(model);
        Assert.Contains("need the mask", Assert.Throws<ArgumentException>(() => trainer.Step(x, y)).Message);
        using var wrong = ones(128, 5, ScalarType.Float64);
        Assert.Contains("does not fit the inputs", Assert.Throws<ArgumentException>(() => trainer.Step(x, y, wrong)).Message);
        using var nan = full(1, 6, double.NaN, ScalarType.Float64);
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => trainer.Step(x, y, nan)).Message);
        Assert.Equal(before, Weights(model));
        Assert.Throws<ArgumentNullException>(() => trainer.Step(x, y, (Tensor)null!));
    }

    /// <summary>A penalty that returns what the test tells it to.</summary>
    private sealed class FixedPenalty(string name, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor> value) : IExplanationPenalty
    {
        public string Name => name;
        public Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Tensor mask) => value(model, x);
    }

    [Theory]
    [InlineData(PriorSchedule.Summed)]
    [InlineData(PriorSchedule.Alternating)]
    public void ANonFinitePenaltyThrowsBeforeItsUpdate(PriorSchedule schedule)
    {
        var (x, y, mask) = DecoyData();
        using var _x = x;
        using var _y = y;
        using var _m = mask;
        using var model = Model(9);
        using var opt = optim.SGD(model.parameters(), 0.1);
        var nan = new FixedPenalty("nan", (m, t) => m.call(t).sum() * double.NaN);
        var trainer = new AttributionPriorTrainer(model, CrossEntropy, opt,
            new PriorTrainingOptions { Penalties = [new PenaltyTerm(nan, 1.0)], Schedule = schedule });
        var before = Weights(model);
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Step(x, y, mask));
        Assert.Contains("the nan penalty is NaN", e.Message);
        if (schedule == PriorSchedule.Summed) Assert.Equal(before, Weights(model));
        else Assert.Contains("task update (alternating schedule) was applied", e.Message);
    }

    [Fact]
    public void UnusablePenaltyValuesAreNamed()
    {
        var (x, y, mask) = DecoyData();
        using var _x = x;
        using var _y = y;
        using var _m = mask;
        using var model = Model(10);
        using var opt = optim.SGD(model.parameters(), 0.1);
        AttributionPriorTrainer With(IExplanationPenalty p) =>
            new(model, CrossEntropy, opt, new PriorTrainingOptions { Penalties = [new PenaltyTerm(p, 1.0)] });
        var before = Weights(model);
        Assert.Contains("must be one value", Assert.Throws<InvalidOperationException>(() =>
            With(new FixedPenalty("rows", (m, t) => m.call(t).sum(1))).Step(x, y, mask)).Message);
        Assert.Contains("does not depend on the model's weights", Assert.Throws<InvalidOperationException>(() =>
            With(new FixedPenalty("detached", (m, t) => m.call(t).sum().detach())).Step(x, y, mask)).Message);
        Assert.Contains("is null", Assert.Throws<InvalidOperationException>(() =>
            With(new FixedPenalty("null", (m, t) => null!)).Step(x, y, mask)).Message);
        Assert.Equal(before, Weights(model));
    }

    [Fact]
    public void OptionsWithPenaltiesAreValidatedWithReasons()
    {
        using var model = Model(12);
        using var opt = optim.SGD(model.parameters(), 0.1);
        Assert.Contains("at least one prior", Assert.Throws<ArgumentException>(() =>
            new AttributionPriorTrainer(model, CrossEntropy, opt, new PriorTrainingOptions())).Message);
        Assert.Contains("declared twice", Assert.Throws<ArgumentException>(() =>
            new AttributionPriorTrainer(model, CrossEntropy, opt, new PriorTrainingOptions
            {
                Priors = [new PriorTerm(new CustomPrior("RRR", (a, _) => a.abs().sum()), 1)], Source = AttributionSource.InputGradients,
                Penalties = [new PenaltyTerm(new RrrPenalty(), 1)],
            })).Message);
        Assert.Contains("Penalties[0]", Assert.Throws<ArgumentException>(() =>
            new AttributionPriorTrainer(model, CrossEntropy, opt, new PriorTrainingOptions { Penalties = [null!] })).Message);
        Assert.Contains("positive and finite", Assert.Throws<ArgumentOutOfRangeException>(() => new PenaltyTerm(new RrrPenalty(), double.PositiveInfinity)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PenaltyTerm(new RrrPenalty(), -1));
        // Penalties alone need no background set (it belongs to the expected-gradients priors).
        _ = new AttributionPriorTrainer(model, CrossEntropy, opt, new PriorTrainingOptions { Penalties = [new PenaltyTerm(new RrrPenalty(), 1)] });
    }
}
