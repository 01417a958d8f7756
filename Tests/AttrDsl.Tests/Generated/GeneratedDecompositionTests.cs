using TorchSharp.Modules;
using AttrDsl.Decomposition;
using Cd = AttrDsl.Decomposition.Decomposition;
using AttrDsl.Tests.Models;
using HandWritten = AttrDsl.Samples.MnistTrain.MnistNet;

namespace AttrDsl.Tests.Generated;

/// <summary>
/// The contextual decomposition the generator translated from each test model's forward, against decompositions
/// written by hand with the runtime's rules (the same model weights), and its completeness (β + γ = the logits).
/// </summary>
public sealed class GeneratedDecompositionTests
{
    [Fact]
    public void The_cnn_decomposes_as_the_hand_written_runtime_decomposition()
    {
        using var scope = NewDisposeScope();
        var model = Float64(new MnistNet());
        var reference = Float64(new HandWritten());
        reference.load_state_dict(model.state_dict());
        var x = rand([3, 1, 28, 28], dtype: float64, generator: new Generator(11));
        var mask = Mask(x.shape, 12);

        var generated = model.ContextualDecomposition(x, mask);
        var expected = ContextualDecomposition.Decompose(reference, x, mask);
        AssertSame(expected, generated, 1e-6);
        AssertComplete(model, x, generated);
    }

    [Fact]
    public void The_mlp_with_concatenation_decomposes_as_the_runtime_rules_say()
    {
        using var scope = NewDisposeScope();
        var model = Float64(new MlpModel());
        var x = randn([4, 8], dtype: float64, generator: new Generator(13));
        var mask = Mask(x.shape, 14);
        var c = Children(model);

        var d = new Cd(mask * x, x - mask * x);
        var a = CdFunctional.relu(LinearRules.Linear((Linear)c["left"], d));
        var b = CdFunctional.tanh(LinearRules.Linear((Linear)c["right"], d));
        var h = CdFunctional.sigmoid(LinearRules.Linear((Linear)c["hidden"], CombinationRules.Cat([a, b], 1)));
        var expected = LinearRules.Linear((Linear)c["output"], h);

        var generated = model.ContextualDecomposition(x, mask);
        AssertSame(expected, generated, 1e-6);
        AssertComplete(model, x, generated);
    }

    [Fact]
    public void The_residual_cnn_composes_its_blocks_generated_decompositions()
    {
        using var scope = NewDisposeScope();
        var model = Float64(new ResidualCnn());
        model.eval();
        var x = rand([2, 1, 16, 16], dtype: float64, generator: new Generator(15));
        var mask = Mask(x.shape, 16);
        var c = Children(model);

        var d = new Cd(mask * x, x - mask * x);
        d = CdFunctional.relu(LinearRules.Conv2d((Conv2d)c["stem"], d));
        d = Block(c["block1"], d);
        d = CdFunctional.max_pool2d(Block(c["block2"], d), 2);
        d = CdFunctional.adaptive_avg_pool2d(d, [4, 4]);
        var head = Children(c["head"]);
        var expected = LinearRules.Linear((Linear)head["1"], CdFunctional.flatten(d, 1));

        var generated = model.ContextualDecomposition(x, mask);
        AssertSame(expected, generated, 1e-6);
        AssertComplete(model, x, generated);

        // The block is [Decomposable]: it decomposes on its own too.
        var block = (ResidualBlock)c["block1"];
        var hidden = rand([1, 8, 6, 6], dtype: float64, generator: new Generator(17));
        AssertComplete(block, hidden, block.ContextualDecomposition(hidden, Mask(hidden.shape, 18)));
    }

    [Fact]
    public void The_lstm_text_model_decomposes_token_masks()
    {
        using var scope = NewDisposeScope();
        var model = Float64(new LstmText());
        var tokens = randint(0, 50, [1, 6], generator: new Generator(19));
        var masks = tensor(new double[] { 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1 }, [2, 6], float64);
        var c = Children(model);

        var embedded = EmbeddingRules.Embedding((Embedding)c["embedding"], tokens, masks);
        var (output, _, _) = LstmRules.Lstm((LSTM)c["lstm"], embedded);
        var expected = LinearRules.Linear((Linear)c["classifier"], CdFunctional.select(output, 1, -1));

        var generated = model.ContextualDecomposition(tokens, masks);
        AssertSame(expected, generated, 1e-6);
        using var noGrad = no_grad();
        var logits = model.call(tokens).expand(2, -1);
        Assert.True((generated.Relevant + generated.Irrelevant - logits).abs().max().item<double>() <= 1e-8);
        // Complementary token sets: their relevant parts differ.
        Assert.False(allclose(generated.Relevant[0], generated.Relevant[1]));
    }

    [Fact]
    public void A_full_mask_leaves_nothing_irrelevant_in_the_cnn()
    {
        using var scope = NewDisposeScope();
        var model = Float64(new MnistNet());
        var x = rand([2, 1, 28, 28], dtype: float64, generator: new Generator(21));
        var d = model.ContextualDecomposition(x, ones_like(x));
        using var noGrad = no_grad();
        Assert.True((d.Relevant - model.call(x)).abs().max().item<double>() <= 1e-8);
        Assert.True(d.Irrelevant.abs().max().item<double>() <= 1e-12);
    }

    // Block decomposition by hand: conv → BN → ReLU → conv, + input, ReLU (the user's ResidualBlock.forward).
    private static Cd Block(nn.Module block, Cd x)
    {
        var c = Children(block);
        var h = CdFunctional.relu(NormalizationRules.BatchNorm((NormBase)c["norm"], LinearRules.Conv2d((Conv2d)c["conv1"], x)));
        h = LinearRules.Conv2d((Conv2d)c["conv2"], h);
        return CdFunctional.relu(CombinationRules.Add(h, x));
    }

    private static Dictionary<string, nn.Module> Children(nn.Module module) => module.named_children().ToDictionary(c => c.name, c => c.module);

    private static T Float64<T>(T model) where T : nn.Module
    {
        manual_seed(5);
        model.to(float64);
        return model;
    }

    private static Tensor Mask(long[] shape, int seed) => (rand(shape, dtype: float64, generator: new Generator((ulong)seed)) > 0.6).to(float64);

    private static void AssertSame(Cd expected, Cd actual, double tolerance)
    {
        Assert.Equal(expected.Relevant.shape, actual.Relevant.shape);
        Assert.True((expected.Relevant - actual.Relevant).abs().max().item<double>() <= tolerance, "relevant parts differ");
        Assert.True((expected.Irrelevant - actual.Irrelevant).abs().max().item<double>() <= tolerance, "irrelevant parts differ");
    }

    private static void AssertComplete(nn.Module<Tensor, Tensor> model, Tensor x, Cd d)
    {
        using var noGrad = no_grad();
        var logits = model.call(x);
        Assert.True((d.Relevant + d.Irrelevant - logits).abs().max().item<double>() <= 1e-8, "β + γ differs from the logits");
        Assert.True(d.Relevant.abs().sum().item<double>() > 0 && d.Irrelevant.abs().sum().item<double>() > 0);
    }
}
