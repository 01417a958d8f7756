using System;
using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A CNN with shape reads and non-tensor locals, pooling calls with literal arguments of several numeric types, and view(b, -1).</summary>
[Explainable]
public partial class PoolingCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = nn.Conv2d(2, 6, 3, padding: 1);
    private readonly Conv2d conv2 = nn.Conv2d(6, 4, 3);
    private readonly Linear fc = nn.Linear(4 * 3 * 3, 5);

    public PoolingCnn() : base(nameof(PoolingCnn)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var batch = x.shape[0];
        x = nn.functional.relu(conv1.call(x));
        x = nn.functional.max_pool2d(x, 3, stride: 1, padding: 1);      // int literals
        x = nn.functional.avg_pool2d(x, 2L);                             // a long literal
        x = nn.functional.relu(conv2.call(x));
        x = nn.functional.max_pool2d(x, kernel_size: 2, stride: 2);
        var features = x.size(1) * x.size(2) * x.size(3);
        if (features != 36) throw new ArgumentException($"expected 16×16 inputs, got {features / 4} positions after the convolutions");
        x = x.view(batch, -1);
        return fc.call(x);
    }
}
