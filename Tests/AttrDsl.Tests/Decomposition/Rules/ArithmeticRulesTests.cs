using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

[Collection(GlobalRngCollection.Name)]
public sealed class ArithmeticRulesTests
{
    [Fact]
    public void Every_overload_is_complete_with_broadcasting()
    {
        manual_seed(101);
        using var scope = NewDisposeScope();
        var (a, xa) = RuleCheck.Pair(2, 3, 4, 4);
        var (b, xb) = RuleCheck.Pair(2, 3, 1, 1);     // squeeze-and-excitation shape
        var c = randn(3, 4, 4, dtype: float64);        // a constant that broadcasts into a
        var big = randn(2, 3, 4, 4, dtype: float64);   // a constant larger than b
        RuleCheck.Complete(CdFunctional.add(a, b), xa + xb);
        RuleCheck.Complete(CdFunctional.add(b, a), xb + xa);
        RuleCheck.Complete(CdFunctional.add(a, b, alpha: 2.5), xa + 2.5 * xb);
        RuleCheck.Complete(CdFunctional.add(a, c), xa + c);
        RuleCheck.Complete(CdFunctional.add(b, big), xb + big);
        RuleCheck.Complete(CdFunctional.add(a, c, 3.0), xa + 3.0 * c);
        RuleCheck.Complete(CdFunctional.add(c, a), c + xa);
        RuleCheck.Complete(CdFunctional.add(big, b, alpha: -2), big - 2 * xb);
        RuleCheck.Complete(CdFunctional.add(a, 1.5), xa + 1.5);
        RuleCheck.Complete(CdFunctional.add(a, 2), xa + 2);
        RuleCheck.Complete(CdFunctional.add(a, scalar: 1.5, alpha: 2), xa + 3.0);
        RuleCheck.Complete(CdFunctional.add(0.5, a), xa + 0.5);

        RuleCheck.Complete(CdFunctional.sub(a, b), xa - xb);
        RuleCheck.Complete(CdFunctional.sub(b, a), xb - xa);
        RuleCheck.Complete(CdFunctional.sub(a, c), xa - c);
        RuleCheck.Complete(CdFunctional.sub(big, b), big - xb);
        RuleCheck.Complete(CdFunctional.sub(a, 0.7), xa - 0.7);
        RuleCheck.Complete(CdFunctional.sub(0.7, a), 0.7 - xa);
        RuleCheck.Complete(CdFunctional.neg(a), -xa);

        RuleCheck.Complete(CdFunctional.mul(a, b), xa * xb);
        RuleCheck.Complete(CdFunctional.mul(b, a), xb * xa);
        RuleCheck.Complete(CdFunctional.mul(a, c), xa * c);
        RuleCheck.Complete(CdFunctional.mul(big, b), big * xb);
        RuleCheck.Complete(CdFunctional.mul(a, -3.0), xa * -3.0);
        RuleCheck.Complete(CdFunctional.mul(2, a), 2 * xa);

        var (p, xp) = (new Dec(rand(2, 3, 1, 1, dtype: float64) + 0.5, rand(2, 3, 1, 1, dtype: float64) + 0.5), (Tensor?)null);
        xp = p.Relevant + p.Irrelevant;
        var cp = rand(3, 4, 4, dtype: float64) + 0.5;
        RuleCheck.Complete(CdFunctional.div(a, p), xa / xp);
        RuleCheck.Complete(CdFunctional.div(a, cp), xa / cp);
        RuleCheck.Complete(CdFunctional.div(big, p), big / xp);
        RuleCheck.Complete(CdFunctional.div(a, 4.0), xa / 4.0);
        RuleCheck.Complete(CdFunctional.div(2.0, p), 2.0 / xp);
        RuleCheck.Complete(CdFunctional.div(a, p, rounding_mode: RoundingMode.None), xa / xp);
    }

