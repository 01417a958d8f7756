using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

[Collection(GlobalRngCollection.Name)]
public sealed class ElementwiseRulesTests
{
    public static TheoryData<string> Functions =>
        ["exp", "silu", "relu6", "elu", "elu_scaled", "hardtanh", "clamp_shifted", "hardtanh_method", "hardtanh_functional", "mish", "hardsigmoid", "hardswish", "softplus"];

    private static (Func<Dec, Dec> Rule, Func<Tensor, Tensor> F) Of(string name) => name switch
    {
        "exp" => (d => CdFunctional.exp(d), x => x.exp()),
        "silu" => (d => CdFunctional.silu(d), x => nn.functional.silu(x)),
        "relu6" => (d => CdFunctional.relu6(d, inplace: false), x => nn.functional.relu6(x)),
        "elu" => (d => CdFunctional.elu(d, 0.7), x => nn.functional.elu(x, 0.7)),
        "elu_scaled" => (d => CdFunctional.elu(d, 0.7, 1.5, 2.0), x => x.elu(0.7, 1.5, 2.0)),
        "hardtanh" => (d => CdFunctional.hardtanh(d, min_val: -0.5, max_val: 0.8), x => nn.functional.hardtanh(x, -0.5, 0.8)),
        // A clipped function with f(0) = 0.5 ≠ 0 (TorchSharp 0.107's hardtanh(x, 0.5, 2.0) was seen to return x unchanged,
        // so the f(0) ≠ 0 clipping case is checked through ReluStyle with clamp).
        "clamp_shifted" => (d => ActivationRules.ReluStyle(d, x => x.clamp(0.5, 2.0)), x => x.clamp(0.5, 2.0)),
        "hardtanh_functional" => (d => CdFunctional.hardtanh(d, 0.5, 2.0, false), x => nn.functional.hardtanh(x, 0.5, 2.0)),
        "hardtanh_method" => (d => CdFunctional.hardtanh(d, min: -1.0, max: 0.3), x => x.hardtanh(-1.0, 0.3)),
        "mish" => (d => CdFunctional.mish(d), x => nn.functional.mish(x)),
        "hardsigmoid" => (d => CdFunctional.hardsigmoid(d), x => nn.functional.hardsigmoid(x)),
        "hardswish" => (d => CdFunctional.hardswish(d), x => nn.functional.hardswish(x)),
        "softplus" => (d => CdFunctional.softplus(d, 2, 20), x => nn.functional.softplus(x, 2, 20)),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Functions))]
    public void Function_is_complete_and_masks_keep_their_sides(string name)
    {
        manual_seed(121);
        using var scope = NewDisposeScope();
        var (rule, f) = Of(name);
        var (d, x) = RuleCheck.Pair(4, 9);
        x = x * 2;   // reach the clipped and saturated regions too
        d = new Dec(d.Relevant * 2, d.Irrelevant * 2);
        RuleCheck.Complete(rule(d), f(x));
        var f0 = f(zeros(1, dtype: float64));
        // Full mask: γ' = 0, except where f(β) = f(0), where the bias rule gives f(0) half (documented).
        var full = rule(new Dec(x, zeros_like(x)));
        RuleCheck.Complete(full, f(x));
        RuleCheck.Close(full.Irrelevant, where(f(x).eq(f0), f0 / 2, zeros_like(x)), "γ' of a full mask", 1e-12);
        // Empty mask: β' = 0, except where f(γ) = f(0).
        var empty = rule(new Dec(zeros_like(x), x));
        RuleCheck.Complete(empty, f(x));
        RuleCheck.Close(empty.Relevant, where(f(x).eq(f0), f0 / 2, zeros_like(x)), "β' of an empty mask", 1e-12);
    }

    [Fact]
    public void Softplus_shares_its_value_at_zero_like_a_bias()
    {
        using var scope = NewDisposeScope();
        static double Sp(double v) => Math.Log(1 + Math.Exp(v));
        double b = 1.0, g = -0.5;
        var o = ActivationRules.Softplus(RuleCheck.Scalar1(b, g));
        double r = Sp(b) - Math.Log(2), i = Sp(b + g) - Sp(b), share = Math.Abs(r) / (Math.Abs(r) + Math.Abs(i));
        Assert.Equal(r + Math.Log(2) * share, RuleCheck.V(o.Relevant), 13);
        Assert.Equal(i + Math.Log(2) * (1 - share), RuleCheck.V(o.Irrelevant), 13);
        // An empty mask now leaves β' = 0 (it used to keep softplus(0) = ln 2).
        var empty = ActivationRules.Softplus(RuleCheck.Scalar1(0, 0.8));
        Assert.Equal(0.0, RuleCheck.V(empty.Relevant), 15);
    }

    [Fact]
    public void Relu_style_functions_with_f0_zero_keep_the_plain_relu_rule()
    {
        manual_seed(122);
        using var scope = NewDisposeScope();
        var (d, _) = RuleCheck.Pair(3, 5);
        var o = CdFunctional.silu(d);
        RuleCheck.Close(o.Relevant, nn.functional.silu(d.Relevant), "β'", 0);
    }

    [Fact]
    public void Exp_is_the_two_player_shapley_value_with_one_shared_like_a_bias()
    {
        using var scope = NewDisposeScope();
        double b = 0.4, g = -1.1;
        var o = CdFunctional.exp(RuleCheck.Scalar1(b, g));
        var cb = 0.5 * (Math.Exp(b) - 1 + Math.Exp(b + g) - Math.Exp(g));
        var cg = 0.5 * (Math.Exp(g) - 1 + Math.Exp(b + g) - Math.Exp(b));
        var share = Math.Abs(cb) / (Math.Abs(cb) + Math.Abs(cg));
        Assert.Equal(cb + share, RuleCheck.V(o.Relevant), 13);
        Assert.Equal(cg + (1 - share), RuleCheck.V(o.Irrelevant), 13);
    }

    [Fact]
    public void Log_and_sqrt_follow_the_proportional_rule()
    {
        manual_seed(123);
        using var scope = NewDisposeScope();
        // β = 1, γ = 3: log 4 split 1/4 : 3/4; sqrt 4 = 2 split alike.
        var l = CdFunctional.log(RuleCheck.Scalar1(1, 3));
        Assert.Equal(Math.Log(4) / 4, RuleCheck.V(l.Relevant), 13);
        Assert.Equal(Math.Log(4) * 3 / 4, RuleCheck.V(l.Irrelevant), 13);
        var s = CdFunctional.sqrt(RuleCheck.Scalar1(-1, 5));
        Assert.Equal(2.0 / 6, RuleCheck.V(s.Relevant), 13);
        Assert.Equal(2.0 * 5 / 6, RuleCheck.V(s.Irrelevant), 13);
        // Both parts 0: ½ each (here of log 0 = −∞ it would be −∞; use a function finite at 0).
        var z = ActivationRules.Proportional(RuleCheck.Scalar1(0, 0), t => t + 3);
        Assert.Equal(1.5, RuleCheck.V(z.Relevant), 13);
        Assert.Equal(1.5, RuleCheck.V(z.Irrelevant), 13);
        // Completeness and the masks on positive inputs.
        var b = rand(4, 6, dtype: float64) + 0.1;
        var g = rand(4, 6, dtype: float64) + 0.1;
        RuleCheck.Complete(CdFunctional.log(new Dec(b, g)), (b + g).log());
        RuleCheck.Complete(CdFunctional.sqrt(new Dec(b, g)), (b + g).sqrt());
        RuleCheck.Close(CdFunctional.log(new Dec(b, zeros_like(b))).Irrelevant, zeros_like(b), "γ' of a full mask", 1e-12);
        RuleCheck.Close(CdFunctional.sqrt(new Dec(zeros_like(g), g)).Relevant, zeros_like(g), "β' of an empty mask", 1e-12);
    }

    [Fact]
    public void Zero_dimensional_activations_keep_their_shape()
    {
        using var scope = NewDisposeScope();
        var d = new Dec(tensor(0.3, float64), tensor(-0.2, float64));
        Assert.Empty(CdFunctional.hardsigmoid(d).Relevant.shape);
        Assert.Empty(CdFunctional.exp(d).Irrelevant.shape);
        Assert.Empty(CdFunctional.sigmoid(d).Irrelevant.shape);
    }
}
