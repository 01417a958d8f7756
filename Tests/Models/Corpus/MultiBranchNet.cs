using System;
using System.Collections.Generic;
using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>Features split into groups, each with its own encoder, stacked and summed; a narrowed slice skips ahead.</summary>
[Explainable]
public partial class MultiBranchNet : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> encoders = nn.ModuleList(nn.Linear(3, 6), nn.Linear(3, 6), nn.Linear(3, 6));
    private readonly Linear skip = nn.Linear(2, 6);
    private readonly Linear head = nn.Linear(6, 2);

    public MultiBranchNet() : base(nameof(MultiBranchNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var groups = x.split(3, 1);
        var encoded = new List<Tensor>();
        for (int g = 0; g < groups.Length; g++)
            encoded.Add(nn.functional.tanh(encoders[g].call(groups[g])));
        var h = torch.stack(encoded, 1).sum(1);
        h = h + skip.call(x.narrow(1, 0, 2));
        return head.call(h);
    }
}
