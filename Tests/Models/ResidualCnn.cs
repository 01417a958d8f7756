using AttrDsl;
using AttrDsl.Priors;
using AttrDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models;

/// <summary>A residual block the user wrote: conv → BN → ReLU → conv, plus the input, then ReLU.</summary>
[Decomposable]
public partial class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d norm;
    private readonly Conv2d conv2;

    public ResidualBlock(long channels) : base(nameof(ResidualBlock))
    {
        conv1 = nn.Conv2d(channels, channels, 3, padding: 1);
        norm = nn.BatchNorm2d(channels);
        conv2 = nn.Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = nn.functional.relu(norm.forward(conv1.forward(x)));
        h = conv2.forward(h);
        return nn.functional.relu(h + x);
    }
}

/// <summary>A residual CNN built from two user blocks, trained with two priors on the alternating schedule.</summary>
[Explainable(References = 1, Schedule = PriorSchedule.Alternating, Method = AttributionMethod.Saliency)]
[AttributionPrior(typeof(TotalVariation), Lambda = 0.01)]
[AttributionPrior(typeof(L2Attribution), Lambda = 0.001)]
public partial class ResidualCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d stem = nn.Conv2d(1, 8, 3, padding: 1);
    private readonly ResidualBlock block1 = new(8);
    private readonly ResidualBlock block2 = new(8);
    private readonly Sequential head = nn.Sequential(nn.Flatten(), nn.Linear(8 * 4 * 4, 10));

    public ResidualCnn() : base(nameof(ResidualCnn)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = nn.functional.relu(stem.forward(x));
        x = block1.forward(x);
        x = nn.functional.max_pool2d(block2.forward(x), 2);
        x = nn.functional.adaptive_avg_pool2d(x, new long[] { 4, 4 });
        return head.forward(x);
    }
}
