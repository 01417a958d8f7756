using System.Runtime.InteropServices;
using AttrDsl.Attribution;
using AttrDsl.Decomposition;
using AttrDsl.Priors;

namespace AttrDsl.Tests.Robustness;

/// <summary>
/// What a user sees when their model or their value is wrong at AttrDsl's boundary: a libtorch failure inside the model
/// is re-thrown naming the method, the failing submodule and the input's shape, without C++ frames (the original stays
/// as the inner exception); a disposed tensor or model is an <see cref="ObjectDisposedException"/> naming it; a model
/// whose output is not finite is an error naming the first non-finite output, not a NaN attribution.
/// </summary>
public class BoundaryErrorTests
{
    /// <summary>A model whose first Linear takes 4 features, called on 5.</summary>
    private static nn.Module<Tensor, Tensor> Mismatched() => nn.Sequential(("encoder", nn.Linear(4, 8)), ("act", nn.ReLU()), ("head", nn.Linear(8, 3)));

    private static void NoNativeNoise(Exception e)
    {
        Assert.DoesNotContain("frame #", e.Message);
        Assert.DoesNotContain("Exception raised from", e.Message);
        Assert.DoesNotContain(".cpp", e.Message);
        Assert.DoesNotContain("empty handle", e.Message);
    }

    public static IEnumerable<object[]> Methods =>
    [
        ["Saliency", (Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>)((m, x) => new Saliency(m).Attribute(x, Target.Class(0)))],
        ["InputXGradient", (Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>)((m, x) => new InputXGradient(m).Attribute(x, Target.Class(0)))],
        ["IntegratedGradients", (Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>)((m, x) => new IntegratedGradients(m).Attribute(x, Target.Class(0), nSteps: 4))],
        ["GradientShap", (Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>)((m, x) => new GradientShap(m).Attribute(x, Target.Class(0), zeros(3, x.size(1)), nSamples: 4))],
        ["ExpectedGradients", (Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>)((m, x) => new ExpectedGradients(m).Attribute(x, Target.Class(0), zeros(3, x.size(1)), k: 4))],
        ["FeatureAblation", (Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>)((m, x) => new FeatureAblation(m.call).Attribute(x, Target.Class(0)))],
        ["ShapleyValueSampling", (Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>)((m, x) => new ShapleyValueSampling(x2 => m.call(x2)).Attribute(x, Target.Class(0), nSamples: 2))],
        ["Gradients.Of", (Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>)((m, x) => Gradients.Of(x2 => m.call(x2), x, Target.Class(0)))],
    ];

    [Theory]
    [MemberData(nameof(Methods))]
    public void ALibtorchErrorInsideTheModelNamesTheMethodTheModuleAndTheInput(string method, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor> attribute)
    {
        using var scope = NewDisposeScope();
        var model = Mismatched();
        var e = Assert.Throws<InvalidOperationException>(() => attribute(model, randn(2, 5)));
        NoNativeNoise(e);
        Assert.StartsWith(method, e.Message);
        Assert.Contains("'encoder' (Linear)", e.Message);
        Assert.Contains(", 5] (Float32)", e.Message);   // the rows that went in: the samples' shape (path methods send B·n rows)
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied", e.Message);
        Assert.Contains("in_features", e.Message);   // what to do
        Assert.IsType<ExternalException>(e.InnerException);
    }

    [Fact]
    public void TheDiagnosisLeavesTheModelsTrainingModesAsTheyWere()
    {
        using var scope = NewDisposeScope();
        var model = Mismatched();
        model.train();
        ((nn.Module)model.named_children().First(c => c.name == "act").module).eval();
        Assert.Throws<InvalidOperationException>(() => new Saliency(model).Attribute(randn(2, 5), Target.Class(0)));
        Assert.True(model.training);
        Assert.Equal([true, false, true], model.named_children().Select(c => c.module.training).ToArray());
    }

