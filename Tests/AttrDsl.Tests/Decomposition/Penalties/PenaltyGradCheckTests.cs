using AttrDsl.Decomposition.Penalties;
using Xunit.Sdk;
using static AttrDsl.Tests.Decomposition.Penalties.PenaltyTestModels;

namespace AttrDsl.Tests.Decomposition.Penalties;

public class PenaltyGradCheckTests
{
    [Fact]
    public void TheCheckerCatchesAGradientThatMissesAPathToTheWeights()
    {
        using var model = Mlp(9);
        using var x = tensor(Inputs);
        using var mask = tensor(Masks);
        using var y = tensor(new long[] { 0, 1 });
        var penalty = new RrrPenalty();
        var weight = model.parameters().First();
        // The detached factor changes the value with the weight, but autograd does not see it.
        Assert.Throws<TrueException>(() => PenaltyGradCheck.AssertWeightGradient(model,
            () => penalty.Loss(model, x, y, mask) * (2 + weight.detach().sum())));
    }
}
