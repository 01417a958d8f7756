using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>VGG-style: a named Sequential feature extractor, flatten, and a Sequential classifier.</summary>
[Explainable]
public partial class SequentialNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential features = nn.Sequential(
        ("conv1", nn.Conv2d(1, 4, 3, padding: 1)),
        ("bn1", nn.BatchNorm2d(4)),
        ("relu1", nn.ReLU()),
        ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(4, 8, 3, padding: 1)),
        ("relu2", nn.ReLU()),
        ("pool2", nn.AvgPool2d(2)));

    private readonly Sequential classifier = nn.Sequential(
        nn.Dropout(0.5),
        nn.Linear(8 * 2 * 2, 16),
        nn.Tanh(),
        nn.Linear(16, 3));

    public SequentialNet() : base(nameof(SequentialNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = features.call(x);
        x = torch.flatten(x, 1);
        return classifier.call(x);
    }
}
