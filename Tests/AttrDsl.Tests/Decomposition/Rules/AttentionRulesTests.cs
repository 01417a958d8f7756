using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using TorchSharp.Modules;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

[Collection(GlobalRngCollection.Name)]
public sealed class AttentionRulesTests
{
    /// <summary>softmax(q·kᵀ/√E + additive mask)·v written out, the reference the rule's β + γ must reproduce.</summary>
    private static Tensor Reference(Tensor q, Tensor k, Tensor v, Tensor? additive = null)
    {
        var logits = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(q.size(-1));
        if (additive is not null) logits = logits + additive;
        return logits.softmax(-1).matmul(v);
    }

    [Fact]
    public void Attention_is_complete_and_applies_the_full_input_weights_to_beta_and_gamma_of_v()
    {
        manual_seed(21);
        using var scope = NewDisposeScope();
        var (q, xq) = CdAssert.RandomSplit(2, 3, 5, 4);     // [batch, heads, L, E]
        var (k, xk) = CdAssert.RandomSplit(2, 3, 6, 4);     // S = 6 keys
        var (v, xv) = CdAssert.RandomSplit(2, 3, 6, 7);
        var o = CdFunctional.scaled_dot_product_attention(q, k, v);
        CdAssert.Complete(o, Reference(xq, xk, xv));
        CdAssert.Complete(o, nn.functional.scaled_dot_product_attention(xq, xk, xv));
        // The documented rule: A from the full q and k, β' = A·β_V (not A computed from β_Q, β_K).
        var a = (xq.matmul(xk.transpose(-2, -1)) / 2.0).softmax(-1);
        Assert.True(CdAssert.MaxDiff(o.Relevant, a.matmul(v.Relevant)) < 1e-12);
        // Non-trivial split: β is neither 0 nor the whole output.
        Assert.True(o.Relevant.abs().max().item<double>() > 1e-3);
        Assert.True(o.Irrelevant.abs().max().item<double>() > 1e-3);
    }

    [Fact]
    public void Causal_bool_and_additive_masks_stay_complete()
    {
        manual_seed(22);
        using var scope = NewDisposeScope();
        var (q, xq) = CdAssert.RandomSplit(2, 5, 3);
        var (k, xk) = CdAssert.RandomSplit(2, 5, 3);
        var (v, xv) = CdAssert.RandomSplit(2, 5, 4);
        var causal = zeros(5, 5, dtype: float64).masked_fill(ones(5, 5, dtype: ScalarType.Bool).triu(1), double.NegativeInfinity);
        CdAssert.Complete(CdFunctional.scaled_dot_product_attention(q, k, v, isCausal: true), Reference(xq, xk, xv, causal));

        var allowed = rand(2, 5, 5, dtype: float64) > 0.3;
        allowed = allowed.logical_or(eye(5, dtype: ScalarType.Bool));        // every query keeps at least one key
        var asAdditive = zeros(2, 5, 5, dtype: float64).masked_fill(allowed.logical_not(), double.NegativeInfinity);
        CdAssert.Complete(CdFunctional.scaled_dot_product_attention(q, k, v, attnMask: allowed), Reference(xq, xk, xv, asAdditive));

        var additive = randn(5, 5, dtype: float64);
        CdAssert.Complete(CdFunctional.scaled_dot_product_attention(q, k, v, attnMask: additive), Reference(xq, xk, xv, additive));
    }

    [Fact]
    public void A_fully_relevant_value_leaves_gamma_zero()
    {
        manual_seed(23);
        using var scope = NewDisposeScope();
        var (q, _) = CdAssert.RandomSplit(3, 4, 2);
        var (k, _) = CdAssert.RandomSplit(3, 4, 2);
        var xv = randn(3, 4, 5, dtype: float64);
        var o = CdFunctional.scaled_dot_product_attention(q, k, new Dec(xv, zeros_like(xv)));
        CdAssert.Zero(o.Irrelevant);
    }

    [Fact]
    public void A_self_attention_block_decomposes_exactly_through_the_entry_point()
    {
        manual_seed(24);
        using var scope = NewDisposeScope();
        var block = new SelfAttention(6);
        var x = randn(2, 5, 6, dtype: float64);
        var mask = CdAssert.RandomMask(2, 5, 6);
        var d = ContextualDecomposition.Decompose(block, x, mask);
        CdAssert.Complete(d, block.call(x));
        Assert.True(d.Relevant.abs().max().item<double>() > 1e-3);
        Assert.True(d.Irrelevant.abs().max().item<double>() > 1e-3);
    }

    [Fact]
    public void Mismatched_shapes_throw_instead_of_crashing()
    {
        using var scope = NewDisposeScope();
        var (q, _) = CdAssert.RandomSplit(2, 4, 3);
        var (k, _) = CdAssert.RandomSplit(2, 4, 5);          // E differs
        var (v, _) = CdAssert.RandomSplit(2, 4, 3);
        Assert.Throws<ArgumentException>(() => CdFunctional.scaled_dot_product_attention(q, k, v));
        var (k3, _) = CdAssert.RandomSplit(3, 4, 3);         // batch 2 vs 3
        Assert.Throws<ArgumentException>(() => CdFunctional.scaled_dot_product_attention(q, k3, v));
        var (v5, _) = CdAssert.RandomSplit(2, 5, 3);         // 4 keys, 5 values
        Assert.Throws<ArgumentException>(() => CdFunctional.scaled_dot_product_attention(q, q, v5));
    }

    /// <summary>One-head self-attention with an output projection, decomposing itself statement by statement.</summary>
    private sealed class SelfAttention : nn.Module<Tensor, Tensor>, IDecomposable
    {
        private readonly Linear q;
        private readonly Linear k;
        private readonly Linear v;
        private readonly Linear o;

        public SelfAttention(int e) : base(nameof(SelfAttention))
        {
            (q, k, v, o) = (nn.Linear(e, e, dtype: float64), nn.Linear(e, e, dtype: float64), nn.Linear(e, e, dtype: float64), nn.Linear(e, e, dtype: float64));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) =>
            o.forward(nn.functional.scaled_dot_product_attention(q.forward(x), k.forward(x), v.forward(x)));

        public Dec Decompose(Dec d) =>
            CdFunctional.module(o, CdFunctional.scaled_dot_product_attention(CdFunctional.module(q, d), CdFunctional.module(k, d), CdFunctional.module(v, d)));
    }
}
