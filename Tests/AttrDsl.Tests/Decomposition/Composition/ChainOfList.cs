using AttrDsl.Decomposition;
using TorchSharp.Modules;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Composition;

/// <summary>A user block holding its layers in a ModuleList and running them in order; its CD hands the list to the dispatcher.</summary>
internal sealed class ChainOfList : nn.Module<Tensor, Tensor>, IDecomposable
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> layers;

    public ChainOfList(params nn.Module<Tensor, Tensor>[] modules) : base(nameof(ChainOfList))
    {
        layers = nn.ModuleList(modules);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        foreach (var l in layers) x = l.call(x);
        return x;
    }

    public Dec Decompose(Dec input) => CdFunctional.module(layers, input);
}
