using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A gated MLP (GLU): one projection chunked into value and gate, value ⊙ σ(gate), twice, then a classifier.</summary>
[Explainable]
public partial class GatedMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj1 = nn.Linear(10, 32);
    private readonly Linear proj2 = nn.Linear(16, 16);
    private readonly Linear output = nn.Linear(8, 3);

    public GatedMlp() : base(nameof(GatedMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var ab = proj1.call(x).chunk(2, -1);
        var h = ab[0] * nn.functional.sigmoid(ab[1]);
        var chunks = proj2.call(h).chunk(2, dim: -1);
        var value = chunks[0];
        var gate = chunks[1];
        h = value * torch.sigmoid(gate);
        return output.call(h);
    }
}
