using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A residual MLP whose depth is a constructor argument: x = x + W_i·gelu(x) in a loop over the depth.</summary>
[Explainable]
public partial class DeepResidualMlp : nn.Module<Tensor, Tensor>
{
    private readonly int depth;
    private readonly Linear input;
    private readonly ModuleList<Linear> layers = new();
    private readonly Linear output;

    public DeepResidualMlp(int depth, long features = 7, long width = 12) : base(nameof(DeepResidualMlp))
    {
        this.depth = depth;
        input = nn.Linear(features, width);
        for (int i = 0; i < depth; i++)
            layers.Add(nn.Linear(width, width));
        output = nn.Linear(width, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = input.call(x);
        for (int i = 0; i < depth; i++)
            x = x + layers[i].call(nn.functional.gelu(x)) * (1.0 / depth);
        return output.call(x);
    }
}
