using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Tests.Models.Corpus;
using static AttrDsl.Tests.Generated.Corpus.CorpusCheck;
using Cd = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Generated.Corpus;

/// <summary>The convolutional models of the corpus: squeeze-and-excitation, U-Net, TorchVision style, pooling, Sequential, MobileNet, Mixer.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class CnnTests
{
    private static Cd SqueezeExcite(nn.Module se, Cd x)
    {
        var (b, c) = (x.Relevant.shape[0], x.Relevant.shape[1]);
        var s = CdFunctional.view(CdFunctional.adaptive_avg_pool2d(x, [1, 1]), b, c);
        s = CdFunctional.relu(Lin(se, "fc1", s));
        s = CdFunctional.view(CdFunctional.sigmoid(Lin(se, "fc2", s)), b, c, 1, 1);
        return CdFunctional.mul(x, s);
    }

    private static Cd SeByHand(SqueezeExcitationCnn m, Cd d)
    {
        d = SqueezeExcite(Child(m, "se1"), CdFunctional.relu(Conv(m, "conv1", d)));
        d = CdFunctional.max_pool2d(d, 2);
        d = SqueezeExcite(Child(m, "se2"), CdFunctional.relu(Conv(m, "conv2", d)));
        return Lin(m, "fc", CdFunctional.mean(d, [2, 3]));
    }

    [Fact]
    public void The_squeeze_excitation_cnn_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new SqueezeExcitationCnn());
        var x = Rand([2, 3, 8, 8], 21);
        var output = Forward(model, x);
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => SeByHand(model, Input(x, m)), x.shape);
        // A full mask leaves γ ≠ 0 here: where a ReLU zeroes every input of a unit for a sample, the next layer's linear
        // parts are r = i = 0 and the CD bias rule (BiasShare) splits that bias 50/50, so half of it lands in γ. Only the
        // weaker bound |γ| ≤ |output| is asserted for the full mask; the empty mask's β = 0 is exact.
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape, fullTolerance: Max(output));
        var layers = model.ListLayers(x);
        Assert.Equal(new[] { "conv1", "se1", "conv2", "se2", "fc" }, AssertSplits(model, x, layers, model.ForwardTo, model.ForwardFrom));
    }

    private static Cd Up(Cd d)
    {
        var s = d.Relevant.shape;
        return CdFunctional.reshape(CdFunctional.expand(CdFunctional.unsqueeze(CdFunctional.unsqueeze(d, 3), 5), s[0], s[1], s[2], 2, s[3], 2), s[0], s[1], s[2] * 2, s[3] * 2);
    }

    private static Cd UNetByHand(UNetLike m, Cd d)
    {
        var e1 = CdFunctional.relu(Conv(m, "enc1", d));
        var e2 = CdFunctional.relu(Conv(m, "enc2", CdFunctional.max_pool2d(e1, 2)));
        var mid = CdFunctional.relu(Conv(m, "bottleneck", CdFunctional.max_pool2d(e2, 2)));
        var d2 = CdFunctional.relu(Conv(m, "dec2", CdFunctional.cat(new[] { Up(mid), e2 }, 1)));
        var d1 = CdFunctional.relu(Conv(m, "dec1", CdFunctional.cat(new[] { Up(d2), e1 }, 1)));
        return Conv(m, "outConv", d1);
    }

    [Fact]
    public void The_unet_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new UNetLike());
        var x = Rand([2, 1, 8, 8], 22);
        var output = Forward(model, x);
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => UNetByHand(model, Input(x, m)), x.shape);
        // A full mask leaves γ ≠ 0 and an empty mask β ≠ 0 (the same 4.5e-2 both ways): where a ReLU zeroes every input of
        // a unit, the next convolution's linear parts are r = i = 0 and the CD bias rule (BiasShare) splits its bias
        // 50/50. Only the weaker bound (≤ |output|) is asserted for both.
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape, fullTolerance: Max(output), emptyTolerance: Max(output));
        var layers = model.ListLayers(x);
        AssertSplits(model, x, layers, model.ForwardTo, model.ForwardFrom);
        Assert.Contains(UNetLike.Layer.outConv, layers);
    }

    private static Cd TvBlock(nn.Module b, Cd x)
    {
        var o = P(Child(b, "relu"), BN(b, "bn1", Conv(b, "conv1", x)));
        o = BN(b, "bn2", Conv(b, "conv2", o));
        var identity = b.named_children().Any(c => c.name == "downsample") ? P(Child(b, "downsample"), x) : x;
        return CdFunctional.relu(CdFunctional.add(o, identity));
    }

    private static Cd TorchVisionByHand(TorchVisionStyleNet m, Cd d)
    {
        d = P(Child(m, "maxpool"), P(Child(m, "relu"), BN(m, "bn1", Conv(m, "conv1", d))));
        foreach (var stage in new[] { "layer1", "layer2" })
            foreach (var (_, block) in Child(m, stage).named_children())
                d = TvBlock(block, d);
        d = CdFunctional.flatten(P(Child(m, "avgpool"), d), 1);
        return Lin(m, "fc", d);
    }

    [Fact]
    public void The_torchvision_style_resnet_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new TorchVisionStyleNet());
        var x = Rand([2, 3, 8, 8], 23);
        var output = Forward(model, x);
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => TorchVisionByHand(model, Input(x, m)), x.shape);
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
        var layers = model.ListLayers(x);
        Assert.Equal(new[] { "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "avgpool", "fc" }, AssertSplits(model, x, layers, model.ForwardTo, model.ForwardFrom));
        // The in-place add_/relu_ in the blocks leave the caller's input as it was.
        var copy = x.clone();
        Forward(model, x);
        Assert.True(equal(copy, x).all().item<bool>());
    }

    private static Cd PoolingByHand(PoolingCnn m, Cd d)
    {
        var batch = d.Relevant.shape[0];
        d = CdFunctional.relu(Conv(m, "conv1", d));
        d = CdFunctional.max_pool2d(d, 3, stride: 1, padding: 1);
        d = CdFunctional.avg_pool2d(d, 2);
        d = CdFunctional.relu(Conv(m, "conv2", d));
        d = CdFunctional.max_pool2d(d, 2, stride: 2);
        return Lin(m, "fc", CdFunctional.view(d, batch, -1));
    }

    [Fact]
    public void The_pooling_cnn_with_shape_reads_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new PoolingCnn());
        var x = Rand([3, 2, 16, 16], 24);
        var output = Forward(model, x);
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => PoolingByHand(model, Input(x, m)), x.shape);
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
        // conv1 and conv2 are no split points: batch = x.shape[0], read from the input, is live until view(batch, -1).
        Assert.Equal(new[] { "fc" }, AssertSplits(model, x, model.ListLayers(x), model.ForwardTo, model.ForwardFrom));
    }

    [Fact]
    public void The_sequential_net_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new SequentialNet());
        var x = Rand([2, 1, 8, 8], 25);
        var output = Forward(model, x);
        Cd ByHand(Cd d)
        {
            d = CdFunctional.relu(BN(model, "features.bn1", Conv(model, "features.conv1", d)));
            d = CdFunctional.max_pool2d(d, 2);
            d = CdFunctional.avg_pool2d(CdFunctional.relu(Conv(model, "features.conv2", d)), 2);
            d = CdFunctional.flatten(d, 1);
            d = CdFunctional.tanh(Lin(model, "classifier.1", d));
            return Lin(model, "classifier.3", d);
        }
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => ByHand(Input(x, m)), x.shape);
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
        Assert.Equal(new[] { "features", "classifier" }, AssertSplits(model, x, model.ListLayers(x), model.ForwardTo, model.ForwardFrom));
    }

    private static Cd Inverted(nn.Module b, Cd x)
    {
        var h = CdFunctional.relu6(BN(b, "bn1", Conv(b, "expand", x)));
        h = CdFunctional.hardswish(BN(b, "bn2", Conv(b, "depthwise", h)));
        h = BN(b, "bn3", Conv(b, "project", h));
        return CdFunctional.add(x, h);
    }

    [Fact]
    public void The_mobilenet_like_cnn_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new MobileNetLike());
        var x = Rand([2, 3, 8, 8], 26);
        var output = Forward(model, x);
        Cd ByHand(Cd d)
        {
            d = CdFunctional.silu(Conv(model, "stem", d));
            d = Inverted(Child(model, "block2"), Inverted(Child(model, "block1"), d));
            d = CdFunctional.adaptive_avg_pool2d(d, [1, 1]);
            return Lin(model, "classifier", CdFunctional.flatten(d, 1));
        }
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => ByHand(Input(x, m)), x.shape);
        // hardswish and relu6 have f(0) = 0 and silu too: no constant to share, so the full/empty shares are exact.
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
        Assert.Equal(new[] { "stem", "block1", "block2", "classifier" }, AssertSplits(model, x, model.ListLayers(x), model.ForwardTo, model.ForwardFrom));
    }

    private static Cd Mixer(nn.Module b, Cd x)
    {
        var y = CdFunctional.transpose(LN(b, "norm1", x), 1, 2);
        y = CdFunctional.transpose(P(Child(b, "tokenMlp"), y), 1, 2);
        x = CdFunctional.add(x, y);
        return CdFunctional.add(x, P(Child(b, "channelMlp"), LN(b, "norm2", x)));
    }

    [Fact]
    public void The_mlp_mixer_decomposes_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new MlpMixer());
        var x = Rand([2, 1, 8, 8], 27);
        var output = Forward(model, x);
        Cd ByHand(Cd d)
        {
            d = CdFunctional.transpose(CdFunctional.flatten(Conv(model, "stem", d), 2), 1, 2);
            d = Mixer(Child(model, "mixers.1"), Mixer(Child(model, "mixers.0"), d));
            return Lin(model, "head", CdFunctional.mean(LN(model, "norm", d), [1]));
        }
        AssertMasks(output, m => model.ContextualDecomposition(x, m), m => ByHand(Input(x, m)), x.shape);
        AssertFullAndEmpty(output, m => model.ContextualDecomposition(x, m), x.shape);
        var layers = model.ListLayers(x);
        Assert.Equal(new[] { "stem", "mixers_0", "mixers_1", "norm", "head" }, AssertSplits(model, x, layers, model.ForwardTo, model.ForwardFrom));
        AssertExplained(model.Explain(MlpMixer.Layer.mixers(0), x, 4, LayerAttributionMethod.Activation));
    }
}
