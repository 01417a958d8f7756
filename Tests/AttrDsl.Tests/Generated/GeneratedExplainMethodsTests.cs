using AttrDsl.Attribution;
using AttrDsl.Tests.Models;

namespace AttrDsl.Tests.Generated;

/// <summary>
/// The methods the generated <c>Explain</c> reaches through <see cref="Explainer"/>, checked on the [Explainable] MNIST CNN
/// against their defining properties: KernelSHAP's patch values sum to f(x) − f(0) for each digit (its efficiency, which
/// it imposes exactly) and are constant on each 4×4 patch; LIME's are constant on each patch and finite; feature
/// permutation equals the class itself with seed 0; DeepLift's attributions sum to f(x) − f(0) through the model's
/// functional ReLUs and max pooling; layer GradientSHAP needs the background set.
/// </summary>
[Collection(AttrDsl.Tests.Infrastructure.GlobalRngCollection.Name)]
public sealed class GeneratedExplainMethodsTests
{
    [Fact]
    public void KernelShapPatchValuesSumToTheOutputDifferenceAndAreConstantOnEachPatch()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var model = new MnistNet();
        model.eval();
        var x = rand(2, 1, 28, 28);
        var attributions = model.Explain(x, 3, AttributionMethod.KernelShap);
        Assert.Equal(x.shape, attributions.shape);
        // One value per 4×4 patch: the top-left element of each patch stands for it.
        var patches = attributions.reshape(2, 7, 4, 7, 4);
        Assert.True(patches.sub(patches[.., .., 0..1, .., 0..1]).abs().max().item<float>() == 0, "values differ inside a patch");
        var perPatch = patches[.., .., 0, .., 0].reshape(2, 49).to(ScalarType.Float64).sum(1);
        using var noGrad = no_grad();
        var expected = (model.forward(x)[.., 3] - model.forward(zeros_like(x))[.., 3]).to(ScalarType.Float64);
        Assert.True(perPatch.sub(expected).abs().max().item<double>() < 1e-4,
            $"Σ patch values {perPatch.ToString(TorchSharp.TensorStringStyle.Julia)} ≠ f(x) − f(0) {expected.ToString(TorchSharp.TensorStringStyle.Julia)}");
    }

    [Fact]
    public void LimeAndFeaturePermutationRunThroughTheGeneratedExplain()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var model = new MnistNet();
        model.eval();
        var x = rand(3, 1, 28, 28);
        var lime = model.Explain(x, 1, AttributionMethod.Lime);
        var patches = lime.reshape(3, 7, 4, 7, 4);
        Assert.True(patches.sub(patches[.., .., 0..1, .., 0..1]).abs().max().item<float>() == 0, "LIME values differ inside a patch");
        Assert.True(lime.isfinite().all().item<bool>());
        Assert.True(lime.abs().sum().item<float>() > 0, "LIME gave all zeros");
        var permutation = model.Explain(x, 1, AttributionMethod.FeaturePermutation);
        Assert.True(equal(new FeaturePermutation(model).Attribute(x, 1, seed: 0), permutation).all().item<bool>());
    }

    [Fact]
    public void DeepLiftSumsToTheOutputDifferenceAndTheOtherPropagationMethodsRun()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        var model = new MnistNet();   // functional ReLUs and max pooling in its forward
        model.eval();
        var x = rand(2, 1, 28, 28);
        var deepLift = model.Explain(x, 4, AttributionMethod.DeepLift).to(ScalarType.Float64).reshape(2, -1).sum(1);
        using (no_grad())
        {
            var expected = (model.forward(x)[.., 4] - model.forward(zeros_like(x))[.., 4]).to(ScalarType.Float64);
            Assert.True(deepLift.sub(expected).abs().max().item<double>() < 1e-4, "DeepLift's attributions do not sum to f(x) − f(0)");
        }
        Assert.Throws<ArgumentException>(() => model.Explain(x, 4, AttributionMethod.DeepLiftShap));   // no background yet
        model.UseBackground(rand(20, 1, 28, 28));
        foreach (var method in new[] { AttributionMethod.DeepLiftShap, AttributionMethod.Lrp, AttributionMethod.GuidedBackprop, AttributionMethod.Deconvolution })
        {
            var attributions = model.Explain(x, 4, method);
            Assert.Equal(x.shape, attributions.shape);
            Assert.True(attributions.isfinite().all().item<bool>() && attributions.abs().sum().item<float>() > 0, $"{method} gave non-finite or all-zero attributions");
        }
    }

    [Fact]
    public void LayerGradientShapUsesTheBackgroundSet()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var model = new MnistNet();
        var x = rand(2, 1, 28, 28);
        var layer = MnistNet.Layer.fc1;
        Assert.Throws<ArgumentException>(() => model.Explain(layer, x, 0, LayerAttributionMethod.GradientShap));
        model.UseBackground(rand(8, 1, 28, 28));
        var attributions = model.Explain(layer, x, 0, LayerAttributionMethod.GradientShap);
        Assert.Equal(new long[] { 2, 128 }, attributions.shape);
        Assert.True(attributions.isfinite().all().item<bool>());
    }
}
