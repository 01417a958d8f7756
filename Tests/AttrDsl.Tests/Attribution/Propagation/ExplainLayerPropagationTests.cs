using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Propagation;

/// <summary>
/// <see cref="Explainer.ExplainLayer(nn.Module{Tensor, Tensor}, string, Tensor, Target, LayerAttributionMethod, Tensor?)"/>
/// with <see cref="LayerAttributionMethod.DeepLift"/> and <see cref="LayerAttributionMethod.Lrp"/>: the same values as
/// <see cref="LayerDeepLift"/> / <see cref="LayerLrp"/> with their defaults, checked against independent truths
/// (DeepLift's summation to f(x) − f(0), LRP-ε's equality with gradient × activation on a bias-free ReLU net), by path
/// and through a split made by <see cref="LayerSplit.At"/>; a split of two functions is refused.
/// </summary>
// Draws from the global generator: seeded per test and run with the other global-generator tests, so every run draws the same data.
[Collection(AttrDsl.Tests.Infrastructure.GlobalRngCollection.Name)]
public class ExplainLayerPropagationTests
{
    public ExplainLayerPropagationTests() => manual_seed(20261207);

    private static double Max(Tensor t) => t.abs().max().to(float64).item<double>();

    [Fact]
    public void LayerDeepLiftByPathAndByNamedSplitEqualsLayerDeepLiftAndSumsToTheOutputDifference()
    {
        using var scope = NewDisposeScope();
        // A Sequential: the output depends on the input only through each of its layers, so layer DeepLift is complete.
        var cnn = PropagationNets.Cnn();
        var x = randn(3, 1, 8, 8, dtype: float64);
        Tensor fx, f0;
        using (no_grad()) { fx = cnn.forward(x)[.., 2]; f0 = cnn.forward(zeros_like(x))[.., 2]; }
        foreach (var layer in new[] { "r1", "pool1", "conv2" })
        {
            var byPath = Explainer.ExplainLayer(cnn, layer, x, 2, LayerAttributionMethod.DeepLift);
            Assert.True(equal(byPath, new LayerDeepLift(cnn, layer).Attribute(x, 2)).all().item<bool>(), $"{layer}: differs from LayerDeepLift");
            Assert.True(equal(byPath, Explainer.ExplainLayer(LayerSplit.At(cnn, layer), x, 2, LayerAttributionMethod.DeepLift)).all().item<bool>(), $"{layer}: the named split differs");
            Assert.True(Max(byPath.flatten(1).sum(1) - (fx - f0)) < 1e-9, $"{layer}: Σ = {byPath.flatten(1).sum(1).str()}, f(x) − f(0) = {(fx - f0).str()}");
        }
    }

    [Fact]
    public void LayerLrpByPathEqualsLayerLrpAndGradientTimesActivationOnABiasFreeReluNet()
    {
        using var scope = NewDisposeScope();
        var mlp = PropagationNets.Mlp(bias: false);
        var x = randn(4, 6, dtype: float64);
        Tensor fx;
        using (no_grad()) fx = mlp.forward(x)[.., 1];
        foreach (var layer in new[] { "r1", "fc2", "r2" })
        {
            var byPath = Explainer.ExplainLayer(mlp, layer, x, 1, LayerAttributionMethod.Lrp);
            Assert.True(equal(byPath, new LayerLrp(mlp, layer).Attribute(x, 1)).all().item<bool>(), $"{layer}: differs from LayerLrp");
            Assert.True(equal(byPath, Explainer.ExplainLayer(LayerSplit.At(mlp, layer), x, 1, LayerAttributionMethod.Lrp)).all().item<bool>(), $"{layer}: the named split differs");
            // LRP-ε with ε → 0 on a bias-free ReLU net is gradient × activation (a hook-based method), and conserves f(x).
            var gxa = new LayerGradientXActivation(mlp, layer).Attribute(x, 1);
            Assert.True(Max(byPath - gxa) < 1e-6 * Math.Max(1, Max(gxa)), $"{layer}: LRP {byPath.str()} ≠ gradient × activation {gxa.str()}");
            Assert.True(Max(byPath.sum(1) - fx) < 1e-6 * Math.Max(1, Max(fx)), $"{layer}: Σ R = {byPath.sum(1).str()}, f(x) = {fx.str()}");
        }
    }

    [Fact]
    public void ASplitOfTwoFunctionsIsRefusedForTheMethodsThatFollowTheModelsRules()
    {
        using var scope = NewDisposeScope();
        var mlp = PropagationNets.Mlp();
        // fc1 → r1 | the rest: the same cut as the path "r1", but as two modules the split cannot name.
        var split = new LayerSplit(mlp[0..2], mlp[2..]);
        var x = randn(2, 6, dtype: float64);
        foreach (var method in new[] { LayerAttributionMethod.DeepLift, LayerAttributionMethod.Lrp })
        {
            var e = Assert.Throws<NotSupportedException>(() => Explainer.ExplainLayer(split, x, 0, method));
            Assert.Contains("module path", e.Message);
            Assert.Contains($"ExplainLayer(model, layerPath, x, target, LayerAttributionMethod.{method})", e.Message);
        }
        // The same split still serves the methods that work on the split itself.
        Assert.Equal(new long[] { 2, 8 }, Explainer.ExplainLayer(split, x, 0, LayerAttributionMethod.GradientXActivation).shape);
    }
}
