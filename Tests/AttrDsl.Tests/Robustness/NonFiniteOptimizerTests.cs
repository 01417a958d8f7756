using AttrDsl.Priors;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Training;

namespace AttrDsl.Tests.Robustness;

/// <summary>
/// A NaN or infinite optimizer setting made every weight NaN in one step while the step reported success (the losses
/// and gradients were finite): the trainer now refuses the step before <c>optimizer.step()</c>, naming the setting,
/// and no weight moves.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public class NonFiniteOptimizerTests
{
    public static IEnumerable<object[]> Cases =>
    [
        ["Adam, learning rate NaN", PriorSchedule.Summed, "learning rate is NaN"],
        ["SGD, learning rate +Inf", PriorSchedule.Alternating, "learning rate is ∞"],
        ["Adam, eps NaN", PriorSchedule.Summed, "is NaN"],
    ];

    private static optim.Optimizer Make(string which, IEnumerable<TorchSharp.Modules.Parameter> parameters) => which switch
    {
        "Adam, learning rate NaN" => optim.Adam(parameters, double.NaN),
        "SGD, learning rate +Inf" => optim.SGD(parameters, double.PositiveInfinity),
        "Adam, eps NaN" => optim.Adam(parameters, 1e-3, eps: double.NaN),
        _ => throw new ArgumentException(which),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheStepIsRefusedAndNoWeightMoves(string which, PriorSchedule schedule, string expected)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3));
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        var optimizer = Make(which, model.parameters());
        var trainer = new AttributionPriorTrainer(model, (o, t) => nn.functional.cross_entropy(o, t), optimizer,
            new PriorTrainingOptions { Priors = [new PriorTerm(new L2Attribution(), 0.1)], Background = randn(8, 6), Schedule = schedule });
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Step(randn(4, 6), tensor(new long[] { 0, 1, 2, 1 })));
        Assert.Contains(expected.Replace("∞", double.PositiveInfinity.ToString()), e.Message);
        Assert.Contains("No weights were updated", e.Message);
        foreach (var (p, b) in model.parameters().Zip(before))
            Assert.True(equal(p, b).all().item<bool>(), "a weight moved although the step was refused");
    }
}
