using AttrDsl.Decomposition;
using AttrDsl.Samples.MnistTrain;

namespace AttrDsl.Tests.Decomposition.Composition;

/// <summary>The sample CNN's hand-written decomposition (what the generator will emit) is complete and exact.</summary>
public class MnistNetDecompositionTests
{
    [Fact]
    public void RelevantPlusIrrelevantAreTheLogitsAndAFullMaskLeavesNothingIrrelevant()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var model = new MnistNet();
        model.to(ScalarType.Float64);
        model.eval();
        var x = rand([3, 1, 28, 28], dtype: float64, generator: generator);
        var mask = (rand([3, 1, 28, 28], dtype: float64, generator: generator) > 0.7).to(float64);
        using var noGrad = no_grad();
        var logits = model.call(x);

        var d = ContextualDecomposition.Decompose(model, x, mask);
        Assert.True((d.Relevant + d.Irrelevant - logits).abs().max().item<double>() <= 1e-8);
        Assert.True(d.Relevant.abs().sum().item<double>() > 0 && d.Irrelevant.abs().sum().item<double>() > 0);

        var full = ContextualDecomposition.Decompose(model, x, ones_like(x));
        Assert.True((full.Relevant - logits).abs().max().item<double>() <= 1e-8);
        Assert.True(full.Irrelevant.abs().max().item<double>() <= 1e-12);
    }
}
