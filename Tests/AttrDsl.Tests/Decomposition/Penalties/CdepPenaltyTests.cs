using AttrDsl.Decomposition.Penalties;
using static AttrDsl.Tests.Decomposition.Penalties.PenaltyTestModels;

namespace AttrDsl.Tests.Decomposition.Penalties;

public class CdepPenaltyTests
{
    /// <summary>The exact decomposition of a linear model with the bias given to the irrelevant part: β = W(m⊙x), γ = W((1−m)⊙x) + b.</summary>
    private static (Tensor, Tensor) LinearCd(nn.Module<Tensor, Tensor> model, Tensor x, Tensor m)
    {
        var linear = (TorchSharp.Modules.Linear)model;
        var relevant = (m * x).mm(linear.weight!.t());
        var irrelevant = ((1 - m) * x).mm(linear.weight!.t()) + linear.bias!;
        return (relevant, irrelevant);
    }

    /// <summary>The CD rule for one linear layer (ALGORITHMS.md §5): the bias shared in proportion to |Wβ| and |Wγ| — nonlinear in W.</summary>
    private static (Tensor, Tensor) BiasShareCd(nn.Module<Tensor, Tensor> model, Tensor x, Tensor m)
    {
        var linear = (TorchSharp.Modules.Linear)model;
        var r = (m * x).mm(linear.weight!.t());
        var i = ((1 - m) * x).mm(linear.weight!.t());
        var total = r.abs() + i.abs() + 1e-20;
        return (r + linear.bias! * r.abs() / total, i + linear.bias! * i.abs() / total);
    }

    [Fact]
    public void TheValueIsTheMeanRelevantShareOfEveryLogit()
    {
        using var model = Linear(out var w, out var b);
        using var x = tensor(Inputs);
        using var mask = tensor(Masks);
        var penalty = new CdepPenalty(LinearCd);
        using var value = penalty.Loss(model, x, tensor(new long[] { 0, 1 }), mask);

        double expected = 0;
        for (var s = 0; s < 2; s++)
            for (var k = 0; k < 3; k++)
            {
                double rel = 0, irr = b[k];
                for (var i = 0; i < 4; i++)
                {
                    rel += w[k, i] * Masks[s, i] * Inputs[s, i];
                    irr += w[k, i] * (1 - Masks[s, i]) * Inputs[s, i];
                }
                // softmax([rel, irr])₀
                expected += Math.Exp(rel) / (Math.Exp(rel) + Math.Exp(irr)) / 6;
            }
        Assert.Equal(0, value.dim());
        Assert.Equal(expected, value.item<double>(), 1e-14);
        Assert.True(value.requires_grad);
    }

    [Fact]
    public void AnEmptyMaskCostsNothingAndASampleWithAnEmptyMaskIsLeftOut()
    {
        using var model = Linear(out _, out _);
        using var x = tensor(Inputs);
        using var empty = zeros(2, 4, ScalarType.Float64);
        using var zero = CdepPenalty.Value((t, m) => LinearCd(model, t, m), x, empty);
        Assert.Equal(0.0, zero.item<double>());
        Assert.True(zero.requires_grad);                      // trainable even when nothing is masked (zero gradient)

        using var first = tensor(new double[,] { { 1, 0, 0, 1 }, { 0, 0, 0, 0 } });
        using var both = CdepPenalty.Value((t, m) => LinearCd(model, t, m), x, first);
        using var only = CdepPenalty.Value((t, m) => LinearCd(model, t, m), x.narrow(0, 0, 1), first.narrow(0, 0, 1));
        Assert.Equal(only.item<double>() / 2, both.item<double>(), 1e-15);
    }

    [Fact]
    public void ASharedBroadcastMaskEqualsTheSameMaskPerSample()
    {
        using var model = Linear(out _, out _);
        using var x = tensor(Inputs);
        using var shared = tensor(new double[,] { { 0, 1, 1, 0 } });
        using var perSample = shared.expand(2, 4).contiguous();
        var penalty = new CdepPenalty(BiasShareCd);
        using var y = tensor(new long[] { 0, 1 });
        using var a = penalty.Loss(model, x, y, shared);
        using var c = penalty.Loss(model, x, y, perSample);
        Assert.Equal(c.item<double>(), a.item<double>(), 1e-15);
    }

    [Fact]
    public void TheWeightGradientMatchesCentralDifferences()
    {
        using var model = Linear(out _, out _);
        using var x = tensor(Inputs);
        using var mask = tensor(Masks);
        using var y = tensor(new long[] { 0, 1 });
        var penalty = new CdepPenalty(BiasShareCd);
        PenaltyGradCheck.AssertWeightGradient(model, () => penalty.Loss(model, x, y, mask));
    }

    [Fact]
    public void UnusableMasksAndDecompositionsAreRejectedWithReasons()
    {
        using var model = Linear(out _, out _);
        using var x = tensor(Inputs);
        using var y = tensor(new long[] { 0, 1 });
        using var wrong = ones(2, 3, ScalarType.Float64);
        Assert.Contains("does not fit the inputs", Assert.Throws<ArgumentException>(() => new CdepPenalty(LinearCd).Loss(model, x, y, wrong)).Message);
        using var nan = tensor(new double[,] { { double.NaN, 0, 0, 0 }, { 0, 0, 0, 0 } });
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => new CdepPenalty(LinearCd).Loss(model, x, y, nan)).Message);
        using var mask = tensor(Masks);
        var mismatched = new CdepPenalty((mo, t, m) => (mo.call(t), mo.call(t).narrow(1, 0, 2)));
        Assert.Contains("differ in shape", Assert.Throws<InvalidOperationException>(() => mismatched.Loss(model, x, y, mask)).Message);
        var integer = new CdepPenalty((mo, t, m) => (mo.call(t).argmax(1), mo.call(t)));
        Assert.Contains("floating-point", Assert.Throws<InvalidOperationException>(() => integer.Loss(model, x, y, mask)).Message);
        Assert.Throws<ArgumentNullException>(() => new CdepPenalty(null!));
    }
}
