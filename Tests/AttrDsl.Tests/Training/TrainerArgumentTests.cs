using AttrDsl.Priors;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Training;

namespace AttrDsl.Tests.Training;

/// <summary>
/// What a user can get wrong when handing a batch, a model or labels to the trainer is refused before any update, with
/// a .NET exception that names the argument, the offending value and what to do — never a libtorch error with C++
/// frames, never an "empty handle".
/// </summary>
[Collection(GlobalRngCollection.Name)]
public class TrainerArgumentTests
{
    private static Func<Tensor, Tensor, Tensor> CrossEntropy => (o, t) => nn.functional.cross_entropy(o, t);

    private static nn.Module<Tensor, Tensor> Model(long inFeatures = 6, long classes = 10)
    {
        manual_seed(7);
        return nn.Sequential(nn.Linear(inFeatures, 8), nn.Tanh(), nn.Linear(8, classes));
    }

    private static AttributionPriorTrainer Trainer(nn.Module<Tensor, Tensor> model, Tensor background, PriorSchedule schedule = PriorSchedule.Summed, int warmup = 0) =>
        new(model, CrossEntropy, optim.Adam(model.parameters(), 1e-2),
            new PriorTrainingOptions { Priors = [new PriorTerm(new L2Attribution(), 0.1)], Background = background, Schedule = schedule, WarmupEpochs = warmup });

    private static List<string> Weights(nn.Module model) =>
        model.parameters().Select(p => Convert.ToHexString(p.detach().contiguous().bytes)).ToList();

    private static void AssertNoNativeFrames(Exception e)
    {
        Assert.DoesNotContain("Exception raised from", e.Message);
        Assert.DoesNotContain("frame #", e.Message);
    }

    public static TheoryData<long, PriorSchedule, int> BadLabels => new()
    {
        { 10, PriorSchedule.Summed, 0 },
        { 10, PriorSchedule.Alternating, 0 },
        { -3, PriorSchedule.Summed, 0 },
        { -3, PriorSchedule.Summed, 1 },   // in a warm-up epoch, where only the task loss trains
    };

    [Theory]
    [MemberData(nameof(BadLabels))]
    public void AnOutOfRangeLabelIsNamedWithItsIndexAndTheValidRange(long label, PriorSchedule schedule, int warmup)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var x = randn(5, 6);
        var trainer = Trainer(model, x, schedule, warmup);
        var before = Weights(model);
        var e = Assert.Throws<ArgumentException>(() => trainer.Step(x, tensor(new long[] { 0, 9, 4, label, 1 })));
        Assert.Equal("y", e.ParamName);
        Assert.Contains($"hold {label} at index [3]", e.Message);
        Assert.Contains("[0, 9]", e.Message);
        Assert.Contains("10 outputs per sample", e.Message);
        Assert.Equal(before, Weights(model));
    }

    [Fact]
    public void LabelsForAnotherNumberOfSamplesSayBothCounts()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var x = randn(4, 6);
        var trainer = Trainer(model, x);
        var e = Assert.Throws<ArgumentException>(() => trainer.Step(x, tensor(new long[] { 0, 1, 2 })));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("give 3 rows for the 4 samples", e.Message);
        Assert.Contains("one label per sample", e.Message);
    }

    [Fact]
    public void FloatLabelsToAClassLossAreReportedWithTheirShapeAndDtypeWithoutNativeFrames()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var x = randn(4, 6);
        var trainer = Trainer(model, x);
        var before = Weights(model);
        var e = Assert.Throws<ArgumentException>(() => trainer.Step(x, tensor(new float[] { 0, 1, 2, 1 })));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("task loss failed on labels y of shape [4] (Float32)", e.Message);
        Assert.Contains("ScalarType.Int64", e.Message);
        AssertNoNativeFrames(e);
        Assert.NotNull(e.InnerException);
        Assert.Equal(before, Weights(model));
    }

    [Fact]
    public void IntegerInputsAreRefusedNamingX()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var trainer = Trainer(model, randn(4, 6));
        var before = Weights(model);
        var e = Assert.Throws<ArgumentException>(() => trainer.Step(randint(0, 5, [4, 6], dtype: ScalarType.Int64), tensor(new long[] { 0, 1, 2, 1 })));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("Int64", e.Message);
        Assert.Contains("x.to(ScalarType.Float32)", e.Message);
        Assert.Equal(before, Weights(model));
    }

    [Fact]
    public void AForwardThatFailsInLibTorchNamesTheSubmoduleAndTheInputShape()
    {
        using var scope = NewDisposeScope();
        var model = Model(inFeatures: 5);   // the first Linear takes 5 features; the data has 6
        var x = randn(4, 6);
        var trainer = Trainer(model, x);
        var before = Weights(model);
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Step(x, tensor(new long[] { 0, 1, 2, 1 })));
        Assert.Contains("'0' (Linear)", e.Message);
        Assert.Contains("[4, 6]", e.Message);
        AssertNoNativeFrames(e);
        Assert.True(LibTorchError(e.InnerException));
        Assert.Equal(before, Weights(model));
    }

    private static bool LibTorchError(Exception? e) => e?.GetType() == typeof(System.Runtime.InteropServices.ExternalException);

    [Fact]
    public void ADisposedModelIsRefusedByTheConstructorNamingIt()
    {
        var model = Model();
        model.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => Trainer(model, randn(4, 6)));
        Assert.Equal("model", e.ObjectName);
    }

    [Fact]
    public void ADisposedBackgroundSetIsRefusedByTheConstructorNamingIt()
    {
        using var scope = NewDisposeScope();
        var background = randn(4, 6);
        background.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => Trainer(Model(), background));
        Assert.Equal("options.Background", e.ObjectName);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("y")]
    [InlineData("mask")]
    public void ADisposedBatchTensorIsRefusedByStepNamingIt(string which)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var (x, y, mask) = (randn(4, 6), tensor(new long[] { 0, 1, 2, 1 }), ones(4, 6));
        var trainer = which == "mask"
            ? new AttributionPriorTrainer(model, CrossEntropy, optim.Adam(model.parameters(), 1e-2),
                new PriorTrainingOptions { Penalties = [new PenaltyTerm(new AttrDsl.Decomposition.Penalties.RrrPenalty(), 0.1)] })
            : Trainer(model, randn(4, 6));
        (which switch { "x" => x, "y" => y, _ => mask }).Dispose();
        var before = Weights(model);
        var e = Assert.Throws<ObjectDisposedException>(() => which == "mask" ? trainer.Step(x, y, mask) : trainer.Step(x, y));
        Assert.Equal(which, e.ObjectName);
        Assert.Equal(before, Weights(model));
    }

    [Fact]
    public void AModelDisposedAfterTheTrainerWasBuiltIsNamedByStepAndFit()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var x = randn(4, 6);
        var trainer = Trainer(model, x);
        model.Dispose();
        var y = tensor(new long[] { 0, 1, 2, 1 });
        Assert.Equal("model", Assert.Throws<ObjectDisposedException>(() => trainer.Step(x, y)).ObjectName);
        Assert.Equal("model", Assert.Throws<ObjectDisposedException>(() => trainer.Fit([(x, y)], epochs: 1)).ObjectName);
    }

    [Fact]
    public void FitNamesTheDisposedBatch()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var x = randn(4, 6);
        var trainer = Trainer(model, x);
        var y = tensor(new long[] { 0, 1, 2, 1 });
        var stale = randn(4, 6);
        stale.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => trainer.Fit([(x, y), (stale, y)], epochs: 1));
        Assert.Equal("x", e.ObjectName);
        Assert.Contains("batch 1", e.Message);
    }
}
