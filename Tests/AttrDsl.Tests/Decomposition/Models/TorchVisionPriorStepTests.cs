using AttrDsl.Priors;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Training;

namespace AttrDsl.Tests.Decomposition.Models;

/// <summary>
/// One attribution-prior step (total variation of expected gradients, summed with the task loss) on every TorchVision
/// model: it trains, or — for a model with an op that has no second derivative — fails before any update with an error
/// that names the op and the modules.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public class TorchVisionPriorStepTests
{
    // MobileNet v3's Hardswish and Hardsigmoid: libtorch has no derivative of their backward.
    private static bool LacksSecondDerivative(string name) => name.StartsWith("mobilenet_v3", StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(TorchVisionZoo.Names), MemberType = typeof(TorchVisionZoo))]
    public void OnePriorStepTrainsOrNamesTheOpWithoutSecondDerivative(string name)
    {
        using var scope = NewDisposeScope();
        using var model = TorchVisionZoo.Build(name, ScalarType.Float32);
        model.train();
        var side = TorchVisionZoo.SmallSide(name);
        manual_seed(5);
        var x = randn(2, 3, side, side);
        var y = randint(1000, [2]);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        var trainer = new AttributionPriorTrainer(model, (o, t) => nn.functional.cross_entropy(o, t), optim.SGD(model.parameters(), 1e-3),
            new PriorTrainingOptions { Priors = [new PriorTerm(new TotalVariation(), 0.1)], Background = randn(4, 3, side, side) });
        bool Unchanged() => model.parameters().Zip(before).All(pb => equal(pb.First, pb.Second).all().item<bool>());
        if (LacksSecondDerivative(name))
        {
            var e = Assert.Throws<NotSupportedException>(() => trainer.Step(x, y));
            Assert.Matches("aten::hard(sigmoid|swish)_backward", e.Message);
            Assert.Contains("No weights were updated", e.Message);
            Assert.DoesNotContain("frame #", e.Message);
            Assert.True(Unchanged(), "a weight moved although the step failed");
        }
        else
        {
            var report = trainer.Step(x, y);
            Assert.True(double.IsFinite(report.TaskLoss) && double.IsFinite(report.PriorLoss) && report.PriorLoss > 0, $"{name}: {report}");
            Assert.False(Unchanged(), "the step updated no weight");
        }
    }
}
