using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>An inverted residual (MobileNetV2/V3): 1×1 expand, ReLU6, 3×3 depthwise, hardswish, 1×1 project, residual.</summary>
[Decomposable]
public partial class InvertedResidual : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d expand;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d depthwise;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d project;
    private readonly BatchNorm2d bn3;
    private readonly bool useResidual;

    public InvertedResidual(long channels, long expansion) : base(nameof(InvertedResidual))
    {
        var hidden = channels * expansion;
        expand = nn.Conv2d(channels, hidden, 1, bias: false);
        bn1 = nn.BatchNorm2d(hidden);
        depthwise = nn.Conv2d(hidden, hidden, 3, padding: 1, groups: hidden, bias: false);
        bn2 = nn.BatchNorm2d(hidden);
        project = nn.Conv2d(hidden, channels, 1, bias: false);
        bn3 = nn.BatchNorm2d(channels);
        useResidual = true;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = nn.functional.relu6(bn1.call(expand.call(x)));
        h = nn.functional.hardswish(bn2.call(depthwise.call(h)));
        h = bn3.call(project.call(h));
        return useResidual ? x + h : h;
    }
}

/// <summary>A MobileNet-like CNN: SiLU stem, inverted residuals, global average pooling, classifier.</summary>
[Explainable]
public partial class MobileNetLike : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d stem = nn.Conv2d(3, 8, 3, stride: 2, padding: 1);
    private readonly InvertedResidual block1 = new(8, 2);
    private readonly InvertedResidual block2 = new(8, 3);
    private readonly Linear classifier = nn.Linear(8, 5);

    public MobileNetLike() : base(nameof(MobileNetLike)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = nn.functional.silu(stem.call(x));
        x = block2.call(block1.call(x));
        x = nn.functional.adaptive_avg_pool2d(x, 1);
        return classifier.call(x.flatten(1));
    }
}
