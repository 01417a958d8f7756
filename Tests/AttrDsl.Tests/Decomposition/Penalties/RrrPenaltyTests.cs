using AttrDsl.Decomposition.Penalties;
using static AttrDsl.Tests.Decomposition.Penalties.PenaltyTestModels;

namespace AttrDsl.Tests.Decomposition.Penalties;

public class RrrPenaltyTests
{
    [Fact]
    public void TheValueIsTheSquaredMaskedGradientOfTheSummedLogProbabilities()
    {
        using var model = Linear(out var w, out var b);
        using var x = tensor(Inputs);
        using var mask = tensor(Masks);
        using var value = new RrrPenalty().Loss(model, x, tensor(new long[] { 0, 1 }), mask);

        // Σ_k log p_k = Σ_k z_k − K·logsumexp(z), so its input gradient is Σ_k W_k − K·Σ_j p_j W_j.
        double expected = 0;
        for (var s = 0; s < 2; s++)
        {
            var z = new double[3];
            for (var k = 0; k < 3; k++)
            {
                z[k] = b[k];
                for (var i = 0; i < 4; i++) z[k] += w[k, i] * Inputs[s, i];
            }
            var norm = z.Sum(Math.Exp);
            for (var i = 0; i < 4; i++)
            {
                double g = 0;
                for (var k = 0; k < 3; k++) g += w[k, i] - 3 * Math.Exp(z[k]) / norm * w[k, i];
                expected += Math.Pow(Masks[s, i] * g, 2);
            }
        }
        Assert.Equal(expected, value.item<double>(), 1e-12);
        Assert.True(value.requires_grad);
    }

    [Fact]
    public void AnEmptyMaskCostsNothing()
    {
        using var model = Mlp(1);
        using var x = tensor(Inputs);
        using var empty = zeros(1, 4, ScalarType.Float64);
        using var value = new RrrPenalty().Loss(model, x, tensor(new long[] { 0, 1 }), empty);
        Assert.Equal(0.0, value.item<double>());
    }

    [Fact]
    public void TheWeightGradientMatchesCentralDifferences()
    {
        using var model = Mlp(2);
        using var x = tensor(Inputs);
        using var mask = tensor(Masks);
        using var y = tensor(new long[] { 0, 1 });
        var penalty = new RrrPenalty();
        PenaltyGradCheck.AssertWeightGradient(model, () => penalty.Loss(model, x, y, mask));
    }

    [Fact]
    public void TheInputsGradientIsLeftAlone()
    {
        using var model = Mlp(3);
        using var x = tensor(Inputs).requires_grad_();
        using var mask = tensor(Masks);
        using var value = new RrrPenalty().Loss(model, x, tensor(new long[] { 0, 1 }), mask);
        Assert.True(x.grad is null || x.grad.IsInvalid);
        Assert.Contains("returned null", Assert.Throws<InvalidOperationException>(() =>
            new RrrPenalty().Loss(new NullModel(), x, tensor(new long[] { 0, 1 }), mask)).Message);
    }

    private sealed class NullModel() : nn.Module<Tensor, Tensor>("null")
    {
        public override Tensor forward(Tensor input) => null!;
    }
}
