using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Tests.Models.Corpus;
using static AttrDsl.Tests.Generated.Corpus.CorpusCheck;
using Cd = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Generated.Corpus;

/// <summary>The two ResNets of the corpus: blocks in a ModuleList run with foreach, and with an indexed for loop.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class ResNetTests
{
    // BasicBlock.forward by hand: relu(bn2(conv2(relu(bn1(conv1(x))))) + x).
    private static Cd Basic(nn.Module b, Cd x)
    {
        var o = CdFunctional.relu(BN(b, "bn1", Conv(b, "conv1", x)));
        o = BN(b, "bn2", Conv(b, "conv2", o));
        return CdFunctional.relu(CombinationRules.Add(o, x));
    }

    private static Cd ForeachByHand(ResNetForeach m, Cd d)
    {
        d = CdFunctional.relu(BN(m, "bn", Conv(m, "stem", d)));
        foreach (var (_, block) in Child(m, "blocks").named_children()) d = Basic(block, d);
        d = CdFunctional.flatten(CdFunctional.adaptive_avg_pool2d(d, [1, 1]), 1);
        return Lin(m, "fc", d);
    }

    [Fact]
    public void The_foreach_resnet_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new ResNetForeach());
        var x = Rand([2, 3, 8, 8], 1);
        var output = Forward(model, x);
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => ForeachByHand(model, Input(x, m)), x.shape);
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
    }

    [Fact]
    public void The_foreach_resnet_splits_at_every_layer_and_every_block_iteration()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new ResNetForeach());
        var x = Rand([2, 3, 8, 8], 2);
        var layers = model.ListLayers(x);
        Assert.Contains(ResNetForeach.Layer.blocks(0), layers);
        Assert.Contains(ResNetForeach.Layer.blocks(2), layers);
        Assert.DoesNotContain(ResNetForeach.Layer.blocks(3), layers);
        AssertSplits(model, x, layers, model.ForwardTo, model.ForwardFrom);
        AssertExplained(model.Explain(ResNetForeach.Layer.blocks(1), x, 2));
    }

    // PreActBlock.forward by hand: x + conv2(relu(bn2(conv1(relu(bn1(x)))))).
    private static Cd PreAct(nn.Module b, Cd x)
    {
        var h = Conv(b, "conv1", CdFunctional.relu(BN(b, "bn1", x)));
        h = Conv(b, "conv2", CdFunctional.relu(BN(b, "bn2", h)));
        return CombinationRules.Add(x, h);
    }

    private static Cd IndexedByHand(ResNetIndexed m, Cd d)
    {
        d = Conv(m, "stem", d);
        d = PreAct(Child(m, "blocks.0"), d);
        d = PreAct(Child(m, "blocks.1"), d);
        d = CdFunctional.max_pool2d(d, 2);
        return Lin(m, "head", CdFunctional.flatten(d, 1));
    }

    [Fact]
    public void The_indexed_loop_resnet_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new ResNetIndexed());
        var x = Rand([3, 1, 8, 8], 3);
        var output = Forward(model, x);
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => IndexedByHand(model, Input(x, m)), x.shape);
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
    }

    [Fact]
    public void The_indexed_loop_resnet_splits_at_every_layer_and_every_block_iteration()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new ResNetIndexed());
        var x = Rand([2, 1, 8, 8], 4);
        var layers = model.ListLayers(x);
        Assert.Equal(new[] { "stem", "blocks_0", "blocks_1", "head" }, AssertSplits(model, x, layers, model.ForwardTo, model.ForwardFrom));
        AssertExplained(model.Explain(ResNetIndexed.Layer.blocks(1), x, 0));
    }
}
