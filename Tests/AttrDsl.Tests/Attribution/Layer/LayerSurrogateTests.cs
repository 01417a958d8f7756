using AttrDsl.Attribution;
using AttrDsl.Tests.Infrastructure;
using TorchSharp.Modules;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Layer;

/// <summary>LayerFeatureAblation and LayerGradientShap on a model whose part after the layer is linear.</summary>
[Collection(GlobalRngCollection.Name)]
public class LayerSurrogateTests
{
    /// <summary>lin1 (3 → 4), tanh ("act"), lin2 (4 → 2), float64: nonlinear up to the layer, linear after it.</summary>
    private static Sequential Model()
    {
        manual_seed(21);
        var model = nn.Sequential(("lin1", nn.Linear(3, 4)), ("act", nn.Tanh()), ("lin2", nn.Linear(4, 2)));
        model.to(float64);
        return model;
    }

    private static (double[] W, double Bias) Tail(Sequential model, int c)
    {
        var lin2 = (Linear)model.named_children().Last().module;
        return (A(lin2.weight![c]), A(lin2.bias!)[c]);
    }

    private static double[] Act(Sequential model, Tensor x)
    {
        using var g = no_grad();
        return A(((Tanh)model.named_children().ElementAt(1).module).call(((Linear)model.named_children().First().module).call(x)));
    }

    [Fact]
    public void LayerFeatureAblationIsWeightTimesActivationForALinearTail()
    {
        // f = w·z + c after the layer: ablating group G of z to 0 drops f by Σ_{i∈G} w_i z_i, exactly.
        using var scope = NewDisposeScope();
        var model = Model();
        var x = T(Values(6, 81), 2, 3);
        var (w, _) = Tail(model, 1);
        var z = Act(model, x);
        var perElement = A(new LayerFeatureAblation(model, "act").Attribute(x, 1, perturbationsPerEval: 3));
        Close(z.Select((v, i) => v * w[i % 4]).ToArray(), perElement, 1e-12, "one group per unit");
        var grouped = A(new LayerFeatureAblation(model, "act").Attribute(x, 1, tensor(new long[] { 0, 0, 1, 1 }), 0.25));
        var expected = new double[8];
        for (var r = 0; r < 2; r++)
            for (var i = 0; i < 4; i++)
            {
                var g = i / 2;
                expected[r * 4 + i] = Enumerable.Range(2 * g, 2).Sum(j => w[j] * (z[r * 4 + j] - 0.25));
            }
        Close(expected, grouped, 1e-12, "two groups, baseline 0.25");
    }

    [Fact]
    public void LayerFeatureAblationBySplitEqualsByName()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var children = model.named_children().Select(c => (nn.Module<Tensor, Tensor>)c.module).ToArray();
        var x = T(Values(9, 82), 3, 3);
        var byName = A(new LayerFeatureAblation(model, "act").Attribute(x, 0, perturbationsPerEval: 2));
        var bySplit = A(new LayerFeatureAblation(t => children[1].call(children[0].call(t)), children[2].call).Attribute(x, 0));
        Close(bySplit, byName, 1e-12);
    }

    [Fact]
    public void LayerGradientShapWithOneBaselineIsExactForALinearTail()
    {
        // One baseline, no noise: every draw gives w ⊙ (z(x) − z(x')) whatever α, summing to f(x) − f(x').
        using var scope = NewDisposeScope();
        var model = Model();
        var x = T(Values(6, 83), 2, 3);
        var baseline = T(Values(3, 84), 1, 3);
        var (w, _) = Tail(model, 0);
        var zx = Act(model, x);
        var zb = Act(model, baseline);
        manual_seed(5);
        var attr = A(new LayerGradientShap(model, "act").Attribute(x, 0, baseline, nSamples: 7));
        Close(zx.Select((v, i) => w[i % 4] * (v - zb[i % 4])).ToArray(), attr, 1e-12);
        using var noGrad = no_grad();
        var f = A(model.call(x).select(1, 0));
        var fb = A(model.call(baseline).select(1, 0))[0];
        for (var r = 0; r < 2; r++) Assert.Equal(f[r] - fb, attr[(r * 4)..(r * 4 + 4)].Sum(), 12);
    }

    [Fact]
    public void LayerGradientShapExpectationIsOutputMinusMeanBaselineOutput()
    {
        // Many baselines: Σ attributions = mean over drawn baselines of f(x) − f(x'), which tends to f(x) − E f(x').
        using var scope = NewDisposeScope();
        var model = Model();
        var x = T(Values(3, 85), 1, 3);
        var baselines = T(Values(30, 86, -2, 2), 10, 3);
        manual_seed(6);
        const int n = 4000;
        var attr = A(new LayerGradientShap(model, "act").Attribute(x, 1, baselines, nSamples: n));
        using var noGrad = no_grad();
        var fx = A(model.call(x).select(1, 1))[0];
        var fb = A(model.call(baselines).select(1, 1));
        var sd = Math.Sqrt(fb.Select(v => (v - fb.Average()) * (v - fb.Average())).Average());
        Assert.True(Math.Abs(attr.Sum() - (fx - fb.Average())) < 5 * sd / Math.Sqrt(n), $"Σ {attr.Sum()} vs {fx - fb.Average()} (5σ = {5 * sd / Math.Sqrt(n)})");
    }
}
