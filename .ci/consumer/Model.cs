using AttrDsl;
using AttrDsl.Priors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Consumer;

/// <summary>A tabular MLP with two branches joined by concatenation, 2 references per sample and an L1 prior on its attributions.</summary>
[Explainable(References = 2, Method = AttributionMethod.ExpectedGradients)]
[AttributionPrior(typeof(L1Attribution), Lambda = 0.01)]
public partial class TabularNet : nn.Module<Tensor, Tensor>
{
    private readonly Linear left = nn.Linear(8, 16);
    private readonly Linear right = nn.Linear(8, 16);
    private readonly Linear hidden = nn.Linear(32, 16);
    private readonly Linear output = nn.Linear(16, 3);

    public TabularNet() : base(nameof(TabularNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var a = nn.functional.relu(left.forward(x));
        var b = torch.tanh(right.forward(x));
        var h = torch.cat(new[] { a, b }, 1);
        h = hidden.call(h).sigmoid();
        return output.forward(h);
    }
}