    [Fact]
    public void A_constant_added_is_shared_like_a_bias_by_magnitude()
    {
        using var scope = NewDisposeScope();
        // β = 3, γ = 1, c = 4: s = 3/4, so β' = 3 + 3 = 6 and γ' = 1 + 1 = 2.
        var o = CdFunctional.add(RuleCheck.Scalar1(3, 1), 4.0);
        Assert.Equal(6.0, RuleCheck.V(o.Relevant), 12);
        Assert.Equal(2.0, RuleCheck.V(o.Irrelevant), 12);
        // 8 − d with β = 3, γ = 1: (−3, −1) plus 8 split 3/4 : 1/4 → (3, 1).
        var s = CdFunctional.sub(8.0, RuleCheck.Scalar1(3, 1));
        Assert.Equal(3.0, RuleCheck.V(s.Relevant), 12);
        Assert.Equal(1.0, RuleCheck.V(s.Irrelevant), 12);
        // d − c as a tensor: β = −2, γ = 6, c = 4: (−2, 6) − 4·(1/4, 3/4) = (−3, 3).
        var t = CdFunctional.sub(RuleCheck.Scalar1(-2, 6), tensor(new[] { 4.0 }, [1]));
        Assert.Equal(-3.0, RuleCheck.V(t.Relevant), 12);
        Assert.Equal(3.0, RuleCheck.V(t.Irrelevant), 12);
    }

    [Fact]
    public void Full_and_empty_masks_keep_their_sides_through_constants()
    {
        manual_seed(102);
        using var scope = NewDisposeScope();
        var x = randn(5, 6, dtype: float64);
        var c = randn(6, dtype: float64);
        var full = new Dec(x, zeros_like(x));
        var empty = new Dec(zeros_like(x), x);
        foreach (var o in new[] { CdFunctional.add(full, c), CdFunctional.sub(full, 0.3), CdFunctional.sub(c, full), CdFunctional.mul(full, c), CdFunctional.div(full, 3.0), CdFunctional.neg(full) })
            RuleCheck.Close(o.Irrelevant, zeros_like(o.Irrelevant), "γ' of a full mask", 1e-12);
        foreach (var o in new[] { CdFunctional.add(empty, c), CdFunctional.sub(empty, 0.3), CdFunctional.sub(c, empty), CdFunctional.mul(empty, c), CdFunctional.div(empty, 3.0), CdFunctional.neg(empty) })
            RuleCheck.Close(o.Relevant, zeros_like(o.Relevant), "β' of an empty mask", 1e-12);
    }

    [Fact]
    public void Scaling_by_a_constant_scales_both_parts()
    {
        manual_seed(103);
        using var scope = NewDisposeScope();
        var (d, _) = RuleCheck.Pair(3, 4);
        var w = randn(4, dtype: float64);
        RuleCheck.Alike(CdFunctional.mul(d, w), d, t => t * w);
        RuleCheck.Alike(CdFunctional.mul(w, d), d, t => w * t);
        RuleCheck.Alike(CdFunctional.mul(d, 2.5), d, t => t * 2.5);
        RuleCheck.Alike(CdFunctional.div(d, w), d, t => t / w);
        RuleCheck.Alike(CdFunctional.div(d, 8.0), d, t => t / 8.0);
        RuleCheck.Alike(CdFunctional.sub(d, d), d, t => t - t);
    }

    [Fact]
    public void Bad_arguments_throw_argument_exceptions()
    {
        using var scope = NewDisposeScope();
        var (a, _) = RuleCheck.Pair(2, 3);
        var (b, _) = RuleCheck.Pair(4, 3);
        Assert.Throws<ArgumentException>(() => CdFunctional.add(a, b));
        Assert.Throws<ArgumentException>(() => CdFunctional.mul(a, b));
        Assert.Throws<ArgumentException>(() => CdFunctional.sub(a, randn(5, dtype: float64)));
        Assert.Throws<ArgumentException>(() => CdFunctional.div(a, a, RoundingMode.floor));
        Assert.Throws<ArgumentException>(() => CdFunctional.add(default(Dec), a));
        Assert.Throws<ArgumentNullException>(() => CdFunctional.mul(a, (Tensor)null!));
    }
}
