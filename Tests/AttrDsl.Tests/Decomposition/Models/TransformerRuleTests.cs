using AttrDsl.Decomposition;
using AttrDsl.Tests.Models.Corpus;
using Xunit.Abstractions;
using static AttrDsl.Tests.Generated.Corpus.CorpusCheck;

namespace AttrDsl.Tests.Decomposition.Models;

/// <summary>
/// TorchSharp's libtorch transformer modules decomposed by the built-in rules: β + γ equals the module's own (C++)
/// forward for every head count and both activations, a full mask leaves γ = 0, and the text classifier built on
/// them decomposes token masks exactly through its generated decomposition.
/// </summary>
public class TransformerRuleTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, nn.Activations.ReLU, 1)]
    [InlineData(2, nn.Activations.GELU, 1)]
    [InlineData(4, nn.Activations.ReLU, 3)]
    [InlineData(8, nn.Activations.GELU, 2)]
    public void TheEncoderDecomposesExactly(long heads, nn.Activations activation, long layers)
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        var layer = nn.TransformerEncoderLayer(16, heads, 24, 0.1, activation);
        // A stack is TransformerEncoder, which TorchSharp does not make a Module<Tensor, Tensor>: Propagate takes any module.
        nn.Module module = layers == 1 ? layer : nn.TransformerEncoder(layer, layers);
        module.to(float64);
        module.eval();
        var x = randn(5, 3, 16, dtype: float64);                       // [S, N, E]
        var mask = (rand(5, 3, 1) > 0.5).to(float64);
        using var noGrad = no_grad();
        var y = ((nn.IModule<Tensor, Tensor>)module).call(x);
        var d = ContextualDecomposition.Propagate(module, Input(x, mask));
        var error = Max(d.Total() - y) / Max(y);
        output.WriteLine($"heads {heads}, {activation}, {layers} layer(s): max |β + γ − y| / max |y| = {error:E2}");
        Assert.True(error < 1e-9, $"β + γ differs from the encoder's output by {error:E2}");
        Assert.True(Max(d.Relevant) > 1e-3 && Max(d.Irrelevant) > 1e-3);
        var full = ContextualDecomposition.Propagate(module, Input(x, ones(1, 1, 1, dtype: float64)));
        Assert.True(Max(full.Irrelevant) < 1e-9 * Max(y), $"a full mask leaves γ = {Max(full.Irrelevant):E2}");
    }

    [Fact]
    public void AnEncoderInTrainingModeIsRefused()
    {
        using var layer = nn.TransformerEncoderLayer(8, 2, 16, 0.1);
        layer.train();
        var e = Assert.Throws<InvalidOperationException>(() => ContextualDecomposition.Decompose(layer, randn(3, 1, 8), ones(1)));
        Assert.Contains("training mode", e.Message);
    }

    [Theory]
    [InlineData(nn.Activations.ReLU)]
    [InlineData(nn.Activations.GELU)]
    public void TheTextClassifierDecomposesTokenMasksExactly(nn.Activations activation)
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new NativeTransformerText(activation: activation));
        var tokens = Tokens(30, [1, 9], 51);
        var y = Forward(model, tokens);
        var masks = (rand(4, 9, generator: new Generator(52)) > 0.5).to(float64);
        var d = model.ContextualDecomposition(tokens, masks);
        AssertComplete(y.expand(4, -1), d);
        var full = model.ContextualDecomposition(tokens, ones(1, 9, dtype: float64));
        Assert.True(Max(full.Irrelevant) < 1e-9 * Max(y), $"a full token mask leaves γ = {Max(full.Irrelevant):E2}");
        var empty = model.ContextualDecomposition(tokens, zeros(1, 9, dtype: float64));
        AssertComplete(y, empty);
    }
}

