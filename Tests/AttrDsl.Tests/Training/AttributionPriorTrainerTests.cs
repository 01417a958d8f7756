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
                functional.cross_entropy(plain.forward(x), y).backward();
                opt.step();
            }

        manual_seed(5);
        using var regularised = Model();
        using var opt2 = optim.Adam(regularised.parameters(), 0.01);
        var trainer = new AttributionPriorTrainer(regularised, (o, t) => functional.cross_entropy(o, t), opt2,
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
        var trainer = new AttributionPriorTrainer(model, (o, t) => functional.cross_entropy(o, t), opt,
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
        var trainer = new AttributionPriorTrainer(model, (o, t) => functional.cross_entropy(o, t), opt,
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
        Func<Tensor, Tensor, Tensor> loss = (o, t) => functional.cross_entropy(o, t);
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
