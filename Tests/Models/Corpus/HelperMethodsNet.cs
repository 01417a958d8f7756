using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>An MLP whose forward is factored into a private helper method and a local function.</summary>
[Explainable]
public partial class HelperMethodsNet : nn.Module<Tensor, Tensor>
{
    private readonly Linear input = nn.Linear(6, 12);
    private readonly Linear hidden1 = nn.Linear(12, 12);
    private readonly Linear hidden2 = nn.Linear(12, 12);
    private readonly Linear output = nn.Linear(12, 2);

    public HelperMethodsNet() : base(nameof(HelperMethodsNet)) => RegisterComponents();

    private Tensor Dense(Linear layer, Tensor x) => nn.functional.leaky_relu(layer.call(x), 0.1);

    private static Tensor Center(Tensor x)
    {
        var mean = x.mean(new long[] { -1 }, keepdim: true);
        return x - mean;
    }

    public override Tensor forward(Tensor x)
    {
        Tensor Residual(Linear layer, Tensor h) => h + Dense(layer, h);

        var h = Dense(input, x);
        h = Residual(hidden1, h);
        h = Residual(hidden2, Center(h));
        return output.call(h);
    }
}
