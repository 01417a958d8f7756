using AttrDsl.Decomposition;
using AttrDsl.Tests.Decomposition.Rules;
using AttrDsl.Tests.Infrastructure;
using TorchSharp.Modules;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Composition;

[Collection(GlobalRngCollection.Name)]
public sealed class ContextualDecompositionTests
{
    public static TheoryData<string> Networks => new(CdNetworks.Names);

    [Theory]
    [MemberData(nameof(Networks))]
    public void Random_network_of_each_layer_type_decomposes_completely(string network)
    {
        manual_seed(20);
        using var scope = NewDisposeScope();
        var (model, shape) = CdNetworks.Build(network);
        var x = randn(shape, dtype: float64);
        var mask = CdAssert.RandomMask(shape);
        var d = ContextualDecomposition.Decompose(model, x, mask);
        CdAssert.Complete(d, model.call(x));
        // Not trivially complete: both parts carry part of the logits.
        Assert.True(d.Relevant.abs().max().item<double>() > 1e-3);
        Assert.True(d.Irrelevant.abs().max().item<double>() > 1e-3);
    }

    /// <summary>
    /// Full mask (all ones): the irrelevant logits are 0 within 1e-12 and β + γ equals the logits within 1e-8, so β is the logits.
    /// This holds where every bias-carrying layer sees a relevant part r ≠ 0 (random weights), so the bias-share rule
    /// gives it all to β. Where a layer sees r = i = 0 exactly, the rule gives γ half that bias: in the "relu" network a
    /// sample whose hidden units are all 0 has γ = b₂/2 on its row, and the test asserts exactly that.
    /// </summary>
    [Theory]
    [MemberData(nameof(Networks))]
    public void Full_mask_gives_zero_irrelevant_logits(string network)
    {
        manual_seed(21);
        using var scope = NewDisposeScope();
        var (model, shape) = CdNetworks.Build(network);
        var x = randn(shape, dtype: float64);
        var d = ContextualDecomposition.Decompose(model, x, ones(shape, dtype: float64));
        if (network == "relu")
        {
            // The one case here where a layer sees r = i = 0: a sample whose hidden ReLU units are all 0 gives the last
            // Linear nothing to weigh its bias by, so γ holds exactly half of that bias on that sample's row.
            var hidden = model[0..2].call(x);
            var dead = (hidden == 0).all(1, keepdim: true).to(float64);
            var halfBias = ((Linear)model[2]).bias! * 0.5;
            Assert.True(CdAssert.MaxDiff(d.Irrelevant, dead * halfBias) <= 1e-12);
        }
        else CdAssert.Zero(d.Irrelevant);
        CdAssert.Complete(d, model.call(x));   // so β = the logits − (that γ): the logits themselves where γ = 0
    }

    [Fact]
    public void Two_layer_mlp_by_hand()
    {
        using var scope = NewDisposeScope();
        var l1 = nn.Linear(nn.Parameter(tensor(new double[,] { { 1, -1 }, { 2, 1 } })), nn.Parameter(tensor(new[] { 0.5, -1 }, [2])));
        var l2 = nn.Linear(nn.Parameter(tensor(new double[,] { { 1, 2 } })), nn.Parameter(tensor(new[] { 0.25 }, [1])));
        var model = nn.Sequential(l1, nn.ReLU(), l2);
        var d = ContextualDecomposition.Decompose(model, tensor(new double[,] { { 2, 3 } }), tensor(new double[,] { { 1, 0 } }));
        // β0 = (2, 0), γ0 = (0, 3). Layer 1: r = (2, 4), i = (−3, 3), bias shares |r|/(|r|+|i|) = (2/5, 4/7):
        // β1 = (2 + 0.5·2/5, 4 − 4/7) = (2.2, 24/7), γ1 = (−3 + 0.5·3/5, 3 − 3/7) = (−2.7, 18/7); β1 + γ1 = (−0.5, 6).
        // ReLU: β2 = (2.2, 24/7), γ2 = relu(−0.5, 6) − β2 = (−2.2, 18/7).
        // Layer 2: r = 2.2 + 48/7, i = −2.2 + 36/7, bias 0.25 shared by |r|/(|r|+|i|) (both positive: r/12).
        double r = 2.2 + 48.0 / 7, i = -2.2 + 36.0 / 7;
        Assert.Equal(r + 0.25 * r / (r + i), d.Relevant.item<double>(), 1e-12);
        Assert.Equal(i + 0.25 * i / (r + i), d.Irrelevant.item<double>(), 1e-12);
        Assert.Equal(12.25, d.Relevant.item<double>() + d.Irrelevant.item<double>(), 1e-12);
    }

    [Fact]
    public void Nested_containers_with_a_user_residual_block_decompose_exactly()
    {
        manual_seed(22);
        using var scope = NewDisposeScope();
        var model = nn.Sequential(
            ("features", nn.Sequential(nn.Linear(6, 5), nn.ReLU())),
            ("block", new ResidualBlock(5)),
            ("list", new ChainOfList(nn.Linear(5, 5), nn.Tanh())),
            ("head", nn.Sequential(nn.LayerNorm(5), nn.Linear(5, 3))));
        model.to(float64);
        model.eval();
        var x = randn(4, 6, dtype: float64);
        var d = ContextualDecomposition.Decompose(model, x, CdAssert.RandomMask(4, 6));
        CdAssert.Complete(d, model.call(x));
        CdAssert.Zero(ContextualDecomposition.Decompose(model, x, ones(4, 6, dtype: float64)).Irrelevant);
        // The block alone, as the whole model.
        var block = new ResidualBlock(6).to(float64);
        CdAssert.Complete(ContextualDecomposition.Decompose(block, x, CdAssert.RandomMask(4, 6)), block.call(x));
    }

