using AttrDsl;
using AttrDsl.Priors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models;

/// <summary>A tabular MLP with two branches joined by concatenation, k = 2 references and an L1 prior on its attributions.</summary>
[Explainable(References = 2, Method = AttributionMethod.ExpectedGradients)]
[AttributionPrior(typeof(L1Attribution), Lambda = 0.01)]
public partial class MlpModel : nn.Module<Tensor, Tensor>
{
    private readonly Linear left = nn.Linear(8, 16);
    private readonly Linear right = nn.Linear(8, 16);
    private readonly Linear hidden = nn.Linear(32, 16);
    private readonly Linear output = nn.Linear(16, 3);

    public MlpModel() : base(nameof(MlpModel)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var a = nn.functional.relu(left.forward(x));
        var b = torch.tanh(right.forward(x));
        var h = torch.cat(new[] { a, b }, 1);
        h = hidden.call(h).sigmoid();
        return output.forward(h);
    }
}
