using AttrDsl.Priors;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Training;

namespace AttrDsl.Tests.Training;

/// <summary>
/// A step that cannot train soundly fails before <c>optimizer.step()</c>, says why, and leaves the weights bitwise as
/// they were: NaN/Inf in the batch (named, with its index), non-finite losses or gradients, unusable model, loss or
/// prior outputs, and priors that cannot apply to the inputs' shape (found when training is set up, not after warm-up).
/// </summary>
[Collection(GlobalRngCollection.Name)]   // seeds and draws from the global generator (EG references, twins compared bitwise)
public class TrainerReliabilityTests
{
    private static Func<Tensor, Tensor, Tensor> CrossEntropy => (o, t) => nn.functional.cross_entropy(o, t);

    private static (Tensor x, Tensor y) Data()
    {
        manual_seed(2);
        var x = randn([64, 10], ScalarType.Float64);
        var y = (x.select(1, 0) + x.select(1, 1) > 0).to(ScalarType.Int64);
        return (x, y);
    }

    private static nn.Module<Tensor, Tensor> Model(int seed = 5)
    {
        manual_seed(seed);
        return nn.Sequential(nn.Linear(10, 16, dtype: ScalarType.Float64), nn.Tanh(), nn.Linear(16, 2, dtype: ScalarType.Float64));
    }

    private static byte[][] Weights(nn.Module model) => model.parameters().Select(p => p.detach().contiguous().bytes.ToArray()).ToArray();

