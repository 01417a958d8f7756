using AttrDsl.Priors;
using AttrDsl.Training;
using AttrDsl.Tests.Infrastructure;

namespace AttrDsl.Tests.Training;

/// <summary>A prior on a model with an operation that has no second derivative fails before any update, and says which.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class SecondOrderCheckTests
{
    [Theory]
    [InlineData(PriorSchedule.Summed)]
    [InlineData(PriorSchedule.Alternating)]
    public void Hardsigmoid_in_the_model_is_named_and_no_weight_moves(PriorSchedule schedule)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var model = nn.Sequential(("fc1", nn.Linear(6, 8)), ("gate", nn.Hardsigmoid()), ("fc2", nn.Linear(8, 3)));
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        var x = randn(4, 6);
        var y = tensor(new long[] { 0, 1, 2, 1 });
        var trainer = new AttributionPriorTrainer(model, (o, t) => nn.functional.cross_entropy(o, t), optim.SGD(model.parameters(), 0.1),
            new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 0.1)], Background = randn(8, 6), Schedule = schedule });
        var e = Assert.Throws<NotSupportedException>(() => trainer.Step(x, y));
        Assert.Contains("aten::hardsigmoid_backward", e.Message);
        Assert.Contains("gate (Hardsigmoid)", e.Message);
        Assert.Contains("Sigmoid", e.Message);               // what to use instead
        Assert.Contains("No weights were updated", e.Message);
        Assert.DoesNotContain("frame #", e.Message);          // libtorch's C++ trace stays in the inner exception
        Assert.NotNull(e.InnerException);
        foreach (var (p, b) in model.parameters().Zip(before)) Assert.True(equal(p, b).all().item<bool>(), "a weight moved");
    }

    [Fact]
    public void The_check_leaves_the_random_generator_where_a_step_without_it_would()
    {
        // The probe draws expected-gradient references from the global generator and restores its state: after the first
        // step (probe + step) the generator has moved exactly as much as one step's own draws (one interpolation batch).
        using var scope = NewDisposeScope();
        manual_seed(4);
        var model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3));
        var background = randn(8, 6);
        var trainer = new AttributionPriorTrainer(model, (o, l) => nn.functional.cross_entropy(o, l), optim.SGD(model.parameters(), 0.1),
            new PriorTrainingOptions { Priors = [new PriorTerm(new L2Attribution(), 0.1)], Background = background });
        var x = randn(4, 6, generator: new Generator(9));
        var y = tensor(new long[] { 0, 1, 2, 1 });

        manual_seed(11);
        trainer.Step(x, y);                       // the first step: the check, then the step
        var afterStep = rand(5);

        manual_seed(11);
        using (AttrDsl.Attribution.InterpolationBatch.Sample(x, background, 1)) { }   // a step's own draws, alone
        var afterDraws = rand(5);

        manual_seed(11);
        var untouched = rand(5);
        Assert.True(equal(afterStep, afterDraws).all().item<bool>(), "the check moved the generator");
        Assert.False(equal(afterStep, untouched).all().item<bool>());   // a step does draw, so the comparison can fail
    }
}
