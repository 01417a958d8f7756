using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Tests.Models.Corpus;
using TorchSharp.Modules;
using static AttrDsl.Tests.Generated.Corpus.CorpusCheck;
using Cd = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Generated.Corpus;

/// <summary>The transformers of the corpus: attention written out, scaled_dot_product_attention, and a ViT with a CLS token.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class TransformerTests
{
    // EncoderLayer.forward by hand: multi-head attention with softmax weights taken as constants (the runtime's softmax rule).
    internal static Cd Encoder(nn.Module l, Cd x, int heads)
    {
        var (b, t, d) = (x.Relevant.shape[0], x.Relevant.shape[1], x.Relevant.shape[2]);
        var dh = d / heads;
        Cd Heads(string proj) => CdFunctional.transpose(CdFunctional.view(Lin(l, proj, x), b, t, heads, dh), 1, 2);
        var (q, k, v) = (Heads("q_proj"), Heads("k_proj"), Heads("v_proj"));
        var scores = CdFunctional.div(CdFunctional.matmul(q, CdFunctional.transpose(k, -2, -1)), Math.Sqrt(dh));
        var attn = CdFunctional.softmax(scores, -1);
        var context = CdFunctional.reshape(CdFunctional.transpose(CdFunctional.matmul(attn, v), 1, 2), b, t, d);
        x = LN(l, "norm1", CdFunctional.add(x, Lin(l, "out_proj", context)));
        var mlp = Lin(l, "fc2", CdFunctional.gelu(Lin(l, "fc1", x)));
        return LN(l, "norm2", CdFunctional.add(x, mlp));
    }

    private static Cd ClassifierByHand(TransformerClassifier m, Cd d)
    {
        d = Lin(m, "embed", d);
        foreach (var (_, layer) in Child(m, "layers").named_children()) d = Encoder(layer, d, heads: 2);
        return Lin(m, "classifier", CdFunctional.mean(d, [1]));
    }

    [Fact]
    public void The_encoder_classifier_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new TransformerClassifier());
        var x = Rand([2, 5, 6], 11);
        var output = Forward(model, x);
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => ClassifierByHand(model, Input(x, m)), x.shape);
        // Attention weights and LayerNorm's σ come from the full input as constants, so an empty mask still leaves β = 0
        // and a full mask γ = 0: the shares below are exact up to rounding.
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
    }

    [Fact]
    public void The_encoder_classifier_splits_at_every_layer_and_every_encoder_iteration()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new TransformerClassifier());
        var x = Rand([2, 5, 6], 12);
        var layers = model.ListLayers(x);
        Assert.Equal(new[] { "embed", "layers_0", "layers_1", "classifier" }, AssertSplits(model, x, layers, model.ForwardTo, model.ForwardFrom));
        AssertExplained(model.Explain(TransformerClassifier.Layer.layers(0), x, 1, LayerAttributionMethod.InternalInfluence));
    }

    private static Cd SdpaBlock(nn.Module blk, Cd x)
    {
        var (B, T, C) = (x.Relevant.shape[0], x.Relevant.shape[1], x.Relevant.shape[2]);
        var parts = CdFunctional.split(Lin(blk, "qkv", LN(blk, "ln1", x)), C, 2);
        Cd Heads(Cd p) => CdFunctional.transpose(CdFunctional.view(p, B, T, 3, C / 3), 1, 2);
        var y = CdFunctional.scaled_dot_product_attention(Heads(parts[0]), Heads(parts[1]), Heads(parts[2]));
        y = CdFunctional.view(CdFunctional.contiguous(CdFunctional.transpose(y, 1, 2)), B, T, C);
        x = CdFunctional.add(x, Lin(blk, "proj", y));
        return CdFunctional.add(x, P(Child(blk, "mlp"), LN(blk, "ln2", x)));
    }

    private static Cd SdpaByHand(SdpaTransformer m, Cd d)
    {
        d = Lin(m, "input", d);
        d = SdpaBlock(Child(m, "blocks.0"), d);
        d = SdpaBlock(Child(m, "blocks.1"), d);
        d = LN(m, "ln_f", d);
        return Lin(m, "head", CdFunctional.select(d, 1, -1));
    }

    [Fact]
    public void The_sdpa_transformer_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new SdpaTransformer());
        var x = Rand([2, 4, 4], 13);
        var output = Forward(model, x);
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => SdpaByHand(model, Input(x, m)), x.shape);
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
    }

    [Fact]
    public void The_sdpa_transformer_splits_at_every_layer()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new SdpaTransformer());
        var x = Rand([2, 4, 4], 14);
        var layers = model.ListLayers(x);
        Assert.Equal(new[] { "input", "blocks_0", "blocks_1", "ln_f", "head" }, AssertSplits(model, x, layers, model.ForwardTo, model.ForwardFrom));
        AssertExplained(model.Explain(SdpaTransformer.Layer.blocks(1), x, 0, LayerAttributionMethod.Activation));
    }

    private static Cd VitByHand(VisionTransformer m, Cd d)
    {
        var B = d.Relevant.shape[0];
        d = CdFunctional.transpose(CdFunctional.flatten(Conv(m, "patchEmbed", d), 2), 1, 2);
        var cls = CdFunctional.constant(Parameter(m, "clsToken").expand(B, -1, -1));
        d = CdFunctional.add(CdFunctional.cat(new[] { cls, d }, 1), Parameter(m, "posEmbed"));
        d = Encoder(Child(m, "encoder.0"), d, heads: 4);
        d = Encoder(Child(m, "encoder.1"), d, heads: 4);
        d = LN(m, "norm", d);
        return Lin(m, "head", CdFunctional.select(d, 1, 0));
    }

    [Fact]
    public void The_vision_transformer_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new VisionTransformer());
        var x = Rand([2, 3, 8, 8], 15);
        var output = Forward(model, x);
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => VitByHand(model, Input(x, m)), x.shape);
        // The CLS token enters on its own (a constant: shared 50/50, the bias rule with r = i = 0) and the positional
        // embedding is added like a bias: with a full mask γ holds exactly those documented shares, as the hand-written
        // decomposition computes them.
        var full = model.ContextualDecomposition(x, ones_like(x));
        AssertComplete(output, full);
        var hand = VitByHand(model, Input(x, ones_like(x)));
        Assert.True(Max(full.Irrelevant - hand.Irrelevant) <= 1e-6, $"full mask: γ differs from the documented shares by {Max(full.Irrelevant - hand.Irrelevant):E3}");
        Assert.True(Max(full.Irrelevant) < Max(output), "full mask: γ is not below the output");
    }

    [Fact]
    public void The_vision_transformer_splits_at_every_layer()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new VisionTransformer());
        var x = Rand([2, 3, 8, 8], 16);
        var layers = model.ListLayers(x);
        // patchEmbed is no split point: B = x.shape[0], read from the input, is still live after it.
        Assert.Equal(new[] { "encoder_0", "encoder_1", "norm", "head" }, AssertSplits(model, x, layers, model.ForwardTo, model.ForwardFrom));
        AssertExplained(model.Explain(VisionTransformer.Layer.encoder(1), x, 3, LayerAttributionMethod.InternalInfluence));
    }
}
