using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>Squeeze-and-excitation: channels rescaled by a gate computed from their global average.</summary>
[Decomposable]
public partial class SqueezeExcite : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public SqueezeExcite(long channels, long reduction = 2) : base(nameof(SqueezeExcite))
    {
        fc1 = nn.Linear(channels, channels / reduction);
        fc2 = nn.Linear(channels / reduction, channels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var b = x.size(0);
        var c = x.size(1);
        var s = nn.functional.adaptive_avg_pool2d(x, new long[] { 1, 1 }).view(b, c);
        s = nn.functional.relu(fc1.call(s));
        s = nn.functional.sigmoid(fc2.call(s)).view(b, c, 1, 1);
        return x * s;
    }
}

/// <summary>A CNN with squeeze-and-excitation after each convolution.</summary>
[Explainable]
public partial class SqueezeExcitationCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = nn.Conv2d(3, 8, 3, padding: 1);
    private readonly SqueezeExcite se1 = new(8);
    private readonly Conv2d conv2 = nn.Conv2d(8, 8, 3, padding: 1);
    private readonly SqueezeExcite se2 = new(8, 4);
    private readonly Linear fc = nn.Linear(8, 4);

    public SqueezeExcitationCnn() : base(nameof(SqueezeExcitationCnn)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = se1.call(nn.functional.relu(conv1.call(x)));
        x = nn.functional.max_pool2d(x, 2);
        x = se2.call(nn.functional.relu(conv2.call(x)));
        x = x.mean(new long[] { 2, 3 });
        return fc.call(x);
    }
}