    private static void AssertBitwiseEqual(byte[][] expected, nn.Module model)
    {
        var actual = Weights(model);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]), $"parameter {i} changed");
    }

    private static void AssertAllFinite(nn.Module model) =>
        Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>(), "a weight is NaN/Inf"));

    private static AttributionPriorTrainer Trainer(nn.Module<Tensor, Tensor> model, optim.Optimizer opt, Tensor background, IAttributionPrior prior,
        PriorSchedule schedule = PriorSchedule.Summed, int warmup = 0) =>
        new(model, CrossEntropy, opt, new PriorTrainingOptions { Priors = [new PriorTerm(prior, 1.0)], Background = background, Schedule = schedule, WarmupEpochs = warmup });

    // ------------------------------------------------------------------ non-finite data

    [Theory]
    [InlineData(PriorSchedule.Summed, 0)]
    [InlineData(PriorSchedule.Alternating, 0)]
    [InlineData(PriorSchedule.Summed, 1)]   // warm-up step: the task step alone must not take the NaN either
    public void OneNanInTheInputsNamesTheInputAndLeavesEveryWeightAndTheOptimizerStateUntouched(PriorSchedule schedule, int warmup)
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var bad = x.clone();
        bad[3, 7] = tensor(double.NaN);

        using var model = Model();
        using var opt = optim.Adam(model.parameters(), 0.01);
        var trainer = Trainer(model, opt, x, new L1Attribution(), schedule, warmup);
        manual_seed(11);
        trainer.Step(x, y);   // Adam has state now: the failing step must not advance it either
        var before = Weights(model);

        var e = Assert.Throws<ArgumentException>(() => trainer.Step(bad, y));
        AssertBitwiseEqual(before, model);
        Assert.Contains("inputs contains 1 non-finite value (first: NaN at index [3, 7] of shape [64, 10])", e.Message);
        Assert.Contains("step 1", e.Message);
        Assert.DoesNotContain("learning rate", e.Message);

        // Nor did the optimizer state move: the next good step matches a twin that never saw the bad batch, bitwise.
        manual_seed(12);
        trainer.Step(x, y);
        using var twin = Model();
        using var twinOpt = optim.Adam(twin.parameters(), 0.01);
        var twinTrainer = Trainer(twin, twinOpt, x, new L1Attribution(), schedule, warmup);
        manual_seed(11);
        twinTrainer.Step(x, y);
        manual_seed(12);
        twinTrainer.Step(x, y);
        AssertBitwiseEqual(Weights(twin), model);
    }

    [Fact]
    public void InfInFloatLabelsNamesTheLabels()
    {
        manual_seed(3);
        using var x = randn([16, 4], ScalarType.Float64);
        using var y = randn([16], ScalarType.Float64);
        y[5] = tensor(double.PositiveInfinity);
        manual_seed(5);
        using var model = nn.Sequential(nn.Linear(4, 1, dtype: ScalarType.Float64), nn.Flatten(0));
        using var opt = optim.SGD(model.parameters(), 0.1);
        var trainer = new AttributionPriorTrainer(model, (o, t) => nn.functional.mse_loss(o, t), opt,
            new PriorTrainingOptions { Priors = [new PriorTerm(new L2Attribution(), 1.0)], Background = x });
        var before = Weights(model);
        var e = Assert.Throws<ArgumentException>(() => trainer.Step(x, y));
        Assert.Contains("labels", e.Message);
        Assert.Contains("Infinity at index [5]", e.Message);
        AssertBitwiseEqual(before, model);
    }

    [Fact]
    public void NanInTheBackgroundSetIsRejectedWhenTheTrainerIsBuilt()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var background = x.clone();
        background[10, 0] = tensor(double.NaN);
        using var model = Model();
        using var opt = optim.SGD(model.parameters(), 0.1);
        var e = Assert.Throws<ArgumentException>(() => Trainer(model, opt, background, new L1Attribution()));
        Assert.Contains("Background", e.Message);
        Assert.Contains("[10, 0]", e.Message);
    }

    // ------------------------------------------------------------------ non-finite losses and gradients

    [Fact]
    public void ANanPriorValueFailsBeforeTheUpdateAndTheWeightsStayBitwiseTheSame()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using var opt = optim.Adam(model.parameters(), 0.01);
        var nan = new CustomPrior("nan", (a, _) => a.abs().mean() * double.NaN);
        var trainer = Trainer(model, opt, x, nan);
        var before = Weights(model);
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Step(x, y));
        AssertBitwiseEqual(before, model);
        Assert.Contains("the nan prior's Ω is NaN", e.Message);
        Assert.Contains("No weights were updated", e.Message);
        Assert.Contains("inputs and labels are finite", e.Message);
    }

    [Fact]
    public void ANanGradientBehindFiniteLossesIsCaughtBeforeTheUpdate()
    {
        // √(0·Σa) is 0, but its gradient is ∞·0 = NaN in every weight the attributions depend on.
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using var opt = optim.Adam(model.parameters(), 0.01);
        var trainer = Trainer(model, opt, x, new CustomPrior("sqrt0", (a, _) => (a.sum() * 0.0).sqrt()));
        var before = Weights(model);
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Step(x, y));
        AssertBitwiseEqual(before, model);
        Assert.Contains("gradient of parameter '0.weight' [16, 10]", e.Message);
        Assert.Contains("although the losses are finite", e.Message);
        Assert.Contains("No weights were updated", e.Message);
    }

    [Fact]
    public void AlternatingScheduleKeepsTheFiniteTaskUpdateAndAppliesNoPriorUpdate()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using var opt = optim.SGD(model.parameters(), 0.1);
        var trainer = Trainer(model, opt, x, new CustomPrior("nan", (a, _) => a.abs().mean() * double.NaN), PriorSchedule.Alternating);
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Step(x, y));
        Assert.Contains("task update (alternating schedule) was applied; its prior update was not", e.Message);
        AssertAllFinite(model);

        // exactly the task step's update: a twin trained by hand on the task loss alone ends bitwise equal
        using var twin = Model();
        using var twinOpt = optim.SGD(twin.parameters(), 0.1);
        twinOpt.zero_grad();
        using (var scope = NewDisposeScope()) CrossEntropy(twin.forward(x), y).backward();
        twinOpt.step();
        AssertBitwiseEqual(Weights(twin), model);
    }

    [Fact]
    public void WeightsThatAreAlreadyNanAreNamedAsTheCause()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using (no_grad()) model.parameters().Last()[1] = tensor(double.NaN);
        using var opt = optim.SGD(model.parameters(), 0.1);
        var trainer = Trainer(model, opt, x, new L1Attribution());
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Step(x, y));
        Assert.Contains("the task loss is NaN", e.Message);
        Assert.Contains("parameter '2.bias' [2] holds 1 NaN/±Inf value", e.Message);
        Assert.DoesNotContain("lower the learning rate", e.Message);
    }

    [Fact]
    public void FitStopsAtTheBatchWithTheNanAndNamesIt()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var data = x.clone();
        data[40, 2] = tensor(double.NaN);   // sample 40 is row 8 of the third batch of 16
        using var model = Model();
        using var opt = optim.Adam(model.parameters(), 0.01);
        var trainer = Trainer(model, opt, x, new L1Attribution());
        var steps = new List<StepReport>();
        trainer.StepCompleted += steps.Add;
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(new AttrDsl.Data.Batches(data, y, 16), epochs: 1));
        Assert.Contains("NaN at index [8, 2] of shape [16, 10]", e.Message);
        Assert.Contains("step 2", e.Message);
        Assert.Equal(2, steps.Count);
        AssertAllFinite(model);
    }

    // ------------------------------------------------------------------ unusable outputs

    /// <summary>A model whose forward returns what the test asks for.</summary>
    private sealed class OddModel : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear fc = nn.Linear(10, 2, dtype: ScalarType.Float64);
        private readonly string _kind;

        public OddModel(string kind) : base(nameof(OddModel))
        {
            _kind = kind;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => _kind switch
        {
            "null" => null!,
            "argmax" => fc.forward(x).argmax(1),
            "scalar" => fc.forward(x).sum(),
            _ => fc.forward(x),
        };
    }

    [Theory]
    [InlineData("null", "the model returned null")]
    [InlineData("argmax", "the model returned a Int64 tensor")]
    [InlineData("scalar", "the model returned a 0-dim tensor")]
    public void AModelReturningNullOrIntegersIsAClearError(string kind, string expected)
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        manual_seed(1);
        using var model = new OddModel(kind);
        using var opt = optim.SGD(model.parameters(), 0.1);
        var trainer = Trainer(model, opt, x, new L1Attribution());
        var before = Weights(model);
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Step(x, y));
        Assert.Contains(expected, e.Message);
        Assert.Contains("AttributionPriorTrainer.Step", e.Message);
        AssertBitwiseEqual(before, model);
    }

    public static TheoryData<string, string> OddPriors => new()
    {
        { "null", "the null prior's Ω is null" },
        { "count", "the count prior's Ω is a Int64 tensor" },
        { "rows", "the rows prior's Ω has shape [64]; it must be one value" },
        { "detached", "the detached prior's Ω does not depend on the model's weights" },
    };

    [Theory]
    [MemberData(nameof(OddPriors))]
    public void APriorReturningNullIntegersOrNoGradientIsAClearError(string kind, string expected)
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using var opt = optim.SGD(model.parameters(), 0.1);
        var prior = new CustomPrior(kind, (a, _) => kind switch
        {
            "null" => null!,
            "count" => (a > 0).sum(),
            "rows" => a.abs().sum(1),
            _ => a.detach().abs().mean(),
        });
        var trainer = Trainer(model, opt, x, prior);
        var before = Weights(model);
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Step(x, y));
        Assert.Contains(expected, e.Message);
        AssertBitwiseEqual(before, model);
    }

    [Fact]
    public void ATaskLossReturningNullIsAClearError()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using var opt = optim.SGD(model.parameters(), 0.1);
        var trainer = new AttributionPriorTrainer(model, (_, _) => null!, opt,
            new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 1.0)], Background = x, WarmupEpochs = 1 });
        var before = Weights(model);
        Assert.Contains("the task loss is null", Assert.Throws<InvalidOperationException>(() => trainer.Step(x, y)).Message);
        AssertBitwiseEqual(before, model);
    }

    [Fact]
    public void PriorsAreToldApartByNameNotByType()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using var opt = optim.SGD(model.parameters(), 0.1);
        var trainer = new AttributionPriorTrainer(model, CrossEntropy, opt, new PriorTrainingOptions
        {
            Priors = [new PriorTerm(new CustomPrior("first", (a, _) => a.abs().mean()), 1.0), new PriorTerm(new CustomPrior("second", (a, _) => a.square().mean()), 2.0)],
            Background = x,
        });
        var report = trainer.Step(x, y);
        Assert.Equal(["first", "second"], report.PriorLosses.Keys.Order());
        Assert.Equal(report.PriorLosses["first"] + 2 * report.PriorLosses["second"], report.PriorLoss, 12);

        Assert.Contains("the same prior is declared twice", Assert.Throws<ArgumentException>(() => new AttributionPriorTrainer(model, CrossEntropy, opt, new PriorTrainingOptions
        {
            Priors = [new PriorTerm(new CustomPrior("same", (a, _) => a.abs().mean()), 1.0), new PriorTerm(new CustomPrior("same", (a, _) => a.square().mean()), 2.0)],
            Background = x,
        })).Message);
        Assert.Contains("Priors[1] is null", Assert.Throws<ArgumentException>(() => new AttributionPriorTrainer(model, CrossEntropy, opt, new PriorTrainingOptions
        {
            Priors = [new PriorTerm(new L1Attribution(), 1.0), null!], Background = x,
        })).Message);
    }

    // ------------------------------------------------------------------ shapes, checked up front

    [Fact]
    public void TotalVariationOnNonImageInputsIsRejectedWhenTheTrainerIsBuilt()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using var opt = optim.SGD(model.parameters(), 0.1);
        var e = Assert.Throws<ArgumentException>(() => Trainer(model, opt, x, new TotalVariation(), warmup: 3));
        Assert.Contains("total variation prior needs image inputs", e.Message);
        Assert.Contains("the Background set's samples", e.Message);
        Assert.Contains("[10]", e.Message);

        // images are accepted
        using var images = randn([8, 1, 4, 4], ScalarType.Float64);
        using var imageModel = nn.Sequential(nn.Flatten(), nn.Linear(16, 2, dtype: ScalarType.Float64));
        using var imageOpt = optim.SGD(imageModel.parameters(), 0.1);
        _ = Trainer(imageModel, imageOpt, images, new TotalVariation());
    }

    [Fact]
    public void WithoutABackgroundSetTheFirstStepChecksTheShapeBeforeTrainingEvenInWarmup()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using var opt = optim.SGD(model.parameters(), 0.1);
        var trainer = new AttributionPriorTrainer(model, CrossEntropy, opt, new PriorTrainingOptions
        {
            Priors = [new PriorTerm(new TotalVariation(), 1.0)], Source = AttributionSource.InputGradients, WarmupEpochs = 2,
        });
        var before = Weights(model);
        var e = Assert.Throws<ArgumentException>(() => trainer.Step(x, y, epoch: 0));
        Assert.Contains("total variation prior needs image inputs", e.Message);
        Assert.Contains("the inputs' samples", e.Message);
        AssertBitwiseEqual(before, model);
    }

    [Fact]
    public void AGraphOverAnotherNumberOfFeaturesIsRejectedWhenTheTrainerIsBuilt()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using var opt = optim.SGD(model.parameters(), 0.1);
        using var graph = new GraphLaplacian(12, [(0L, 1L, 1.0)]);
        var e = Assert.Throws<ArgumentException>(() => Trainer(model, opt, x, graph));
        Assert.Contains("12 features (graph nodes), but each sample holds 10 values", e.Message);
    }

    [Fact]
    public void InputsShapedUnlikeTheBackgroundAreRejectedInWarmupBeforeTraining()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var model = Model();
        using var opt = optim.SGD(model.parameters(), 0.1);
        using var background = randn([20, 12], ScalarType.Float64);
        var trainer = Trainer(model, opt, background, new L1Attribution(), warmup: 2);
        var before = Weights(model);
        var e = Assert.Throws<ArgumentException>(() => trainer.Step(x, y, epoch: 0));
        Assert.Contains("the inputs' samples have shape [10] but the Background set's have [12]", e.Message);
        AssertBitwiseEqual(before, model);
    }
}
