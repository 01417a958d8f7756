using AttrDsl.Attribution;
using AttrDsl.Decomposition;
using AttrDsl.Tests.Decomposition.Models;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Attribution.Propagation;

/// <summary>
/// DeepLift (Rescale) and DeepLift SHAP: Captum's published values, summation to delta to rounding on MLPs, CNNs with
/// overlapping max pooling and every TorchVision model, and the same attributions whether a ReLU is a module, functional,
/// reused or in place.
/// </summary>
// Draws from the global generator: seeded per test and run with the other global-generator tests, so every run draws the same data.
[Collection(AttrDsl.Tests.Infrastructure.GlobalRngCollection.Name)]
public class DeepLiftTests
{
    private readonly ITestOutputHelper output;

    public DeepLiftTests(ITestOutputHelper output)
    {
        this.output = output;
        manual_seed(20261207);
    }

    private static double Max(Tensor t) => t.abs().max().to(float64).item<double>();

    [Fact]
    public void CaptumReluDeepLiftExactMatch()
    {
        // Captum tests/attr/test_deeplift_basic.py, test_relu_deeplift_exact_match: x = (1, 2), baselines 0 → (2, 1), delta 0.
        using var scope = NewDisposeScope();
        var model = new ReluDeepLiftModel();
        var (a, delta) = new DeepLift(model).AttributeWithDelta(tensor(new[,] { { 1.0f, 2.0f } }), Target.Output);
        Assert.Equal(new[] { 2f, 1f }, a.reshape(-1).data<float>().ToArray());
        Assert.Equal(0f, delta.item<float>());
    }

    [Fact]
    public void CaptumReluDeepLiftMultipliersWithoutInputs()
    {
        // test_relu_deeplift_exact_match_wo_mutliplying_by_inputs: multipliers (2, 0.5).
        using var scope = NewDisposeScope();
        var a = new DeepLift(new ReluDeepLiftModel()).Attribute(tensor(new[,] { { 1.0f, 2.0f } }), Target.Output, multiplyByInputs: false);
        Assert.Equal(new[] { 2f, 0.5f }, a.reshape(-1).data<float>().ToArray());
    }

    [Fact]
    public void CaptumLinMaxPoolLinClassification()
    {
        // test_deeplift_basic.py, test_lin_maxpool_lin_classification: the reference's maximum takes the difference.
        using var scope = NewDisposeScope();
        var baselines = tensor(new float[,] { { 1, 2, 3, 9 }, { 4, 8, 6, 7 } });
        var (a, delta) = new DeepLift(new LinearMaxPoolLinearModel()).AttributeWithDelta(ones(2, 4), 0, baselines);
        var expected = tensor(new float[,] { { 0, 0, 0, -8 }, { 0, -7, 0, 0 } });
        Assert.True(Max(a - expected) < 1e-4, a.str());
        Assert.True(Max(delta) < 1e-4);
    }

    [Fact]
    public void CaptumReluDeepLiftShapMultiRef()
    {
        // test_relu_deepliftshap_multi_ref: four zero references → the same (2, 1) as DeepLift, delta 0.
        using var scope = NewDisposeScope();
        var (a, delta) = new DeepLiftShap(new ReluDeepLiftModel()).AttributeWithDelta(tensor(new[,] { { 1.0f, 2.0f } }), Target.Output, zeros(4, 2));
        Assert.Equal(new[] { 2f, 1f }, a.reshape(-1).data<float>().ToArray());
        Assert.Equal(0f, delta.item<float>());
    }

    [Fact]
    public void SumsToDeltaOnMlpAndCnnWithMaxPool()
    {
        using var scope = NewDisposeScope();
        foreach (var (model, x, x0) in new[]
                 {
                     ((nn.Module<Tensor, Tensor>)PropagationNets.Mlp(), randn(5, 6, dtype: float64), randn(5, 6, dtype: float64)),
                     (PropagationNets.Cnn(), randn(4, 1, 8, 8, dtype: float64), randn(4, 1, 8, 8, dtype: float64)),
                 })
        {
            var (a, delta) = new DeepLift(model).AttributeWithDelta(x, 2, x0);
            Tensor fx, f0;
            using (no_grad()) { fx = model.forward(x)[.., 2]; f0 = model.forward(x0)[.., 2]; }
            var independent = a.flatten(1).sum(1) - (fx - f0);
            output.WriteLine($"{model.GetType().Name}: max |Σa − Δf| = {Max(independent):E2}");
            Assert.True(Max(independent) < 1e-10, $"Σ attributions differs from f(x) − f(x₀) by {Max(independent):E2}");
            Assert.True(Max(delta) < 1e-10);
            // DeepLift is not gradient × Δ on these nets (else the rule would not be exercised).
            var plain = new InputXGradient(model).Attribute(x, 2) * (x - x0) / where(x == 0, ones_like(x), x);
            Assert.True(Max(a - plain) > 1e-3);
        }
    }

    [Fact]
    public void DeepLiftShapIsTheMeanOverReferences()
    {
        using var scope = NewDisposeScope();
        var model = PropagationNets.Cnn();
        var x = randn(3, 1, 8, 8, dtype: float64);
        var background = randn(4, 1, 8, 8, dtype: float64);
        var (shap, delta) = new DeepLiftShap(model).AttributeWithDelta(x, 1, background);
        var dl = new DeepLift(model);
        var mean = stack(Enumerable.Range(0, 4).Select(k => dl.Attribute(x, 1, background[k].unsqueeze(0))).ToArray()).mean([0]);
        Assert.True(Max(shap - mean) < 1e-12);
        Assert.True(Max(delta) < 1e-10);
    }

