using AttrDsl.Decomposition;
using TorchSharp.Modules;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Composition;

/// <summary>A user-written residual block, relu(x + fc2(relu(fc1(x)))), that decomposes itself by hand.</summary>
internal sealed class ResidualBlock : nn.Module<Tensor, Tensor>, IDecomposable
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public ResidualBlock(long width) : base(nameof(ResidualBlock))
    {
        fc1 = nn.Linear(width, width);
        fc2 = nn.Linear(width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.relu(x + fc2.call(nn.functional.relu(fc1.call(x))));

    public Dec Decompose(Dec input)
    {
        var h = CdFunctional.relu(CdFunctional.module(fc1, input));
        h = CdFunctional.module(fc2, h);
        return CdFunctional.relu(CdFunctional.add(input, h));
    }
}
