using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A pre-activation residual block: x + conv(relu(bn(conv(relu(bn(x)))))).</summary>
[Decomposable]
public partial class PreActBlock : nn.Module<Tensor, Tensor>
{
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv2;

    public PreActBlock(long channels) : base(nameof(PreActBlock))
    {
        bn1 = nn.BatchNorm2d(channels);
        conv1 = nn.Conv2d(channels, channels, 3, padding: 1);
        bn2 = nn.BatchNorm2d(channels);
        conv2 = nn.Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = conv1.call(nn.functional.relu(bn1.call(x)));
        h = conv2.call(nn.functional.relu(bn2.call(h)));
        return x + h;
    }
}

/// <summary>A ResNet-ish model whose blocks (typed as plain modules) run in an indexed for loop.</summary>
[Explainable]
public partial class ResNetIndexed : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d stem;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> blocks;
    private readonly Linear head;

    public ResNetIndexed() : base(nameof(ResNetIndexed))
    {
        stem = nn.Conv2d(1, 6, 3, padding: 1);
        blocks = nn.ModuleList<nn.Module<Tensor, Tensor>>(new PreActBlock(6), new PreActBlock(6));
        head = nn.Linear(6 * 4 * 4, 3);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = stem.call(x);
        for (int i = 0; i < blocks.Count; i++)
        {
            x = blocks[i].call(x);
        }
        x = nn.functional.max_pool2d(x, 2);
        return head.call(x.flatten(1));
    }
}
