using AttrDsl.Decomposition.Penalties;
using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Decomposition.Penalties.PenaltyTestModels;

namespace AttrDsl.Tests.Decomposition.Penalties;

[Collection(GlobalRngCollection.Name)]
public class ExpectedGradientsPenaltyTests
{
    [Fact]
    public void ALinearModelsValueIsTheMaskedAbsoluteWeightTimesInput()
    {
        // One reference, the zero image: EG of class y is W_y ⊙ x for any α.
        using var model = Linear(out var w, out _);
        using var x = tensor(Inputs);
        using var mask = tensor(Masks);
        using var background = zeros(1, 4, ScalarType.Float64);
        long[] labels = [2, 0];
        manual_seed(0);
        using var value = new ExpectedGradientsPenalty(background, references: 3).Loss(model, x, tensor(labels), mask);
        double expected = 0;
        for (var s = 0; s < 2; s++)
            for (var i = 0; i < 4; i++)
                expected += Math.Abs(Masks[s, i] * w[labels[s], i] * Inputs[s, i]) / 2;
        Assert.Equal(expected, value.item<double>(), 1e-13);
        Assert.True(value.requires_grad);
    }

    [Fact]
    public void AnEmptyMaskCostsNothing()
    {
        using var model = Mlp(4);
        using var x = tensor(Inputs);
        using var empty = zeros(2, 4, ScalarType.Float64);
        manual_seed(1);
        using var background = randn(8, 4, ScalarType.Float64);
        using var value = new ExpectedGradientsPenalty(background, 2).Loss(model, x, tensor(new long[] { 0, 1 }), empty);
        Assert.Equal(0.0, value.item<double>());
    }

    [Fact]
    public void TheWeightGradientMatchesCentralDifferences()
    {
        using var model = Mlp(5);
        using var x = tensor(Inputs);
        using var mask = tensor(Masks);
        using var y = tensor(new long[] { 1, 2 });
        manual_seed(6);
        using var background = randn(8, 4, ScalarType.Float64);
        var penalty = new ExpectedGradientsPenalty(background, references: 2);
        PenaltyGradCheck.AssertWeightGradient(model, () => penalty.Loss(model, x, y, mask), seed: 7);
    }

    [Fact]
    public void BadBackgroundsAndInputsAreRejectedWithReasons()
    {
        using var empty = zeros(0, 4, ScalarType.Float64);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => new ExpectedGradientsPenalty(empty)).Message);
        using var nan = full(2, 4, double.NaN, ScalarType.Float64);
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => new ExpectedGradientsPenalty(nan)).Message);
        using var model = Mlp(8);
        using var background = zeros(3, 5, ScalarType.Float64);
        using var x = tensor(Inputs);
        using var mask = tensor(Masks);
        Assert.Contains("background", Assert.Throws<ArgumentException>(() =>
            new ExpectedGradientsPenalty(background).Loss(model, x, tensor(new long[] { 0, 1 }), mask)).Message);
    }
}
