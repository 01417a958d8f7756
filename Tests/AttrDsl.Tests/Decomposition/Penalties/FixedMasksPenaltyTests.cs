using AttrDsl.Decomposition.Penalties;

namespace AttrDsl.Tests.Decomposition.Penalties;

public class FixedMasksPenaltyTests
{
    [Fact]
    public void ItSumsThePenaltyOverEveryFixedMaskAndIgnoresTheBatchMask()
    {
        using var model = PenaltyTestModels.Linear(out _, out _);
        using var x = tensor(PenaltyTestModels.Inputs);
        using var y = tensor(new long[] { 0, 1 });
        using var masks = tensor(new double[,] { { 1, 1, 0, 0 }, { 0, 0, 1, 1 } });
        var rrr = new RrrPenalty();
        var both = new FixedMasksPenalty(rrr, masks);
        Assert.Equal("RRR (2 masks)", both.Name);
        using var ignored = zeros(2, 4, ScalarType.Float64);
        using var sum = both.Loss(model, x, y, ignored);
        using var first = rrr.Loss(model, x, y, masks.narrow(0, 0, 1));
        using var second = rrr.Loss(model, x, y, masks.narrow(0, 1, 1));
        using var all = rrr.Loss(model, x, y, ones(1, 4, ScalarType.Float64));
        Assert.Equal(first.item<double>() + second.item<double>(), sum.item<double>(), 1e-12);
        Assert.Equal(all.item<double>(), sum.item<double>(), 1e-12);   // disjoint masks covering everything: RRR adds up
        Assert.True(sum.requires_grad);
        using var none = zeros(0, 4, ScalarType.Float64);
        Assert.Contains("hold no mask", Assert.Throws<ArgumentException>(() => new FixedMasksPenalty(rrr, none)).Message);
    }
}
