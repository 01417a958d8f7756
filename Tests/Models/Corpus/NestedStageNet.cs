using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A bottleneck MLP block: x + up(gelu(down(norm(x)))).</summary>
[Decomposable]
public partial class BottleneckMlp : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm;
    private readonly Linear down;
    private readonly Linear up;

    public BottleneckMlp(long dim) : base(nameof(BottleneckMlp))
    {
        norm = nn.LayerNorm(dim);
        down = nn.Linear(dim, dim / 2);
        up = nn.Linear(dim / 2, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x + up.call(nn.functional.gelu(down.call(norm.call(x))));
}

/// <summary>A stage of two nested [Decomposable] blocks followed by a projection.</summary>
[Decomposable]
public partial class Stage : nn.Module<Tensor, Tensor>
{
    private readonly BottleneckMlp first;
    private readonly BottleneckMlp second;
    private readonly Linear project;

    public Stage(long dim, long outDim) : base(nameof(Stage))
    {
        first = new BottleneckMlp(dim);
        second = new BottleneckMlp(dim);
        project = nn.Linear(dim, outDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = first.call(x);
        x = second.call(x);
        return nn.functional.relu(project.call(x));
    }
}

/// <summary>Two stages of nested blocks, then a head.</summary>
[Explainable]
public partial class NestedStageNet : nn.Module<Tensor, Tensor>
{
    private readonly Stage stage1 = new(8, 12);
    private readonly Stage stage2 = new(12, 12);
    private readonly Linear head = nn.Linear(12, 3);

    public NestedStageNet() : base(nameof(NestedStageNet)) => RegisterComponents();

    public override Tensor forward(Tensor x) => head.call(stage2.call(stage1.call(x)));
}
