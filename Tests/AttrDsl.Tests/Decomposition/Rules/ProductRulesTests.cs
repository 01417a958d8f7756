using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

[Collection(GlobalRngCollection.Name)]
public sealed class ProductRulesTests
{
    [Fact]
    public void Element_wise_product_follows_the_acd_convention_by_hand()
    {
        using var scope = NewDisposeScope();
        // β₁ = 2, γ₁ = 3, β₂ = 5, γ₂ = −1: β' = 2·5 = 10, γ' = 5·4 − 10 = 2·(−1) + 3·5 + 3·(−1) = 10.
        var o = CdFunctional.mul(RuleCheck.Scalar1(2, 3), RuleCheck.Scalar1(5, -1));
        Assert.Equal(10.0, RuleCheck.V(o.Relevant), 12);
        Assert.Equal(10.0, RuleCheck.V(o.Irrelevant), 12);
    }

    [Fact]
    public void Quotient_takes_the_full_denominator_as_a_constant_by_hand()
    {
        using var scope = NewDisposeScope();
        // (2, 6) ÷ (1 + 3) = (0.5, 1.5).
        var o = CdFunctional.div(RuleCheck.Scalar1(2, 6), RuleCheck.Scalar1(1, 3));
        Assert.Equal(0.5, RuleCheck.V(o.Relevant), 12);
        Assert.Equal(1.5, RuleCheck.V(o.Irrelevant), 12);
        // 1 ÷ (1 + 3) = 0.25 by the proportional rule, share |1|/(|1| + |3|) = 1/4: (0.0625, 0.1875).
        var r = CdFunctional.div(1.0, RuleCheck.Scalar1(1, 3));
        Assert.Equal(0.0625, RuleCheck.V(r.Relevant), 12);
        Assert.Equal(0.1875, RuleCheck.V(r.Irrelevant), 12);
    }

    [Fact]
    public void Products_of_full_and_empty_masks()
    {
        manual_seed(111);
        using var scope = NewDisposeScope();
        var x = randn(3, 4, dtype: float64);
        var y = randn(3, 4, dtype: float64);
        var w = randn(4, 5, dtype: float64);
        var fx = new Dec(x, zeros_like(x));
        var fy = new Dec(y, zeros_like(y));
        RuleCheck.Close(CdFunctional.mul(fx, fy).Irrelevant, zeros(3, 4, dtype: float64), "γ'", 1e-12);
        RuleCheck.Close(CdFunctional.matmul(fx, new Dec(w, zeros_like(w))).Irrelevant, zeros(3, 5, dtype: float64), "γ'", 1e-12);
        var ex = new Dec(zeros_like(x), x);
        RuleCheck.Close(CdFunctional.mul(ex, fy).Relevant, zeros(3, 4, dtype: float64), "β'", 0);
        RuleCheck.Close(CdFunctional.matmul(ex, new Dec(w, zeros_like(w))).Relevant, zeros(3, 5, dtype: float64), "β'", 0);
        RuleCheck.Close(CdFunctional.div(ex, fy).Relevant, zeros(3, 4, dtype: float64), "β'", 0);
    }

    [Fact]
    public void Matmul_and_bmm_are_complete_for_every_overload()
    {
        manual_seed(112);
        using var scope = NewDisposeScope();
        var (a, xa) = RuleCheck.Pair(2, 1, 3, 4);
        var (b, xb) = RuleCheck.Pair(5, 4, 6);
        var w = randn(4, 6, dtype: float64);
        var v = randn(4, dtype: float64);
        RuleCheck.Complete(CdFunctional.matmul(a, b), xa.matmul(xb));     // batch dims [2, 1] and [5] broadcast
        RuleCheck.Complete(CdFunctional.matmul(a, w), xa.matmul(w));
        RuleCheck.Complete(CdFunctional.matmul(a, v), xa.matmul(v));
        RuleCheck.Complete(CdFunctional.matmul(w.t(), CdFunctional.transpose(a, -2, -1)), w.t().matmul(xa.transpose(-2, -1)));
        var (u, xu) = RuleCheck.Pair(4);
        RuleCheck.Complete(CdFunctional.matmul(u, b), xu.matmul(xb));
        RuleCheck.Complete(CdFunctional.matmul(u, u), xu.matmul(xu));
        RuleCheck.Alike(CdFunctional.matmul(a, w), a, t => t.matmul(w));
        RuleCheck.Close(CdFunctional.matmul(a, b).Relevant, a.Relevant.matmul(b.Relevant), "β'", 0);

        var (p, xp) = RuleCheck.Pair(3, 2, 4);
        var (q, xq) = RuleCheck.Pair(3, 4, 5);
        var m = randn(3, 4, 5, dtype: float64);
        RuleCheck.Complete(CdFunctional.bmm(p, q), xp.bmm(xq));
        RuleCheck.Complete(CdFunctional.bmm(p, m), xp.bmm(m));
        var l = randn(3, 7, 2, dtype: float64);
        RuleCheck.Complete(CdFunctional.bmm(l, p), l.bmm(xp));
    }

    [Fact]
    public void Bad_shapes_throw_before_matmul_can_kill_the_process()
    {
        manual_seed(113);
        using var scope = NewDisposeScope();
        var (a, _) = RuleCheck.Pair(2, 3, 4);
        var (b, _) = RuleCheck.Pair(5, 6);
        var ex = Assert.Throws<ArgumentException>(() => CdFunctional.matmul(a, b));
        Assert.Contains("[2, 3, 4]", ex.Message);
        Assert.Contains("[5, 6]", ex.Message);
        Assert.Throws<ArgumentException>(() => CdFunctional.matmul(a, randn(3, 4, dtype: float64)));
        Assert.Throws<ArgumentException>(() => CdFunctional.matmul(randn(7, dtype: float64), a));
        var (c, _) = RuleCheck.Pair(3, 4, 2);   // batch 2 vs 3 do not broadcast
        Assert.Throws<ArgumentException>(() => CdFunctional.matmul(a, c));
        Assert.Throws<ArgumentException>(() => CdFunctional.bmm(a, c));
        Assert.Throws<ArgumentException>(() => CdFunctional.bmm(a, randn(2, 5, 1, dtype: float64)));
        Assert.Throws<ArgumentException>(() => CdFunctional.matmul(CdFunctional.constant(tensor(1.0, float64)), b));
    }

    [Fact]
    public void Hand_written_attention_equals_the_attention_rule()
    {
        manual_seed(114);
        using var scope = NewDisposeScope();
        var (q, _) = RuleCheck.Pair(2, 3, 5, 8);
        var (k, _) = RuleCheck.Pair(2, 3, 6, 8);
        var (v, xv) = RuleCheck.Pair(2, 3, 6, 4);
        var scale = 1 / Math.Sqrt(8);
        var weights = CdFunctional.softmax(CdFunctional.mul(CdFunctional.matmul(q, CdFunctional.transpose(k, -2, -1)), scale), -1);
        var byHand = CdFunctional.matmul(weights, v);
        var rule = CdFunctional.scaled_dot_product_attention(q, k, v);
        RuleCheck.Close(byHand.Relevant, rule.Relevant, "β'");
        RuleCheck.Close(byHand.Irrelevant, rule.Irrelevant, "γ'");
        // And both against plain attention on the full values.
        var full = nn.functional.softmax((q.Total()).matmul(k.Total().transpose(-2, -1)) * scale, -1).matmul(xv);
        RuleCheck.Complete(byHand, full);
    }
}