/// <summary>TorchSharp's MultiheadAttention decomposed by its rule: β + γ equals the module's first output.</summary>
public class MultiheadAttentionRuleTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(4, false)]
    [InlineData(4, true)]
    [InlineData(8, true)]
    public void AttentionDecomposesExactly(long heads, bool givenHeads)
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        var mha = nn.MultiheadAttention(16, heads);
        mha.to(float64);
        mha.eval();
        var q = randn(4, 2, 16, dtype: float64);
        var kv = randn(6, 2, 16, dtype: float64);
        var (dq, dkv) = (Input(q, (rand(4, 2, 1) > 0.5).to(float64)), Input(kv, (rand(6, 2, 1) > 0.5).to(float64)));
        using var noGrad = no_grad();
        var expected = mha.forward(q, kv, kv, null, false, null).Item1;
        var d = TransformerRules.MultiheadAttention(mha, dq, dkv, dkv, givenHeads ? heads : null);
        Assert.True(Max(d.Total() - expected) < 1e-10 * Max(expected), $"β + γ differs by {Max(d.Total() - expected):E2}");
        Assert.True(Max(d.Relevant) > 1e-3 && Max(d.Irrelevant) > 1e-3);

        // With a key padding mask, as the module applies it.
        var padding = zeros(2, 6, dtype: ScalarType.Bool);
        padding[0, 5] = tensor(true);
        padding[1, 0] = tensor(true);
        var masked = mha.forward(q, kv, kv, padding, false, null).Item1;
        var dm = TransformerRules.MultiheadAttention(mha, dq, dkv, dkv, heads, keyPaddingMask: padding);
        Assert.True(Max(dm.Total() - masked) < 1e-10 * Max(masked), $"with padding, β + γ differs by {Max(dm.Total() - masked):E2}");
    }

    [Fact]
    public void AWrongHeadCountIsRefused()
    {
        using var mha = nn.MultiheadAttention(16, 4);
        var d = Input(randn(3, 1, 16), ones(1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TransformerRules.MultiheadAttention(mha, d, d, d, 3));
        Assert.Contains("multiple of the number of heads", e.Message);
    }
}

/// <summary>
/// TorchSharp's TransformerDecoderLayer and TransformerDecoder decomposed over a target and a memory, each split:
/// β + γ equals the module's own (C++) forward, and a target and memory wholly relevant leave γ = 0.
/// </summary>
public class TransformerDecoderRuleTests
{
    [Theory]
    [InlineData(2, nn.Activations.ReLU, 1)]
    [InlineData(4, nn.Activations.GELU, 1)]
    [InlineData(4, nn.Activations.ReLU, 2)]
    public void TheDecoderDecomposesExactly(long heads, nn.Activations activation, long layers)
    {
        using var scope = NewDisposeScope();
        manual_seed(41);
        var layer = nn.TransformerDecoderLayer(16, heads, 24, 0.1, activation);
        nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor> module = layers == 1 ? layer : nn.TransformerDecoder(layer, layers);
        module.to(float64);
        module.eval();
        var target = randn(4, 2, 16, dtype: float64);
        var memory = randn(6, 2, 16, dtype: float64);
        using var noGrad = no_grad();
        var y = module.forward(target, memory, null!, null!, null!, null!);
        var d = TransformerRules.TransformerDecoder(module, Input(target, (rand(4, 2, 1) > 0.5).to(float64)), Input(memory, (rand(6, 2, 1) > 0.5).to(float64)));
        Assert.True(Max(d.Total() - y) < 1e-9 * Max(y), $"β + γ differs from the decoder's output by {Max(d.Total() - y):E2}");
        Assert.True(Max(d.Relevant) > 1e-3 && Max(d.Irrelevant) > 1e-3);
        var full = TransformerRules.TransformerDecoder(module, Input(target, ones(1, dtype: float64)), Input(memory, ones(1, dtype: float64)));
        Assert.True(Max(full.Irrelevant) < 1e-9 * Max(y), $"a full mask leaves γ = {Max(full.Irrelevant):E2}");
    }

    [Fact]
    public void AnotherModuleIsRefused()
    {
        using var encoder = nn.TransformerEncoderLayer(8, 2, 16);
        var d = Input(randn(3, 1, 8), ones(1));
        Assert.Contains("TransformerDecoderLayer or TransformerDecoder", Assert.Throws<ArgumentException>(() => TransformerRules.TransformerDecoder(encoder, d, d)).Message);
    }
}