    [Fact]
    public void FunctionalReusedAndInPlaceReluGiveTheModuleAttributions()
    {
        using var scope = NewDisposeScope();
        var reference = PropagationNets.Mlp();
        var hostile = new HookHostileMlp(reference);
        var x = randn(6, 6, dtype: float64);
        var x0 = randn(6, 6, dtype: float64);
        var expected = new DeepLift(reference).Attribute(x, 1, x0);
        Assert.True(Max(new DeepLift(hostile).Attribute(x, 1, x0) - expected) < 1e-12);
        Assert.True(Max(new GuidedBackprop(hostile).Attribute(x, 1) - new GuidedBackprop(reference).Attribute(x, 1)) < 1e-12);
        Assert.True(Max(new Deconvolution(hostile).Attribute(x, 1) - new Deconvolution(reference).Attribute(x, 1)) < 1e-12);
        Assert.True(Max(new Lrp(hostile, LrpRule.Gamma()).Attribute(x, 1) - new Lrp(reference, LrpRule.Gamma()).Attribute(x, 1)) < 1e-12);
    }

    [Fact]
    public void GeneratedDecomposableModelSumsToDelta()
    {
        // ResidualCnn's forward (functional ReLUs, a [Decomposable] residual block, functional max and average pooling)
        // is translated by the source generator; DeepLift reads the same translation.
        using var scope = NewDisposeScope();
        manual_seed(4);
        var model = new AttrDsl.Tests.Models.ResidualCnn();
        model.to(float64);
        model.eval();
        var x = randn(3, 1, 28, 28, dtype: float64);
        var x0 = randn(3, 1, 28, 28, dtype: float64) * 0.1;
        var (a, delta) = new DeepLift(model).AttributeWithDelta(x, 7, x0);
        Tensor fx, f0;
        using (no_grad()) { fx = model.forward(x)[.., 7]; f0 = model.forward(x0)[.., 7]; }
        var independent = a.flatten(1).sum(1) - (fx - f0);
        output.WriteLine($"ResidualCnn: max |Σa − Δf| = {Max(independent):E2}, max |Δf| = {Max(fx - f0):E2}");
        Assert.True(Max(independent) < 1e-10 * Math.Max(1, Max(fx - f0)));
        Assert.True(Max(delta) < 1e-10 * Math.Max(1, Max(fx - f0)));
    }

    [Theory]
    [MemberData(nameof(TorchVisionZoo.Names), MemberType = typeof(TorchVisionZoo))]
    public void TorchVisionModelSumsToDelta(string name)
    {
        using var scope = NewDisposeScope();
        using var model = TorchVisionZoo.Build(name, ScalarType.Float64);
        var side = TorchVisionZoo.SmallSide(name);
        manual_seed(21);
        var x = randn(1, 3, side, side, dtype: float64);
        var x0 = randn(1, 3, side, side, dtype: float64) * 0.1;
        var (a, delta) = new DeepLift(model).AttributeWithDelta(x, 3, x0);
        Tensor fx, f0;
        using (no_grad()) { fx = model.forward(x)[.., 3]; f0 = model.forward(x0)[.., 3]; }
        // Relative to the size of the terms that are summed (randomly initialised MobileNets give Δf ≈ 1e-11, far below
        // their attributions, so |Δf| alone would measure rounding against nothing).
        var scale = new[] { Max(fx - f0), a.abs().sum().item<double>(), Max(fx), Max(f0) }.Max();
        var relative = Max(delta) / scale;
        output.WriteLine($"{name}: |Σa − Δf| / scale = {relative:E2} (Δf = {(fx - f0).item<double>():G4}, Σ|a| = {a.abs().sum().item<double>():G4})");
        // Or 1e-10 absolute: randomly initialised MobileNet v2 saturates its ReLU6s, so f(x) − f(x₀) is ~1e-11 and
        // float64 rounding of its O(1) activations (~1e-13) is all that is left.
        Assert.True(relative < 1e-8 || Max(delta) < 1e-10, $"{name}: DeepLift misses f(x) − f(x₀) by {relative:E2} (relative), {Max(delta):E2} (absolute)");
    }

    [Fact]
    public void UnsupportedModuleIsNamedByPath()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("fc", nn.Linear(4, 4)), ("odd", nn.Softmin(1)));
        var e = Assert.Throws<UnsupportedModuleException>(() => new DeepLift(model).Attribute(randn(2, 4), 0));
        Assert.Equal("odd", e.ModulePath);
        Assert.Contains("DeepLift.Attribute", e.Message);
    }

    [Fact]
    public void LayerNormIsRefusedWithItsPath()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("fc", nn.Linear(4, 4)), ("norm", nn.LayerNorm(4)), ("out", nn.Linear(4, 2)));
        var e = Assert.Throws<NotSupportedException>(() => new DeepLift(model).Attribute(randn(2, 4), 0));
        Assert.Contains("layer normalisation", e.Message);
        Assert.Contains("norm", e.Message);
    }
}