    [Fact]
    public void ADisposedInputIsAnObjectDisposedExceptionNamingIt()
    {
        var model = nn.Sequential(nn.Linear(3, 2));
        var x = randn(2, 3);
        x.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => new IntegratedGradients(model).Attribute(x, Target.Class(0)));
        Assert.Equal("inputs", e.ObjectName);
        Assert.Contains("'inputs' was disposed", e.Message);
        var b = randn(2, 3);
        b.Dispose();
        var eb = Assert.Throws<ObjectDisposedException>(() => new IntegratedGradients(model).Attribute(randn(2, 3), Target.Class(0), b));
        Assert.Equal("baselines", eb.ObjectName);
    }

    [Fact]
    public void ADisposedModelIsAnObjectDisposedExceptionNamingItsFreedParameter()
    {
        var model = nn.Sequential(("fc", nn.Linear(3, 2)));
        var saliency = new Saliency(model);
        model.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => saliency.Attribute(randn(2, 3), Target.Class(0)));
        Assert.Contains("disposed", e.Message);
        Assert.Contains("'fc.weight'", e.Message);
        NoNativeNoise(e);

        var d = Assert.Throws<ObjectDisposedException>(() => ContextualDecomposition.Decompose(model, randn(1, 3), ones(1, 3)));
        Assert.Contains("'fc.weight'", d.Message);
    }

    [Fact]
    public void NaNWeightsAreAnErrorNamingTheFirstNonFiniteOutputNotANaNAttribution()
    {
        using var scope = NewDisposeScope();
        var linear = nn.Linear(3, 2);
        using (no_grad()) linear.weight![1, 2] = float.NaN;
        var model = nn.Sequential(linear);
        var x = ones(2, 3);
        var ig = Assert.Throws<InvalidOperationException>(() => new IntegratedGradients(model).Attribute(x, Target.Class(0), nSteps: 4));
        Assert.Contains("non-finite", ig.Message);
        Assert.Contains("output index [0, 1]", ig.Message);
        var ablation = Assert.Throws<InvalidOperationException>(() => new FeatureAblation(model.call).Attribute(x, Target.Class(0)));
        Assert.Contains("output index [0, 1]", ablation.Message);
        var cd = Assert.Throws<InvalidOperationException>(() => ContextualDecomposition.Decompose(model, x, ones(1, 3)));
        Assert.Contains("output index [0, 1]", cd.Message);
    }

    [Fact]
    public void GradientsOfRefusesANonFiniteInput()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.Linear(3, 2));
        var x = tensor(new float[] { 1, 2, float.NaN, 4, 5, 6 }).view(2, 3);
        var e = Assert.Throws<ArgumentException>(() => Gradients.Of(model.call, x, Target.Class(0)));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("index [0, 2]", e.Message);
    }

    public static IEnumerable<object[]> Priors =>
    [
        [new L1Attribution()], [new L2Attribution()], [new GiniSparsity()], [new TotalVariation()], [new GraphLaplacian(4, [(0, 1, 1.0)])],
    ];

    [Theory]
    [MemberData(nameof(Priors))]
    public void APriorRefusesAnEmptyBatchNullAndIntegerAttributions(IAttributionPrior prior)
    {
        using var scope = NewDisposeScope();
        var context = new PriorContext(zeros(1, 4));
        var empty = Assert.Throws<ArgumentException>(() => prior.Loss(zeros(0, 1, 2, 2), context));
        Assert.Equal("attributions", empty.ParamName);
        Assert.Throws<ArgumentNullException>(() => prior.Loss(null!, context));
        var integer = Assert.Throws<ArgumentException>(() => prior.Loss(ones(2, 1, 2, 2, dtype: ScalarType.Int64), context));
        Assert.Contains("Int64", integer.Message);
        var nan = Assert.Throws<ArgumentException>(() => prior.Loss(full(2, 1, 2, 2, float.NaN), context));
        Assert.Contains("non-finite", nan.Message);
    }

    [Fact]
    public void GiniAndTheGraphPriorRefuseAttributionsWithoutABatchDimension()
    {
        using var scope = NewDisposeScope();
        var context = new PriorContext(zeros(1, 4));
        var gini = Assert.Throws<ArgumentException>(() => new GiniSparsity().Loss(tensor(new float[] { 1, 0, 0, 0 }), context));
        Assert.Contains("batch dimension", gini.Message);
        Assert.Throws<ArgumentException>(() => new GraphLaplacian(4, [(0, 1, 1.0)]).Loss(tensor(new float[] { 1, 0, 0, 0 }), context));
        Assert.Throws<ArgumentException>(() => GiniSparsity.Gini(tensor(new float[] { 1, -1 })));
    }

    [Fact]
    public void EnhancedIntegratedGradientsRefusesMoreLabelsThanSamples()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.Linear(3, 2));
        var eig = new EnhancedIntegratedGradients(model.call);
        var e = Assert.Throws<ArgumentException>(() => eig.Attribute(randn(2, 3), zeros(1, 3), Target.PerSample(tensor(new long[] { 0, 1, 1 })), points: 4));
        Assert.Contains("3 per-sample targets for 2 samples", e.Message);
    }

    [Fact]
    public void InfidelityRefusesNullInputsAndAttributions()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.Linear(3, 2));
        Assert.Equal("inputs", Assert.Throws<ArgumentNullException>(() => Infidelity.Compute(model.call, null!, zeros(2, 3), Target.Class(0))).ParamName);
        Assert.Equal("attributions", Assert.Throws<ArgumentNullException>(() => Infidelity.Compute(model.call, zeros(2, 3), null!, Target.Class(0))).ParamName);
    }

    [Fact]
    public void ATokenIdBeyondTheEmbeddingIsNamedWithItsValueAndIndex()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2));
        var tokens = tensor(new long[] { 1, 2, 10 }).view(1, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ContextualDecomposition.DecomposeTokens(model, tokens, ones(1, 3)));
        Assert.Equal("tokens", e.ParamName);
        Assert.Contains("holds 10 at index [0, 2]", e.Message);
        Assert.Contains("0 to 9", e.Message);
    }

    [Fact]
    public void ALibtorchErrorInADecompositionNamesTheModulePath()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("body", nn.Sequential(("conv", nn.Conv2d(3, 4, 3)))), ("flat", nn.Flatten()));
        var e = Assert.Throws<InvalidOperationException>(() => ContextualDecomposition.Decompose(model, randn(1, 2, 8, 8), ones(1, 2, 8, 8)));
        NoNativeNoise(e);
        Assert.Contains("body.conv", e.Message);
        Assert.Contains("[1, 2, 8, 8]", e.Message);
    }

    /// <summary>
    /// A model nobody here wrote: TorchVision's ResNet-18 given one channel instead of three. The error names its first
    /// convolution by path, the inputs that went in, and what to do — for an attribution and for a decomposition.
    /// </summary>
    [Fact]
    public void ATorchVisionModelGivenTheWrongChannelsNamesItsFirstConvolution()
    {
        using var scope = NewDisposeScope();
        var model = torchvision.models.resnet18(num_classes: 4);
        model.eval();
        var x = randn(2, 1, 32, 32);
        var e = Assert.Throws<InvalidOperationException>(() => new Saliency(model).Attribute(x, Target.Class(0)));
        NoNativeNoise(e);
        Assert.StartsWith("Saliency", e.Message);
        Assert.Contains("'conv1' (Conv2d)", e.Message);
        Assert.Contains("[2, 1, 32, 32]", e.Message);
        Assert.Contains("channel", e.Message);   // what to do
        Assert.NotNull(e.InnerException);          // TorchSharp's own refusal, kept for a bug report
        var cd = Assert.Throws<InvalidOperationException>(() => ContextualDecomposition.Decompose(model, x, ones(1, 1, 32, 32)));
        NoNativeNoise(cd);
        Assert.Contains("conv1", cd.Message);
    }
}
