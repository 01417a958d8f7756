using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Tests.Models.Corpus;
using static AttrDsl.Tests.Generated.Corpus.CorpusCheck;
using Cd = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Generated.Corpus;

/// <summary>
/// MultiBranchNet: split into groups, a list of encoded groups built in a loop, stack, narrow. Left out of the build
/// with its model until the generator translates Tensor[]/List&lt;Tensor&gt; locals (see AttrDsl.Tests.csproj).
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class MultiBranchNetTests
{
    [Fact]
    public void The_multi_branch_net_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new MultiBranchNet());
        var x = Rand([3, 9], 51);
        var output = Forward(model, x);
        Cd ByHand(Cd d)
        {
            var groups = CdFunctional.split(d, 3, 1);
            var encoded = groups.Select((g, i) => CdFunctional.tanh(Lin(model, $"encoders.{i}", g))).ToList();
            var h = CdFunctional.sum(CdFunctional.stack(encoded, 1), 1);
            h = CdFunctional.add(h, Lin(model, "skip", CdFunctional.narrow(d, 1, 0, 2)));
            return Lin(model, "head", h);
        }
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => ByHand(Input(x, m)), x.shape);
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
        var layers = model.ListLayers(x);
        // x and the list of encodings stay needed after every encoder and after skip: only head is a split point.
        Assert.Equal([MultiBranchNet.Layer.head], layers);
        AssertSplits(model, x, layers, model.ForwardTo, model.ForwardFrom);
    }
}
