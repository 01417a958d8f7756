using TorchSharp.Modules;
using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

[Collection(GlobalRngCollection.Name)]
public sealed class ShapeAndCombinationRulesTests
{
    [Fact]
    public void Shape_ops_move_beta_and_gamma_alike()
    {
        manual_seed(12);
        using var scope = NewDisposeScope();
        var (d, x) = CdAssert.RandomSplit(2, 3, 4);
        var flat = nn.Flatten();
        CdAssert.Complete(ShapeRules.Flatten(flat, d), flat.call(x));
        CdAssert.Complete(CdFunctional.view(d, 2, 12), x.view(2, 12));
        CdAssert.Complete(CdFunctional.reshape(d, 6, 4), x.reshape(6, 4));
        var p = CdFunctional.permute(d, 2, 0, 1);
        CdAssert.Complete(p, x.permute(2, 0, 1));
        Assert.True(CdAssert.MaxDiff(p.Relevant, d.Relevant.permute(2, 0, 1)) == 0);
    }

    [Fact]
    public void Dropout_in_eval_mode_is_the_identity_and_in_training_mode_refused()
    {
        using var scope = NewDisposeScope();
        var (d, x) = CdAssert.RandomSplit(3, 4);
        var drop = nn.Dropout(0.5);
        Assert.Throws<InvalidOperationException>(() => ShapeRules.Dropout(drop, d));
        drop.eval();
        var o = ShapeRules.Dropout(drop, d);
        CdAssert.Complete(o, drop.call(x));
        Assert.True(CdAssert.MaxDiff(o.Relevant, d.Relevant) == 0);
    }

    [Fact]
    public void Embedding_gives_each_token_wholly_to_its_side()
    {
        manual_seed(13);
        using var scope = NewDisposeScope();
        var emb = nn.Embedding(10, 4, dtype: float64);
        var tokens = tensor(new long[] { 3, 7, 1 }, [1, 3]);
        var mask = tensor(new double[] { 1, 0, 1 }, [1, 3]);
        var o = EmbeddingRules.Embedding(emb, tokens, mask);
        var e = emb.call(tokens);
        CdAssert.Complete(o, e);
        CdAssert.Zero(o.Relevant[0, 1]);
        CdAssert.Zero(o.Irrelevant[0, 0]);
        CdAssert.Zero(o.Irrelevant[0, 2]);
    }

    [Fact]
    public void Residual_addition_and_concatenation_are_complete()
    {
        manual_seed(14);
        using var scope = NewDisposeScope();
        var (a, xa) = CdAssert.RandomSplit(2, 3);
        var (b, xb) = CdAssert.RandomSplit(2, 3);
        CdAssert.Complete(CdFunctional.add(a, b), xa + xb);
        var c = CdFunctional.cat([a, b], 1);
        CdAssert.Complete(c, cat([xa, xb], 1));
        Assert.True(CdAssert.MaxDiff(c.Relevant, cat([a.Relevant, b.Relevant], 1)) == 0);
    }
}
