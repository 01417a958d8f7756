using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

[Collection(GlobalRngCollection.Name)]
public sealed class SoftmaxRulesTests
{
    [Fact]
    public void Softmax_is_a_plain_tensor_of_the_full_input()
    {
        manual_seed(131);
        using var scope = NewDisposeScope();
        var (d, x) = RuleCheck.Pair(3, 5);
        Tensor w = CdFunctional.softmax(d, -1);
        RuleCheck.Close(w, nn.functional.softmax(x, -1), "softmax");
        RuleCheck.Close(CdFunctional.softmax(d, dim: 0), x.softmax(0), "softmax dim 0");
        var w32 = CdFunctional.softmax(d, 1, dtype: ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, w32.dtype);
        Assert.Throws<ArgumentException>(() => CdFunctional.softmax(d, 4));
    }

    [Fact]
    public void Log_softmax_is_complete_and_shares_logsumexp_like_a_bias()
    {
        manual_seed(132);
        using var scope = NewDisposeScope();
        var (d, x) = RuleCheck.Pair(4, 6);
        RuleCheck.Complete(CdFunctional.log_softmax(d, -1), x.log_softmax(-1));
        RuleCheck.Complete(CdFunctional.log_softmax(d, dim: 0, dtype: ScalarType.Float64), x.log_softmax(0));
        RuleCheck.Complete(CdFunctional.log_softmax(x: d, dim: 1), nn.functional.log_softmax(x, 1));
        var full = CdFunctional.log_softmax(new Dec(x, zeros_like(x)), -1);
        RuleCheck.Close(full.Irrelevant, zeros_like(x), "γ' of a full mask", 1e-12);
        var empty = CdFunctional.log_softmax(new Dec(zeros_like(x), x), -1);
        RuleCheck.Close(empty.Relevant, zeros_like(x), "β' of an empty mask", 1e-12);
    }

    [Fact]
    public void Log_softmax_by_hand()
    {
        using var scope = NewDisposeScope();
        // β = [1, 0], γ = [0, 2] along dim 0: x = [1, 2], lse = log(e + e²); shares [1, 0]:
        // β' = [1 − lse, 0], γ' = [0, 2 − lse].
        var d = new Dec(tensor(new[] { 1.0, 0.0 }, [2]), tensor(new[] { 0.0, 2.0 }, [2]));
        var o = CdFunctional.log_softmax(d, 0);
        var lse = Math.Log(Math.E + Math.E * Math.E);
        RuleCheck.Close(o.Relevant, tensor(new[] { 1 - lse, 0.0 }, [2]), "β'", 1e-14);
        RuleCheck.Close(o.Irrelevant, tensor(new[] { 0.0, 2 - lse }, [2]), "γ'", 1e-14);
        // β = 1, γ = 3 in one of two positions, β = γ = 0 in the other (x = [4, 0]):
        // lse = log(e⁴ + 1); first: (1, 3) − lse·(1/4, 3/4); second: −lse split 50/50.
        var e = new Dec(tensor(new[] { 1.0, 0.0 }, [2]), tensor(new[] { 3.0, 0.0 }, [2]));
        var p = CdFunctional.log_softmax(e, 0);
        var l2 = Math.Log(Math.Exp(4) + 1);
        RuleCheck.Close(p.Relevant, tensor(new[] { 1 - l2 / 4, -l2 / 2 }, [2]), "β'", 1e-14);
        RuleCheck.Close(p.Irrelevant, tensor(new[] { 3 - 3 * l2 / 4, -l2 / 2 }, [2]), "γ'", 1e-14);
    }
}
