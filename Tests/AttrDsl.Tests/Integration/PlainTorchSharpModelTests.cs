using AttrDsl.Tests.Infrastructure;
using AttrDsl.Attribution;
using AttrDsl.Priors;
using AttrDsl.Training;
using TorchSharp.Modules;
using F = TorchSharp.torch.nn.functional;

namespace AttrDsl.Tests.Integration;

/// <summary>
/// AttrDsl on models exactly as a TorchSharp user writes them — TorchSharp's own <c>nn.Sequential</c>/<c>nn.Conv2d</c>
/// and a hand-written <c>Module&lt;Tensor, Tensor&gt;</c> subclass — with no AttrDsl types in the model: IG (with its
/// completeness check), EG, Grad-CAM, occlusion (against a hand-computed occlusion) and an attribution-prior step.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public class PlainTorchSharpModelTests
{
    /// <summary>A CNN written the way TorchSharp's samples write one.</summary>
    private sealed class SmallCnn : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1;
        private readonly Linear fc1;

        public SmallCnn() : base(nameof(SmallCnn))
        {
            conv1 = nn.Conv2d(1, 4, kernel_size: 3, dtype: float64);
            fc1 = nn.Linear(4 * 3 * 3, 3, dtype: float64);
            RegisterComponents();
        }

        public Tensor Features(Tensor x) => F.tanh(conv1.forward(x));

        public Tensor Head(Tensor features) => fc1.forward(F.avg_pool2d(features, 2).flatten(1));

        public override Tensor forward(Tensor x) => Head(Features(x));
    }

    private static Sequential SequentialCnn() => nn.Sequential(
        ("conv", nn.Conv2d(1, 4, kernel_size: 3, dtype: float64)),
        ("act", nn.Softplus()),
        ("flat", nn.Flatten()),
        ("fc", nn.Linear(4 * 6 * 6, 3, dtype: float64)));

    private static Tensor Images(int n, int seed)
    {
        manual_seed(seed);
        return rand(n, 1, 8, 8, dtype: float64);
    }

    public static TheoryData<string> Models => new() { "sequential", "subclass" };

    private static nn.Module<Tensor, Tensor> Model(string kind)
    {
        manual_seed(11);
        return kind == "sequential" ? SequentialCnn() : new SmallCnn();
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void IntegratedGradientsAreComplete(string kind)
    {
        using var scope = NewDisposeScope();
        var model = Model(kind);
        model.eval();
        var x = Images(3, 1);
        var (attr, delta) = new IntegratedGradients(model).AttributeWithDelta(x, target: 2, nSteps: 64);
        Assert.Equal(x.shape, attr.shape);
        using var noGrad = no_grad();
        var gap = model.forward(x)[.., 2] - model.forward(zeros_like(x))[.., 2];
        var sums = attr.sum([1, 2, 3]);
        Assert.True((sums - gap).abs().max().item<double>() <= 1e-6 * Math.Max(1, gap.abs().max().item<double>()),
            $"Σ IG {string.Join(", ", sums.ToArray<double>())} vs f(x) − f(0) {string.Join(", ", gap.ToArray<double>())}");
        Assert.True(delta.abs().max().item<double>() <= 1e-6);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ExpectedGradientsHaveTheInputsShapeAndAreFinite(string kind)
    {
        using var scope = NewDisposeScope();
        var model = Model(kind);
        var x = Images(2, 2);
        var background = Images(16, 3);
        var attr = new ExpectedGradients(model).Attribute(x, target: 1, background, k: 8);
        Assert.Equal(x.shape, attr.shape);
        Assert.True(attr.isfinite().all().item<bool>());
        Assert.True(attr.abs().sum().item<double>() > 0);
    }

    [Fact]
    public void GradCamOnASequentialAndOnASubclass()
    {
        using var scope = NewDisposeScope();
        var x = Images(2, 4);

        var seq = (Sequential)Model("sequential");
        var camSeq = new GradCam(LayerSplit.FromSequential(seq, 1)).Attribute(x, target: 0, relu: false);
        // Grad-CAM by hand: weights = spatial mean of ∂y/∂A, cam = Σ_c w_c A_c.
        var activation = seq[0..2].forward(x).detach().requires_grad_();
        var y = seq[2..].forward(activation)[.., 0].sum();
        y.backward();
        var weights = activation.grad!.mean([2, 3], keepdim: true);
        var expected = (weights * activation.detach()).sum(1, keepdim: true);
        Assert.Equal(expected.shape, camSeq.shape);
        Assert.True(camSeq.allclose(expected, rtol: 1e-9, atol: 1e-12));

        var cnn = (SmallCnn)Model("subclass");
        var camCnn = new GradCam(cnn.Features, cnn.Head).Attribute(x, target: 0, upsampleToInput: true);
        Assert.Equal(new long[] { 2, 1, 8, 8 }, camCnn.shape);
        Assert.True(camCnn.min().item<double>() >= 0); // ReLU applied
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void OcclusionMatchesAHandComputedOcclusion(string kind)
    {
        using var scope = NewDisposeScope();
        var model = Model(kind);
        var x = Images(1, 5);
        // Non-overlapping 4×4 windows: each pixel's attribution is f(x) − f(x with its window zeroed).
        var attr = new Occlusion(model).Attribute(x, target: 1, slidingWindowShapes: [1, 4, 4], strides: [1, 4, 4]);
        using var noGrad = no_grad();
        var full = model.forward(x)[0, 1].item<double>();
        var occluded = x.clone();
        occluded[.., .., 4..8, 0..4] = 0;
        var expected = full - model.forward(occluded)[0, 1].item<double>();
        Assert.Equal(expected, attr[0, 0, 5, 2].item<double>(), 10);
        Assert.Equal(expected, attr[0, 0, 7, 3].item<double>(), 10);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AttributionPriorStepTrainsThePlainModel(string kind)
    {
        using var scope = NewDisposeScope();
        var model = Model(kind);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        var optimizer = optim.Adam(model.parameters(), lr: 1e-2);
        var trainer = new AttributionPriorTrainer(model, (o, y) => F.cross_entropy(o, y), optimizer, new PriorTrainingOptions
        {
            Priors = [new PriorTerm(new TotalVariation(), 1e-2)],
            Background = Images(32, 6),
            References = 2,
            Schedule = PriorSchedule.Summed,
        });
        var report = trainer.Step(Images(8, 7), tensor(new long[] { 0, 1, 2, 0, 1, 2, 0, 1 }));
        Assert.True(double.IsFinite(report.TaskLoss) && report.TaskLoss > 0);
        Assert.True(double.IsFinite(report.PriorLoss) && report.PriorLoss > 0);
        var after = model.parameters().ToList();
        Assert.Equal(before.Count, after.Count);
        Assert.Contains(Enumerable.Range(0, before.Count), i => !before[i].allclose(after[i], rtol: 0, atol: 0));
        Assert.All(after, p => Assert.True(p.isfinite().all().item<bool>()));
    }
}

/// <summary>Models are called as TorchSharp users call them (<c>call</c>), so their forward hooks fire.</summary>
public class ModelHookTests
{
    [Fact]
    public void AttributionMethodsCallTheModelSoItsHooksFire()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2));
        var calls = 0;
        var handle = model.register_forward_hook((m, input, output) => { calls++; return output; });
        var x = rand(2, 4);
        new IntegratedGradients(model).Attribute(x, target: 0, nSteps: 8);
        Assert.True(calls > 0, "IntegratedGradients bypassed the model's forward hooks");
        calls = 0;
        new Saliency(model).Attribute(x, target: 1);
        Assert.True(calls > 0, "Saliency bypassed the model's forward hooks");
        calls = 0;
        new Occlusion(model).Attribute(x, target: 1, slidingWindowShapes: [2]);
        Assert.True(calls > 0, "Occlusion bypassed the model's forward hooks");
        handle.remove();
    }
}
