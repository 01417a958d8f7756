using AttrDsl.Decomposition;
using static AttrDsl.Tests.Decomposition.Rules.RuleCheck;
using Dec = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

/// <summary>max/min along a dimension, clamp, abs, square, pow and the transposes T/mT: complete, and their closed forms.</summary>
public sealed class SelectionAndPowerRulesTests
{
    [Fact]
    public void Max_and_min_along_a_dimension_pick_positions_on_the_full_value_and_read_both_parts_there()
    {
        using var scope = NewDisposeScope();
        var (d, x) = Pair(3, 5, 4);
        foreach (var keepdim in new[] { false, true })
        {
            var (values, indexes) = CdFunctional.max(d, 1, keepdim);
            var expected = x.max(1, keepdim);
            Complete(values, expected.values);
            Assert.True(equal(indexes, expected.indexes).all().item<bool>());
            var (minValues, minIndexes) = CdFunctional.min(d, -1, keepdim);
            Complete(minValues, x.min(-1, keepdim).values);
            // β is β itself at the chosen positions (not a share of the maximum).
            var at = keepdim ? indexes : indexes.unsqueeze(1);
            Close(keepdim ? values.Relevant : values.Relevant.unsqueeze(1), d.Relevant.gather(1, at), "β at the maximum");
            Assert.Equal(minIndexes.shape, minValues.Relevant.shape);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => CdFunctional.max(d, 3));
    }

    [Fact]
    public void Clamp_abs_square_and_pow_are_complete_with_their_closed_forms()
    {
        using var scope = NewDisposeScope();
        var (d, x) = Pair(4, 6);
        Complete(CdFunctional.clamp(d, min: 0), x.clamp(min: 0));
        Complete(CdFunctional.clamp(d, -0.5, 0.5), x.clamp(-0.5, 0.5));
        Complete(CdFunctional.abs(d), x.abs());
        Complete(CdFunctional.square(d), x.square());
        Complete(CdFunctional.pow(d, 2), x.pow(2));
        Complete(CdFunctional.pow(d, 3), x.pow(3));
        // Closed forms on one element: β = 2, γ = −3.
        var one = Scalar1(2, -3);
        var sq = CdFunctional.square(one);
        Assert.Equal(4, V(sq.Relevant), 12);                       // β² : relevant only where both factors are
        Assert.Equal(1 - 4, V(sq.Irrelevant), 12);                  // (β + γ)² − β²
        var ab = CdFunctional.abs(one);
        Assert.Equal(2, V(ab.Relevant), 12);                        // |β|
        Assert.Equal(1 - 2, V(ab.Irrelevant), 12);                  // |β + γ| − |β|
        var cube = CdFunctional.pow(one, 3);                        // Shapley: ½[f(β) − f(0) + f(β+γ) − f(γ)]
        Assert.Equal(0.5 * (8 + (-1) - (-27)), V(cube.Relevant), 12);
        Assert.Equal(-1 - 0.5 * (8 + (-1) - (-27)), V(cube.Irrelevant), 12);
        Assert.Same(d.Relevant, CdFunctional.pow(d, 1).Relevant);
    }

    [Fact]
    public void The_transposes_move_both_parts()
    {
        using var scope = NewDisposeScope();
        var (d, x) = Pair(2, 3, 4);
        Complete(CdFunctional.mT(d), x.mT);
        var (m, y) = Pair(3, 5);
        Complete(CdFunctional.T(m), y.T);
        Close(CdFunctional.T(m).Relevant, m.Relevant.T, "β transposed");
    }
}

/// <summary>The functional forms users write for layers: glu, gelu with its approximation.</summary>
public sealed class FunctionalFormRulesTests
{
    [Fact]
    public void Glu_and_gelu_forms_are_complete()
    {
        using var scope = NewDisposeScope();
        var (d, x) = Pair(3, 8);
        var glu = CdFunctional.glu(d, -1);
        Complete(glu, nn.functional.glu(x, -1));
        // The product rule: β' is the relevant half times the relevant part of σ(b).
        var halves = d.Relevant.chunk(2, -1);
        var sigmoid = AttrDsl.Decomposition.ActivationRules.Sigmoid(new Dec(halves[0 + 1], d.Irrelevant.chunk(2, -1)[1]));
        Close(glu.Relevant, halves[0] * sigmoid.Relevant, "β' of glu");
        Assert.Throws<ArgumentException>(() => CdFunctional.glu(Pair(3, 7).D, -1));
        Complete(CdFunctional.gelu(d, TorchSharp.Modules.GELU.Approximate.tanh), nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh));
        Complete(CdFunctional.gelu(d, inplace: false), nn.functional.gelu(x));
    }
}

/// <summary>Activation modules as layers (a Sequential of them, decomposed by the runtime's walk): complete, and as their functional rules.</summary>
public sealed class ActivationModuleRulesTests
{
    [Fact]
    public void Every_activation_module_decomposes_completely_and_as_its_functional_rule()
    {
        using var scope = NewDisposeScope();
        var (d, x) = Pair(4, 6);
        var modules = new (nn.Module<Tensor, Tensor> Module, Func<Dec, Dec> Rule)[]
        {
            (nn.SiLU(), r => CdFunctional.silu(r)), (nn.ReLU6(), r => CdFunctional.relu6(r)), (nn.ELU(0.5), r => CdFunctional.elu(r, 0.5)),
            (nn.Mish(), r => CdFunctional.mish(r)), (nn.Hardtanh(-0.5, 0.5), r => CdFunctional.hardtanh(r, -0.5, 0.5)),
            (nn.Hardsigmoid(), r => CdFunctional.hardsigmoid(r)), (nn.Hardswish(), r => CdFunctional.hardswish(r)),
            (nn.LogSoftmax(1), r => CdFunctional.log_softmax(r, 1)), (nn.GLU(1), r => CdFunctional.glu(r, 1)),
            (nn.CELU(0.7), r => AttrDsl.Decomposition.ActivationRules.ReluStyle(r, t => nn.functional.celu(t, 0.7))),
            (nn.SELU(), r => AttrDsl.Decomposition.ActivationRules.ReluStyle(r, t => nn.functional.selu(t))),
        };
        foreach (var (module, rule) in modules)
        {
            var result = ContextualDecomposition.Decompose(nn.Sequential(module), d);
            Complete(result, module.call(x));
            var expected = rule(d);
            Close(result.Relevant, expected.Relevant, $"β' of {module.GetType().Name}");
        }
        var prelu = nn.PReLU(1, 0.2, dtype: float64);
        Complete(ContextualDecomposition.Decompose(nn.Sequential(prelu), d), prelu.call(x));
    }
}
