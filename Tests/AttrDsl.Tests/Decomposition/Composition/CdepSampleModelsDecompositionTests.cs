using AttrDsl.Decomposition;
using AttrDsl.Samples.CdepColor;
using AttrDsl.Samples.CdepDecoy;

namespace AttrDsl.Tests.Decomposition.Composition;

/// <summary>The models of the DecoyMNIST and ColorMNIST experiments decompose themselves completely and exactly.</summary>
public class CdepSampleModelsDecompositionTests
{
    private static void AssertExact(nn.Module<Tensor, Tensor> model, long[] shape, int seed)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        model.to(ScalarType.Float64);
        model.eval();
        var x = rand(shape, dtype: float64, generator: generator) * 2 - 1;
        var mask = (rand(shape, dtype: float64, generator: generator) > 0.7).to(float64);
        using var noGrad = no_grad();
        var logits = model.call(x);

        var d = ContextualDecomposition.Decompose(model, x, mask);
        Assert.True((d.Relevant + d.Irrelevant - logits).abs().max().item<double>() <= 1e-8);
        Assert.True(d.Relevant.abs().sum().item<double>() > 0 && d.Irrelevant.abs().sum().item<double>() > 0);

        var full = ContextualDecomposition.Decompose(model, x, ones_like(x));
        Assert.True((full.Relevant - logits).abs().max().item<double>() <= 1e-8);
        Assert.True(full.Irrelevant.abs().max().item<double>() <= 1e-12);
    }

    [Fact]
    public void DecoyMlpDecomposesExactly()
    {
        using var model = new DecoyMlp(hidden: 20);
        AssertExact(model, [3, 1, 28, 28], 11);
    }

    [Fact]
    public void ColorNetDecomposesExactly()
    {
        using var model = new ColorNet();
        AssertExact(model, [2, 3, 28, 28], 12);
    }
}
