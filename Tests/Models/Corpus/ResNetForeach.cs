using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A ResNet basic block: conv → BN → ReLU → conv → BN, plus the input, then ReLU.</summary>
[Decomposable]
public partial class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;

    public BasicBlock(long channels) : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(channels, channels, 3, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(channels);
        conv2 = nn.Conv2d(channels, channels, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(channels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var identity = x;
        var out1 = nn.functional.relu(bn1.call(conv1.call(x)));
        var out2 = bn2.call(conv2.call(out1));
        return nn.functional.relu(out2 + identity);
    }
}

/// <summary>A small ResNet whose blocks sit in a ModuleList and run in a foreach loop.</summary>
[Explainable]
public partial class ResNetForeach : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d stem;
    private readonly BatchNorm2d bn;
    private readonly ModuleList<BasicBlock> blocks;
    private readonly Linear fc;

    public ResNetForeach(long channels = 8, int depth = 3, long classes = 5) : base(nameof(ResNetForeach))
    {
        stem = nn.Conv2d(3, channels, 3, padding: 1, bias: false);
        bn = nn.BatchNorm2d(channels);
        blocks = new ModuleList<BasicBlock>();
        for (var i = 0; i < depth; i++) blocks.Add(new BasicBlock(channels));
        fc = nn.Linear(channels, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = nn.functional.relu(bn.call(stem.call(x)));
        foreach (var block in blocks)
            x = block.call(x);
        x = nn.functional.adaptive_avg_pool2d(x, new long[] { 1, 1 });
        x = x.flatten(1);
        return fc.call(x);
    }
}
