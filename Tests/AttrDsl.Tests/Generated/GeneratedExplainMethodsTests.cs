using AttrDsl.Attribution;
using AttrDsl.Tests.Models;

namespace AttrDsl.Tests.Generated;

/// <summary>
/// The methods the generated <c>Explain</c> reaches through <see cref="Explainer"/>, checked on the [Explainable] MNIST CNN
/// against their defining properties: KernelSHAP's patch values sum to f(x) − f(0) for each digit (its efficiency, which
/// it imposes exactly) and are constant on each 4×4 patch; LIME's are constant on each patch and finite; feature
/// permutation equals the class itself with seed 0; DeepLift's attributions sum to f(x) − f(0) through the model's
/// functional ReLUs and max pooling; layer GradientSHAP needs the background set; layer DeepLift and layer LRP reach the
/// module of a generated layer and equal the runtime's classes at its path, and a layer whose module runs more than once
/// is refused with a message that names it.
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

    [Fact]
    public void LayerDeepLiftAndLrpRunAtTheModuleOfAGeneratedLayer()
    {
        using var scope = NewDisposeScope();
        manual_seed(9);
        var model = new MnistNet();
        model.eval();
        var x = rand(2, 1, 28, 28);
        Tensor fx, f0;
        using (no_grad()) { fx = model.forward(x)[.., 4].to(ScalarType.Float64); f0 = model.forward(zeros_like(x))[.., 4].to(ScalarType.Float64); }
        foreach (var (layer, path) in new[] { (MnistNet.Layer.conv2, "conv2"), (MnistNet.Layer.fc1, "fc1") })
        {
            Assert.Equal(path, layer.ModulePath);
            var deepLift = model.Explain(layer, x, 4, LayerAttributionMethod.DeepLift);
            Assert.True(equal(deepLift, new LayerDeepLift(model, path).Attribute(x, 4)).all().item<bool>(), $"{layer}: differs from LayerDeepLift at \"{path}\"");
            // Nothing bypasses the layer in MnistNet's forward, so layer DeepLift is complete: Σ = f(x) − f(0) per digit.
            var sums = deepLift.to(ScalarType.Float64).flatten(1).sum(1);
            Assert.True(sums.sub(fx - f0).abs().max().item<double>() < 1e-4, $"{layer}: Σ {sums.str()} ≠ f(x) − f(0) {(fx - f0).str()}");
            Assert.True(equal(model.Explain(layer, x, 4, LayerAttributionMethod.Lrp), new LayerLrp(model, path).Attribute(x, 4)).all().item<bool>(), $"{layer}: differs from LayerLrp");
        }
    }

    [Fact]
    public void ALayerWhoseModuleRunsMoreThanOnceIsRefusedByNameForLayerDeepLiftAndLrp()
    {
        using var scope = NewDisposeScope();
        manual_seed(10);
        var model = new SharedModulesNet();
        model.eval();
        var x = randn(3, 4);
        // relu is called at two places in forward: the generator knows its module has no single activation.
        Assert.Null(SharedModulesNet.Layer.relu.ModulePath);
        foreach (var method in new[] { LayerAttributionMethod.DeepLift, LayerAttributionMethod.Lrp })
        {
            var e = Assert.Throws<ArgumentException>(() => model.Explain(SharedModulesNet.Layer.relu, x, 0, method));
            Assert.Equal("layer", e.ParamName);
            Assert.Contains("layer relu", e.Message);
            Assert.Contains("called at 2 places", e.Message);
            Assert.Contains("IntegratedGradients", e.Message);
        }
        // The split-based methods still explain that call.
        Assert.Equal(new long[] { 3, 6 }, model.Explain(SharedModulesNet.Layer.relu, x, 0, LayerAttributionMethod.IntegratedGradients).shape);

        // act is called once in forward and once more in a helper: only the walk sees the second run, and says so.
        Assert.Equal("act", SharedModulesNet.Layer.act.ModulePath);
        var twice = Assert.Throws<InvalidOperationException>(() => model.Explain(SharedModulesNet.Layer.act, x, 0, LayerAttributionMethod.DeepLift));
        Assert.Contains("\"act\" runs more than once", twice.Message);
        Assert.Contains("runs once", twice.Message);

        // A layer in a loop is one layer per iteration of one module.
        using var resnet = new AttrDsl.Tests.Models.Corpus.ResNetForeach();
        resnet.eval();
        var loop = Assert.Throws<ArgumentException>(() => resnet.Explain(AttrDsl.Tests.Models.Corpus.ResNetForeach.Layer.blocks(1), randn(1, 3, 8, 8), 0, LayerAttributionMethod.DeepLift));
        Assert.Contains("layer blocks_1", loop.Message);
        Assert.Contains("in a loop", loop.Message);
    }
}

/// <summary>One ReLU module called at two places in forward, and one called once in forward and once in a helper.</summary>
[Explainable]
public partial class SharedModulesNet : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear fc1 = nn.Linear(4, 6);
    private readonly TorchSharp.Modules.Linear fc2 = nn.Linear(6, 6);
    private readonly TorchSharp.Modules.Linear fc3 = nn.Linear(6, 3);
    private readonly TorchSharp.Modules.ReLU relu = nn.ReLU();
    private readonly TorchSharp.Modules.ReLU act = nn.ReLU();

    public SharedModulesNet() : base(nameof(SharedModulesNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = relu.call(fc1.call(x));
        x = Gate(fc2.call(x));
        x = act.call(x);
        return fc3.call(relu.call(x));
    }

    private Tensor Gate(Tensor t) => act.call(t) + t;
}
