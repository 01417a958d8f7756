using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A mixer block: an MLP across tokens (through a transpose), then one across channels, each residual.</summary>
[Decomposable]
public partial class MixerBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly Sequential tokenMlp;
    private readonly LayerNorm norm2;
    private readonly Sequential channelMlp;

    public MixerBlock(long tokens, long channels) : base(nameof(MixerBlock))
    {
        norm1 = nn.LayerNorm(channels);
        tokenMlp = nn.Sequential(nn.Linear(tokens, 2 * tokens), nn.GELU(), nn.Linear(2 * tokens, tokens));
        norm2 = nn.LayerNorm(channels);
        channelMlp = nn.Sequential(nn.Linear(channels, 2 * channels), nn.GELU(), nn.Linear(2 * channels, channels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = norm1.call(x).transpose(1, 2);
        y = tokenMlp.call(y).transpose(1, 2);
        x = x + y;
        x = x + channelMlp.call(norm2.call(x));
        return x;
    }
}

/// <summary>MLP-Mixer on 8×8 images cut into 4×4 patches: a per-patch linear stem, mixer blocks, global average, head.</summary>
[Explainable]
public partial class MlpMixer : nn.Module<Tensor, Tensor>
{
    private const int Patch = 4;
    private readonly Conv2d stem = nn.Conv2d(1, 8, Patch, stride: Patch);
    private readonly ModuleList<MixerBlock> mixers = nn.ModuleList(new MixerBlock(4, 8), new MixerBlock(4, 8));
    private readonly LayerNorm norm = nn.LayerNorm(8);
    private readonly Linear head = nn.Linear(8, 10);

    public MlpMixer() : base(nameof(MlpMixer)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = stem.call(x).flatten(2).transpose(1, 2);   // [B, patches, channels]
        foreach (var mixer in mixers)
            x = mixer.call(x);
        x = norm.call(x);
        return head.call(x.mean(new long[] { 1 }));
    }
}
