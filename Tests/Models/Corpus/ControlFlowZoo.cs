using System;
using System.Collections.Generic;
using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
namespace AttrDsl.Tests.Models.Corpus;
/// <summary>The statements users write that the other corpus models do not: switch, a ternary, while and do loops, a compound
/// assignment, a Tensor[] filled in a loop, a tuple-returning helper, a cast module from named_children, a Tensor? local,
/// an in-place statement and shape reads.</summary>
[Explainable]
public partial class ControlFlowZoo : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc = nn.Linear(8, 8), out1 = nn.Linear(8, 2);
    private readonly Parameter scale = nn.Parameter(ones(8));
    private readonly int mode = 1;
    private readonly Sequential seq = nn.Sequential(nn.Linear(8, 8), nn.ReLU());
    public ControlFlowZoo() : base(nameof(ControlFlowZoo)) => RegisterComponents();
    public override Tensor forward(Tensor x)
    {
        switch (mode)
        {
            case 0: x = x.relu(); break;
            default: x = fc.call(x); break;
        }
        var y = mode > 0 ? nn.functional.relu(x) : x.tanh();
        int steps = 0;
        while (steps < 2) { y = y + fc.call(y) * scale; steps++; }
        var h = y;
        h += fc.call(y);
        Tensor[] outs = new Tensor[2];
        for (int i = 0; i < outs.Length; i++) outs[i] = fc.call(h) * (i + 1);
        var (a, b) = Split(torch.stack(outs, 1).sum(1));
        foreach (var (name, m) in seq.named_children()) a = ((nn.Module<Tensor, Tensor>)m).call(a);
        Tensor? skip = null;
        if (mode == 1) skip = b;
        if (skip is not null) a = a + skip;
        a.relu_();
        do { a = a.view(a.size(0), -1); } while (false);
        return out1.call(a).squeeze(-1);
    }
    private (Tensor, Tensor) Split(Tensor t) => (t.relu(), t.sigmoid());
}