    [Fact]
    public void Unknown_module_is_named_with_its_path()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(
            ("features", nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4), nn.Softmax(1))),
            ("head", nn.Linear(4, 2)));
        model.to(float64);
        var x = randn(2, 4, dtype: float64);
        var ex = Assert.Throws<UnsupportedModuleException>(() => ContextualDecomposition.Decompose(model, x, ones_like(x)));
        Assert.Contains("features.3 (TorchSharp.Modules.Softmax)", ex.Message);
        Assert.Equal("features.3", ex.ModulePath);
        Assert.Contains("IDecomposable", ex.Message);   // says how to fix it
        // Inside a user block, the child's path goes through the block.
        var wrapped = nn.Sequential(("block", new ChainOfList(nn.Linear(4, 4), nn.Softmax(1))));
        wrapped.to(float64);
        var ex2 = Assert.Throws<UnsupportedModuleException>(() => ContextualDecomposition.Decompose(wrapped, x, ones_like(x)));
        Assert.Equal("block.layers.1", ex2.ModulePath);
        // A plain module with a functional forward has no rule either: named as the model itself.
        var plain = new ModelWithoutRule();
        var ex3 = Assert.Throws<UnsupportedModuleException>(() => ContextualDecomposition.Decompose(plain, x, ones_like(x)));
        Assert.Contains("(model) (" + typeof(ModelWithoutRule).FullName + ")", ex3.Message);
    }

    private sealed class ModelWithoutRule() : nn.Module<Tensor, Tensor>("plain")
    {
        public override Tensor forward(Tensor x) => x.relu();
    }

    [Fact]
    public void Batched_masks_equal_one_mask_at_a_time()
    {
        manual_seed(23);
        using var scope = NewDisposeScope();
        var (model, shape) = CdNetworks.Build("maxpool2d");
        var x = randn([1, .. shape[1..]], dtype: float64);
        var masks = CdAssert.RandomMask([5, .. shape[1..]]);
        var all = ContextualDecomposition.Decompose(model, x, masks);
        Assert.Equal(new long[] { 5, 3 }, all.Relevant.shape);
        for (var k = 0; k < 5; k++)
        {
            var one = ContextualDecomposition.Decompose(model, x, masks[k].unsqueeze(0));
            Assert.True(CdAssert.MaxDiff(all.Relevant[k].unsqueeze(0), one.Relevant) < 1e-12);
            Assert.True(CdAssert.MaxDiff(all.Irrelevant[k].unsqueeze(0), one.Irrelevant) < 1e-12);
        }
    }

    [Fact]
    public void Broadcast_mask_and_transform_inputs_are_complete()
    {
        manual_seed(24);
        using var scope = NewDisposeScope();
        var (model, shape) = CdNetworks.Build("conv2d");
        var x = randn(shape, dtype: float64);
        var expected = model.call(x);
        // One [H, W] mask for every sample and channel.
        var d = ContextualDecomposition.Decompose(model, x, CdAssert.RandomMask(shape[2], shape[3]));
        CdAssert.Complete(d, expected);
        // A transform: the relevant part is a blurred copy of x.
        var t = ContextualDecomposition.Decompose(model, x, v => nn.functional.avg_pool2d(v, 3, 1, 1));
        CdAssert.Complete(t, expected);
    }

    [Fact]
    public void Token_input_through_an_embedding_is_complete_for_several_masks()
    {
        manual_seed(25);
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(20, 3), nn.Tanh());
        model.to(float64);
        var tokens = randint(10, [1, 5]);
        var masks = CdAssert.RandomMask(3, 5);
        var d = ContextualDecomposition.DecomposeTokens(model, tokens, masks);
        CdAssert.Complete(d, model.call(tokens).expand(3, 3));
    }

    [Fact]
    public void Bad_arguments_are_explained()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.Linear(4, 2));
        model.to(float64);
        var x = randn(3, 4, dtype: float64);
        var bad = Assert.Throws<ArgumentException>(() => ContextualDecomposition.Decompose(model, x, ones(3, 5, dtype: float64)));
        Assert.Contains("does not broadcast", bad.Message);
        var ints = Assert.Throws<ArgumentException>(() => ContextualDecomposition.Decompose(model, ones(3, 4, dtype: int64), ones(3, 4)));
        Assert.Contains("DecomposeTokens", ints.Message);
        var emb = Assert.Throws<ArgumentException>(() => ContextualDecomposition.DecomposeTokens(model, ones(3, 4, dtype: int64), ones(3, 4)));
        Assert.Contains("Embedding", emb.Message);
        var trainingBn = nn.Sequential(nn.Linear(4, 2), nn.BatchNorm1d(2));
        trainingBn.to(float64);
        Assert.Throws<InvalidOperationException>(() => ContextualDecomposition.Decompose(trainingBn, x, ones_like(x)));
    }
}
