using AttrDsl.Decomposition;
using TorchSharp;
using static TorchSharp.torch;
namespace AttrDsl.Benchmarks;
internal static class Probe
{
    public static IEnumerable<(string, string)> Run()
    {
        manual_seed(0);
        using var g = no_grad();
        var conv = nn.Conv2d(32, 32, 3, padding: 1, bias: false); var bn = nn.BatchNorm2d(32); bn.eval(); conv.eval();
        var x = randn(16, 32, 32, 32); var d = new AttrDsl.Decomposition.Decomposition(x * 0.5, x * 0.5);
        double T(Action a) => Measure.MedianSeconds(a, minSeconds: 1) * 1e3;
        yield return ("conv fwd", $"{T(() => { using var s = NewDisposeScope(); conv.call(x); }):F2}");
        yield return ("conv cd", $"{T(() => { using var s = NewDisposeScope(); CdFunctional.module(conv, d); }):F2}");
        yield return ("bn fwd", $"{T(() => { using var s = NewDisposeScope(); bn.call(x); }):F2}");
        yield return ("bn cd", $"{T(() => { using var s = NewDisposeScope(); CdFunctional.module(bn, d); }):F2}");
        yield return ("relu fwd", $"{T(() => { using var s = NewDisposeScope(); nn.functional.relu(x); }):F2}");
        yield return ("relu cd", $"{T(() => { using var s = NewDisposeScope(); CdFunctional.relu(d); }):F2}");
        var block = new AttrDsl.Tests.Models.Corpus.BasicBlock(32); block.eval();
        yield return ("block fwd", $"{T(() => { using var s = NewDisposeScope(); block.call(x); }):F2}");
        yield return ("block cd (module)", $"{T(() => { using var s = NewDisposeScope(); CdFunctional.module(block, d); }):F2}");
        yield return ("block cd (Decompose)", $"{T(() => { using var s = NewDisposeScope(); block.Decompose(d); }):F2}");
        var net = new AttrDsl.Tests.Models.Corpus.ResNetForeach(32, 4, 10); net.eval();
        var xi = rand(16, 3, 32, 32); var m = (rand(16, 3, 32, 32) > 0.5).to(float32);
        yield return ("net fwd", $"{T(() => { using var s = NewDisposeScope(); net.call(xi); }):F2}");
        yield return ("net cd", $"{T(() => { using var s = NewDisposeScope(); ContextualDecomposition.Decompose(net, xi, m); }):F2}");
        yield return ("add fwd", $"{T(() => { using var s = NewDisposeScope(); var y = x + x; }):F2}");
        yield return ("add cd", $"{T(() => { using var s = NewDisposeScope(); CdFunctional.add(d, d); }):F2}");
    }
}
