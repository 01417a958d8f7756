using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Tests.Models.Corpus;
using static AttrDsl.Tests.Generated.Corpus.CorpusCheck;
using Cd = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Generated.Corpus;

/// <summary>The MLP-shaped models of the corpus: gated, configurable, with helpers, affine parameters, nested blocks, a deep residual loop.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class MlpTests
{
    [Fact]
    public void The_gated_mlp_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new GatedMlp());
        var x = Rand([4, 10], 31);
        var output = Forward(model, x);
        Cd ByHand(Cd d)
        {
            var ab = CdFunctional.chunk(Lin(model, "proj1", d), 2, -1);
            var h = CdFunctional.mul(ab[0], CdFunctional.sigmoid(ab[1]));
            var vg = CdFunctional.chunk(Lin(model, "proj2", h), 2, -1);
            return Lin(model, "output", CdFunctional.mul(vg[0], CdFunctional.sigmoid(vg[1])));
        }
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => ByHand(Input(x, m)), x.shape);
        // σ(0) = ½ is shared like a bias: with a full mask its linear part is β's alone, so it goes to β.
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
        // proj1 and proj2 are no split points today: their outputs are chunked into Tensor[] locals (see the corpus report).
        Assert.Equal(new[] { "proj1", "proj2", "output" }, AssertSplits(model, x, model.ListLayers(x), model.ForwardTo, model.ForwardFrom));
    }

    [Fact]
    public void The_configurable_net_takes_the_configured_path_and_returns_early_for_features()
    {
        using var scope = NewDisposeScope();
        var x = Rand([3, 8], 32);
        foreach (var (dropout, second, features) in new[] { (true, true, false), (false, false, false), (true, true, true), (false, true, true) })
        {
            var model = Make(() => new ConfigurableNet(dropout, second));
            model.ReturnFeatures = features;
            var output = Forward(model, x);
            Cd ByHand(Cd d)
            {
                var h = CdFunctional.relu(Lin(model, "fc1", d));
                if (second) h = CdFunctional.tanh(Lin(model, "fc2", h));
                return features ? h : Lin(model, "classifier", h);
            }
            AssertMasks(output, m => model.ContextualDecomposition(x, m), m => ByHand(Input(x, m)), x.shape);
            AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
            var names = AssertSplits(model, x, model.ListLayers(x), model.ForwardTo, model.ForwardFrom);
            Assert.Equal(second, names.Contains("fc2"));
            Assert.Equal(dropout, names.Contains("dropout"));
            Assert.Equal(!features, names.Contains("classifier"));
        }
    }

    [Fact]
    public void The_helper_methods_net_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new HelperMethodsNet());
        var x = Rand([4, 6], 33);
        var output = Forward(model, x);
        Cd Dense(string layer, Cd d) => CdFunctional.leaky_relu(Lin(model, layer, d), 0.1);
        Cd ByHand(Cd d)
        {
            var h = Dense("input", d);
            h = CdFunctional.add(h, Dense("hidden1", h));
            var c = CdFunctional.sub(h, CdFunctional.mean(h, [-1], keepdim: true));
            h = CdFunctional.add(c, Dense("hidden2", c));
            return Lin(model, "output", h);
        }
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => ByHand(Input(x, m)), x.shape);
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
        // The calls inside the helper method and the local function are no split points of the layer map (only forward's own calls are).
        Assert.Equal(new[] { "output" }, AssertSplits(model, x, model.ListLayers(x), model.ForwardTo, model.ForwardFrom));
    }

    [Fact]
    public void The_normalized_affine_net_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new NormalizedAffineNet());
        var x = Rand([4, 5], 34);
        var output = Forward(model, x);
        Cd ByHand(Cd d)
        {
            d = CdFunctional.div(CdFunctional.sub(d, Buffer(model, "mean")), Buffer(model, "std"));
            d = CdFunctional.add(CdFunctional.mul(d, Parameter(model, "scale")), Parameter(model, "shift"));
            var h = CdFunctional.mul(CdFunctional.softplus(Lin(model, "fc1", d)), 0.5);
            h = CdFunctional.sub(CdFunctional.mul(2.0, h), 1.0);
            return CdFunctional.div(Lin(model, "fc2", h), 3.0);
        }
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => ByHand(Input(x, m)), x.shape);
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
        Assert.Equal(new[] { "fc1", "fc2" }, AssertSplits(model, x, model.ListLayers(x), model.ForwardTo, model.ForwardFrom));
    }

    private static Cd Bottleneck(nn.Module b, Cd x) =>
        CdFunctional.add(x, Lin(b, "up", CdFunctional.gelu(Lin(b, "down", LN(b, "norm", x)))));

    private static Cd StageByHand(nn.Module s, Cd x) =>
        CdFunctional.relu(Lin(s, "project", Bottleneck(Child(s, "second"), Bottleneck(Child(s, "first"), x))));

    [Fact]
    public void The_nested_stage_net_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new NestedStageNet());
        var x = Rand([3, 8], 35);
        var output = Forward(model, x);
        AssertMasks(output, m => model.ContextualDecomposition(x, m),
            m => Lin(model, "head", StageByHand(Child(model, "stage2"), StageByHand(Child(model, "stage1"), Input(x, m)))), x.shape);
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
        // Through reflection: the generator emits no layer map for an expression-bodied forward (a generator bug), and a
        // direct call would stop the test project from compiling.
        Assert.Equal(new[] { "stage1", "stage2", "head" }, AssertSplitsByReflection(model, x));
        // The nested [Decomposable] blocks decompose on their own too.
        var stage = Child<Stage>(model, "stage1");
        using (no_grad())
        {
            var mask = Mask(x.shape, 36);
            AssertSame(StageByHand(stage, Input(x, mask)), stage.Decompose(Input(x, mask)));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void The_deep_residual_mlp_decomposes_completely_and_as_written_by_hand_at_any_depth(int depth)
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new DeepResidualMlp(depth));
        var x = Rand([3, 7], 37);
        var output = Forward(model, x);
        Cd ByHand(Cd d)
        {
            d = Lin(model, "input", d);
            for (var i = 0; i < depth; i++)
                d = CdFunctional.add(d, CdFunctional.mul(Lin(model, $"layers.{i}", CdFunctional.gelu(d)), 1.0 / depth));
            return Lin(model, "output", d);
        }
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => ByHand(Input(x, m)), x.shape);
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
        // layers[i].call(...) is no split point: x is still live beside it (x + W_i·gelu(x)), so only input and output are.
        Assert.Equal(new[] { "input", "output" }, AssertSplits(model, x, model.ListLayers(x), model.ForwardTo, model.ForwardFrom));
        AssertExplained(model.Explain(DeepResidualMlp.Layer.input, x, 0, LayerAttributionMethod.InternalInfluence));
    }
}
