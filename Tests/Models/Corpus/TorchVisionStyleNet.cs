using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A basic block in TorchVision's style: dispose scope, ReLU module, in-place residual add and ReLU.</summary>
[Decomposable]
public partial class TvBasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;

    public TvBasicBlock(long inplanes, long planes, long stride = 1) : base(nameof(TvBasicBlock))
    {
        conv1 = nn.Conv2d(inplanes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        relu = nn.ReLU(inplace: true);
        conv2 = nn.Conv2d(planes, planes, kernel_size: 3, stride: 1, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        if (stride != 1 || inplanes != planes)
            downsample = nn.Sequential(nn.Conv2d(inplanes, planes, kernel_size: 1, stride: stride, bias: false), nn.BatchNorm2d(planes));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var identity = x;

        var @out = conv1.call(x);
        @out = bn1.call(@out);
        @out = relu.call(@out);

        @out = conv2.call(@out);
        @out = bn2.call(@out);

        if (downsample is not null)
            identity = downsample.call(x);

        @out.add_(identity).relu_();
        return scope.MoveToOuter(@out);
    }
}

/// <summary>A tiny ResNet in TorchVision's style: its forward also runs in a dispose scope and moves its result out.</summary>
[Explainable]
public partial class TorchVisionStyleNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = nn.Conv2d(3, 8, kernel_size: 3, stride: 1, padding: 1, bias: false);
    private readonly BatchNorm2d bn1 = nn.BatchNorm2d(8);
    private readonly ReLU relu = nn.ReLU(inplace: true);
    private readonly MaxPool2d maxpool = nn.MaxPool2d(kernel_size: 2, stride: 2);
    private readonly Sequential layer1 = nn.Sequential(new TvBasicBlock(8, 8), new TvBasicBlock(8, 8));
    private readonly Sequential layer2 = nn.Sequential(new TvBasicBlock(8, 16, stride: 2), new TvBasicBlock(16, 16));
    private readonly AdaptiveAvgPool2d avgpool = nn.AdaptiveAvgPool2d(new long[] { 1, 1 });
    private readonly Linear fc = nn.Linear(16, 6);

    public TorchVisionStyleNet() : base(nameof(TorchVisionStyleNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = conv1.call(x);
        x = bn1.call(x);
        x = relu.call(x);
        x = maxpool.call(x);

        x = layer1.call(x);
        x = layer2.call(x);

        x = avgpool.call(x);
        x = torch.flatten(x, 1);
        x = fc.call(x);
        return scope.MoveToOuter(x);
    }
}
