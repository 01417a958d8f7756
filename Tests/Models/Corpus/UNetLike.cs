using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>
/// A two-level U-Net: encoder, bottleneck, nearest-neighbour upsampling (written with unsqueeze/expand/reshape, as
/// there is no CD rule for interpolate/Upsample or ConvTranspose2d), skip connections concatenated with torch.cat.
/// </summary>
[Explainable]
public partial class UNetLike : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d enc1 = nn.Conv2d(1, 4, 3, padding: 1);
    private readonly Conv2d enc2 = nn.Conv2d(4, 8, 3, padding: 1);
    private readonly Conv2d bottleneck = nn.Conv2d(8, 8, 3, padding: 1);
    private readonly Conv2d dec2 = nn.Conv2d(16, 4, 3, padding: 1);
    private readonly Conv2d dec1 = nn.Conv2d(8, 4, 3, padding: 1);
    private readonly Conv2d outConv = nn.Conv2d(4, 2, 1);

    public UNetLike() : base(nameof(UNetLike)) => RegisterComponents();

    private static Tensor Upsample2x(Tensor x)
    {
        var (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        return x.unsqueeze(3).unsqueeze(5).expand(b, c, h, 2, w, 2).reshape(b, c, h * 2, w * 2);
    }

    public override Tensor forward(Tensor x)
    {
        var e1 = nn.functional.relu(enc1.call(x));                                   // [B, 4, H, W]
        var e2 = nn.functional.relu(enc2.call(nn.functional.max_pool2d(e1, 2)));     // [B, 8, H/2, W/2]
        var mid = nn.functional.relu(bottleneck.call(nn.functional.max_pool2d(e2, 2)));
        var d2 = nn.functional.relu(dec2.call(torch.cat(new[] { Upsample2x(mid), e2 }, 1)));
        var d1 = nn.functional.relu(dec1.call(torch.cat(new[] { Upsample2x(d2), e1 }, dim: 1)));
        return outConv.call(d1);
    }
}
