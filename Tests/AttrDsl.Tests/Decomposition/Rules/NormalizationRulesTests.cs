using TorchSharp.Modules;
using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

[Collection(GlobalRngCollection.Name)]
public sealed class NormalizationRulesTests
{
    /// <summary>Random running statistics and affine parameters, eval mode (a fresh BatchNorm is nearly the identity).</summary>
    internal static T Randomised<T>(T bn) where T : NormBase
    {
        using (no_grad())
        {
            bn.running_mean!.copy_(randn(bn.num_features, dtype: float64));
            bn.running_var!.copy_(rand(bn.num_features, dtype: float64) + 0.5);
            bn.weight!.copy_(randn(bn.num_features, dtype: float64));
            bn.bias!.copy_(randn(bn.num_features, dtype: float64));
        }
        bn.eval();
        return bn;
    }

    [Fact]
    public void BatchNorm1d_eval_is_complete_and_matches_the_reference_rule()
    {
        manual_seed(5);
        using var scope = NewDisposeScope();
        var bn = Randomised(nn.BatchNorm1d(4, dtype: float64));
        var (d, x) = CdAssert.RandomSplit(6, 4);
        var o = NormalizationRules.BatchNorm(bn, d);
        CdAssert.Complete(o, bn.call(x));
        // ALGORITHMS.md §5: b = bn(0); r = bn(β) − b, i = bn(γ) − b; β' = r + b|r|/(|r|+|i|).
        var b = bn.call(zeros(1, 4, dtype: float64));
        var r = bn.call(d.Relevant) - b;
        var i = bn.call(d.Irrelevant) - b;
        Assert.True(CdAssert.MaxDiff(o.Relevant, r + b * r.abs() / (r.abs() + i.abs())) < 1e-12);
    }

    [Fact]
    public void BatchNorm2d_eval_is_complete_and_full_relevance_leaves_gamma_zero()
    {
        manual_seed(6);
        using var scope = NewDisposeScope();
        var bn = Randomised(nn.BatchNorm2d(3, dtype: float64));
        var (d, x) = CdAssert.RandomSplit(2, 3, 4, 5);
        CdAssert.Complete(NormalizationRules.BatchNorm(bn, d), bn.call(x));
        var full = NormalizationRules.BatchNorm(bn, new Dec(x, zeros_like(x)));
        CdAssert.Zero(full.Irrelevant);
    }

    [Fact]
    public void BatchNorm_in_training_mode_is_refused()
    {
        using var scope = NewDisposeScope();
        var bn = nn.BatchNorm1d(2, dtype: float64);
        var x = ones(3, 2, dtype: float64);
        var ex = Assert.Throws<InvalidOperationException>(() => NormalizationRules.BatchNorm(bn, new Dec(x, x)));
        Assert.Contains("eval()", ex.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LayerNorm_is_complete_with_sigma_from_the_full_input(bool affine)
    {
        manual_seed(7);
        using var scope = NewDisposeScope();
        var ln = nn.LayerNorm([3, 4], elementwise_affine: affine, dtype: float64);
        if (affine) using (no_grad()) { ln.weight!.copy_(randn(3, 4, dtype: float64)); ln.bias!.copy_(randn(3, 4, dtype: float64)); }
        var (d, x) = CdAssert.RandomSplit(5, 2, 3, 4);
        var o = NormalizationRules.LayerNorm(ln, d);
        CdAssert.Complete(o, ln.call(x));
        // The documented rule without its bias: β' = w·(β − mean β)/σ(β + γ).
        if (!affine)
        {
            long[] axes = [2, 3];
            var sigma = (x.var(axes, unbiased: false, keepdim: true) + 1e-5).sqrt();
            Assert.True(CdAssert.MaxDiff(o.Relevant, (d.Relevant - d.Relevant.mean(axes, keepdim: true)) / sigma) < 1e-12);
        }
        CdAssert.Zero(NormalizationRules.LayerNorm(ln, new Dec(x, zeros_like(x))).Irrelevant);
    }
}
