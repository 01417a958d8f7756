using AttrDsl.Tests.Infrastructure;
using AttrDsl.Tests.Models.Corpus;
using static AttrDsl.Tests.Generated.Corpus.CorpusCheck;
using Cd = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Generated.Corpus;

/// <summary>The control-flow zoo: the generated decomposition follows every statement form, and its layer map splits exactly.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class ControlFlowZooTests
{
    [Fact]
    public void Every_statement_form_decomposes_completely_and_splits_exactly()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new ControlFlowZoo());
        var x = Rand([3, 8], 21);
        var output = model.call(x);
        for (var seed = 0; seed < 3; seed++)
            AssertComplete(output, model.ContextualDecomposition(x, Mask([3, 8], 200 + seed)), $"mask {seed}");
        // The decomposition is deterministic and follows the same values as forward: by hand, through the runtime's rules.
        Cd ByHand(Cd d)
        {
            var fc = Child(model, "fc");
            d = P(fc, d);
            var y = AttrDsl.Decomposition.CdFunctional.relu(d);
            var scale = Parameter(model, "scale");
            for (var step = 0; step < 2; step++) y = AttrDsl.Decomposition.CdFunctional.add(y, AttrDsl.Decomposition.CdFunctional.mul(P(fc, y), scale));
            var h = AttrDsl.Decomposition.CdFunctional.add(y, P(fc, y));
            var outs = new[] { AttrDsl.Decomposition.CdFunctional.mul(P(fc, h), 1.0), AttrDsl.Decomposition.CdFunctional.mul(P(fc, h), 2.0) };
            var t = AttrDsl.Decomposition.CdFunctional.sum(AttrDsl.Decomposition.CdFunctional.stack(outs, 1), dim: 1);
            var a = AttrDsl.Decomposition.CdFunctional.relu(t);
            var b = AttrDsl.Decomposition.CdFunctional.sigmoid(t);
            a = P(Child(model, "seq"), a);
            a = AttrDsl.Decomposition.CdFunctional.relu(AttrDsl.Decomposition.CdFunctional.add(a, b));
            return AttrDsl.Decomposition.CdFunctional.squeeze(P(Child(model, "out1"), a), -1);
        }
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => ByHand(Input(x, m)), x.shape);
        var layers = model.ListLayers(x);
        AssertSplits(model, x, layers, model.ForwardTo, model.ForwardFrom);
        Assert.Contains(layers, l => l.Name == "out1");
    }
}
