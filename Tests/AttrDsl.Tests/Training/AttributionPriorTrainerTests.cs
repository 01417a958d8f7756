using AttrDsl.Attribution;
using AttrDsl.Priors;
using AttrDsl.Training;

namespace AttrDsl.Tests.Training;

public class AttributionPriorTrainerTests
{
    private static (Tensor x, Tensor y) Data()
    {
        manual_seed(2);
        var x = randn([64, 10], ScalarType.Float64);
        var y = (x.select(1, 0) + x.select(1, 1) > 0).to(ScalarType.Int64);
        return (x, y);
    }

    private static nn.Module<Tensor, Tensor> Model() =>
        nn.Sequential(nn.Linear(10, 16, dtype: ScalarType.Float64), nn.Tanh(), nn.Linear(16, 2, dtype: ScalarType.Float64));

    private static double PriorOf(nn.Module<Tensor, Tensor> model, IAttributionPrior prior, Tensor x, Tensor y)
    {
        manual_seed(99);
        using var batch = InterpolationBatch.Sample(x, x, 8);
        using var scope = NewDisposeScope();
        var eg = batch.Attributions(model.forward(batch.Inputs), Target.PerSample(y));
        return prior.Loss(eg, new PriorContext(x, y)).item<double>();
    }

    [Theory]
    [InlineData(PriorSchedule.Summed)]
    [InlineData(PriorSchedule.Alternating)]
    public void TrainingWithAnL1PriorShrinksTheAttributionsComparedWithoutIt(PriorSchedule schedule)
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        var prior = new L1Attribution();

        manual_seed(5);
        using var plain = Model();
        using (var opt = optim.Adam(plain.parameters(), 0.01))
            for (var i = 0; i < 60; i++)
            {
                using var scope = NewDisposeScope();
                opt.zero_grad();
                nn.functional.cross_entropy(plain.forward(x), y).backward();
                opt.step();
            }

        manual_seed(5);
        using var regularised = Model();
        using var opt2 = optim.Adam(regularised.parameters(), 0.01);
        var trainer = new AttributionPriorTrainer(regularised, (o, t) => nn.functional.cross_entropy(o, t), opt2,
            new PriorTrainingOptions { Priors = [new PriorTerm(prior, 5.0)], Background = x, References = 2, Schedule = schedule });
        var reports = new List<StepReport>();
        trainer.StepCompleted += reports.Add;
        for (var i = 0; i < 60; i++) trainer.Step(x, y);

        Assert.Equal(60, reports.Count);
        Assert.All(reports, r => Assert.True(r.PriorLoss > 0 && r.Attributions is not null && r.PriorLosses.ContainsKey("L1")));
        var withPrior = PriorOf(regularised, prior, x, y);
        var without = PriorOf(plain, prior, x, y);
        Assert.True(withPrior < 0.5 * without, $"L1 of EG with the prior {withPrior:G4} vs without {without:G4}");
    }

    [Fact]
    public void WarmupEpochsTrainTheTaskAlone()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using var opt = optim.SGD(model.parameters(), 0.1);
        var trainer = new AttributionPriorTrainer(model, (o, t) => nn.functional.cross_entropy(o, t), opt,
            new PriorTrainingOptions { Priors = [new PriorTerm(new L2Attribution(), 1.0)], Background = x, WarmupEpochs = 1 });
        var warm = trainer.Step(x, y, epoch: 0);
        var after = trainer.Step(x, y, epoch: 1);
        Assert.Equal(0, warm.PriorLoss);
        Assert.Null(warm.Attributions);
        Assert.True(after.PriorLoss > 0);
        Assert.Equal(1, after.Step);
    }

    [Fact]
    public void InputGradientSourceTrainsTheSamePenaltyOnPlainGradients()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using var opt = optim.Adam(model.parameters(), 0.01);
        var trainer = new AttributionPriorTrainer(model, (o, t) => nn.functional.cross_entropy(o, t), opt,
            new PriorTrainingOptions { Priors = [new PriorTerm(new L2Attribution(), 10.0)], Source = AttributionSource.InputGradients });
        var first = trainer.Step(x, y).PriorLosses["L2"];
        for (var i = 0; i < 40; i++) trainer.Step(x, y);
        var last = trainer.Step(x, y).PriorLosses["L2"];
        Assert.True(last < first, $"L2 of input gradients went from {first:G4} to {last:G4}");
    }

    [Fact]
    public void OptionsAreValidatedWithReasons()
    {
        using var model = Model();
        using var opt = optim.SGD(model.parameters(), 0.1);
        Func<Tensor, Tensor, Tensor> loss = (o, t) => nn.functional.cross_entropy(o, t);
        Assert.Contains("Background", Assert.Throws<ArgumentException>(() =>
            new AttributionPriorTrainer(model, loss, opt, new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 1)] })).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() =>
            new AttributionPriorTrainer(model, loss, opt, new PriorTrainingOptions
            {
                Priors = [new PriorTerm(new L1Attribution(), 1), new PriorTerm(new L1Attribution(), 2)], Source = AttributionSource.InputGradients,
            })).Message);
        Assert.Contains("positive and finite", Assert.Throws<ArgumentOutOfRangeException>(() => new PriorTerm(new L1Attribution(), double.NaN)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PriorTerm(new L1Attribution(), 0));
    }
}

public class AttributionPriorTrainerFitTests
{
    [Fact]
    public void FitRunsEveryBatchAndReportsEachEpoch()
    {
        manual_seed(4);
        using var x = randn([40, 6], ScalarType.Float64);
        using var y = (x.select(1, 0) > 0).to(ScalarType.Int64);
        using var model = nn.Sequential(nn.Linear(6, 8, dtype: ScalarType.Float64), nn.Tanh(), nn.Linear(8, 2, dtype: ScalarType.Float64));
        using var opt = optim.Adam(model.parameters(), 0.01);
        var schedule = optim.lr_scheduler.ExponentialLR(opt, 0.5);
        var trainer = new AttrDsl.Training.AttributionPriorTrainer(model, (o, t) => nn.functional.cross_entropy(o, t), opt,
            new AttrDsl.Training.PriorTrainingOptions { Priors = [new AttrDsl.Training.PriorTerm(new AttrDsl.Priors.L1Attribution(), 1.0)], Background = x, WarmupEpochs = 1 });
        var epochs = new List<AttrDsl.Training.EpochReport>();
        var steps = 0;
        trainer.StepCompleted += _ => steps++;
        trainer.EpochCompleted += r => { epochs.Add(r); schedule.step(); };
        // TorchSharp's own DataLoader, projected to (inputs, labels): Fit takes any re-enumerable sequence of pairs.
        using var dataset = utils.data.TensorDataset(x, y);
        using var loader = utils.data.DataLoader(dataset, 16, disposeDataset: false);
        var reports = trainer.Fit(loader.Select(b => (b[0], b[1])), epochs: 3);
        Assert.Equal(9, steps);                                    // 3 batches (16, 16, 8) × 3 epochs
        Assert.Equal(reports, epochs);
        Assert.Equal(0, reports[0].PriorLoss);                     // warm-up epoch
        Assert.True(reports[1].PriorLoss > 0 && reports[2].PriorLoss > 0);
        Assert.Equal(0.01 * 0.125, opt.ParamGroups.First().LearningRate, 15);
    }
}
