using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>
/// Input standardisation with fixed statistics (buffers), a learned per-feature scale and shift (Parameters used as
/// tensors), scalar arithmetic, then an MLP.
/// </summary>
[Explainable]
public partial class NormalizedAffineNet : nn.Module<Tensor, Tensor>
{
    private readonly Tensor mean;
    private readonly Tensor std;
    private readonly Parameter scale;
    private readonly Parameter shift;
    private readonly Linear fc1 = nn.Linear(5, 10);
    private readonly Linear fc2 = nn.Linear(10, 2);

    public NormalizedAffineNet() : base(nameof(NormalizedAffineNet))
    {
        mean = torch.tensor(new float[] { 0.1f, -0.2f, 0.3f, 0.0f, 0.5f });
        std = torch.tensor(new float[] { 1.0f, 2.0f, 0.5f, 1.5f, 0.8f });
        scale = nn.Parameter(torch.rand(5) + 0.5);
        shift = nn.Parameter(torch.randn(5) * 0.1);
        register_buffer("mean", mean);
        register_buffer("std", std);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = (x - mean) / std;
        x = x * scale + shift;
        var h = nn.functional.softplus(fc1.call(x)) * 0.5;
        h = 2.0 * h - 1.0;
        return fc2.call(h) / 3;
    }
}
