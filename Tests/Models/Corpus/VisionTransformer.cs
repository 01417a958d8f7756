using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A tiny ViT: patch embedding by a strided conv, a learned CLS token and positional embedding (Parameters), encoder layers, the CLS output classified.</summary>
[Explainable]
public partial class VisionTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d patchEmbed = nn.Conv2d(3, 16, 4, stride: 4);
    private readonly Parameter clsToken = nn.Parameter(torch.zeros(1, 1, 16));
    private readonly Parameter posEmbed = nn.Parameter(torch.randn(1, 5, 16) * 0.02);
    private readonly ModuleList<EncoderLayer> encoder = nn.ModuleList(new EncoderLayer(16, 4, 32), new EncoderLayer(16, 4, 32));
    private readonly LayerNorm norm = nn.LayerNorm(16);
    private readonly Linear head = nn.Linear(16, 4);

    public VisionTransformer() : base(nameof(VisionTransformer)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var B = x.shape[0];
        x = patchEmbed.call(x).flatten(2).transpose(1, 2);     // [B, 4, 16]
        var cls = clsToken.expand(B, -1, -1);
        x = torch.cat(new[] { cls, x }, dim: 1) + posEmbed;
        for (var i = 0; i < encoder.Count; i++)
            x = encoder[i].call(x);
        x = norm.call(x);
        return head.call(x[.., 0]);
    }
}
