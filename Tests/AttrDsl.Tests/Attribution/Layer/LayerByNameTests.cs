using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;
using static AttrDsl.Tests.Attribution.Layer.ByNameTestModels;

namespace AttrDsl.Tests.Attribution.Layer;

/// <summary>
/// Layers chosen by module path (<see cref="LayerSplit.At"/>) give what the hand-written split of the same model gives,
/// for every layer method; the path methods hand the rest of the model the input rows each path point belongs to;
/// the captured activation survives a forward that disposes and changes its intermediates.
/// </summary>
[Collection(AttrDsl.Tests.Infrastructure.GlobalRngCollection.Name)]
public class LayerByNameTests
{
    private const int B = 3;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var model in new[] { "residual.block", "residual.stem", "nested.body.2" })
        foreach (var method in new[] { "GradCam", "LayerConductance", "InternalInfluence", "LayerActivation", "LayerIntegratedGradients", "LayerGradientXActivation", "AumannShapley" })
            data.Add(model, method);
        return data;
    }

    private static (nn.Module<Tensor, Tensor> Model, string Path, LayerSplit Hand) Case(string name)
    {
        switch (name)
        {
            case "residual.block": { var m = new Residual(); return (m, "block", m.BlockSplit()); }
            case "residual.stem": { var m = new Residual(); return (m, "stem", m.StemSplit()); }
            case "nested.body.2": { var m = new Nested(); return (m, "body.2", m.Body2Split()); }
            default: throw new ArgumentException(name);
        }
    }

    /// <summary>Runs <paramref name="method"/> on a split with small path settings that still split the path into chunks (B = 3, two steps per chunk, last chunk one step).</summary>
    private static Tensor Run(string method, LayerSplit split, Tensor x, Tensor xb) => method switch
    {
        "GradCam" => new GradCam(split).Attribute(x, Target.Class(1), relu: false),
        "LayerConductance" => new LayerConductance(split).Attribute(x, Target.Class(1), baselines: xb, nSteps: 5, internalBatchSize: 6),
        "InternalInfluence" => new InternalInfluence(split).Attribute(x, Target.Class(1), baselines: xb, nSteps: 5, internalBatchSize: 6),
        "LayerActivation" => new LayerActivation(split).Attribute(x),
        "LayerIntegratedGradients" => new LayerIntegratedGradients(split).Attribute(x, Target.Class(1), baselines: xb, nSteps: 5, internalBatchSize: 6),
        "LayerGradientXActivation" => new LayerGradientXActivation(split).Attribute(x, Target.Class(1)),
        "AumannShapley" => new AumannShapley(split).Attribute(x, Target.Class(1), baselines: xb, nSteps: 5, internalBatchSize: 6),
        _ => throw new ArgumentException(method),
    };

    [Theory, MemberData(nameof(Cases))]
    public void ByNameEqualsTheHandWrittenSplit(string model, string method)
    {
        using var scope = NewDisposeScope();
        var (m, path, hand) = Case(model);
        var x = T(Values(B * 3, 561, -2, 2), B, 3);
        var xb = T(Values(3, 562), 1, 3);
        var expected = A(Run(method, hand, x, xb));
        var byName = A(Run(method, LayerSplit.At(m, path), x, xb));
        Close(expected, byName, 1e-6, $"{method} at {model}");
        Assert.Contains(expected, v => Math.Abs(v) > 1e-3);
        Assert.Equal(0, HookCount(m));
    }

    [Fact]
    public void ConstructorsByPathEqualTheSplitAt()
    {
        using var scope = NewDisposeScope();
        var m = new Residual();
        var x = T(Values(B * 3, 563, -2, 2), B, 3);
        var split = LayerSplit.At(m, "block");
        var target = Target.Class(0);
        Close(A(new GradCam(split).Attribute(x, target)), A(new GradCam(m, "block").Attribute(x, target)), 0, "GradCam");
        Close(A(new LayerActivation(split).Attribute(x)), A(new LayerActivation(m, "block").Attribute(x)), 0, "LayerActivation");
        Close(A(new InternalInfluence(split).Attribute(x, target, nSteps: 4)), A(new InternalInfluence(m, "block").Attribute(x, target, nSteps: 4)), 0, "InternalInfluence");
        Close(A(new LayerConductance(split).Attribute(x, target, nSteps: 4)), A(new LayerConductance(m, "block").Attribute(x, target, nSteps: 4)), 0, "LayerConductance");
        Close(A(new AumannShapley(split).Attribute(x, target, nSteps: 4)), A(new AumannShapley(m, "block").Attribute(x, target, nSteps: 4)), 0, "AumannShapley");
        Close(A(new LayerIntegratedGradients(split).Attribute(x, target, nSteps: 4)), A(new LayerIntegratedGradients(m, "block").Attribute(x, target, nSteps: 4)), 0, "LayerIntegratedGradients");
        Close(A(new LayerGradientXActivation(split).Attribute(x, target)), A(new LayerGradientXActivation(m, "block").Attribute(x, target)), 0, "LayerGradientXActivation");
        Assert.Equal(0, HookCount(m));
    }

    /// <summary>
    /// The truth for the path methods at "block" of the residual model, built one path point at a time from explicit
    /// rows (no sample-major bookkeeping): at input x_α the rest of the model is F(x_α, ·), and its gradient at the
    /// layer's activation there.
    /// </summary>
    [Fact]
    public void PathMethodsGiveTheRestOfTheModelTheInputRowsOfEachPathPoint()
    {
        using var scope = NewDisposeScope();
        var m = new Residual();
        var hand = m.BlockSplit();
        var xv = Values(B * 3, 564, -2, 2);
        var bv = Values(3, 565);
        var x = T(xv, B, 3);
        var xb = T(bv, 1, 3).expand(B, 3).contiguous();
        const int n = 5;
        var target = Target.Class(1);

        // ∂F(xRows, z)/∂z at z for explicit rows.
        double[] Grad(Tensor xRows, Tensor z) => A(Gradients.Of(zz => hand.Forward(xRows, zz), z, target));
        double[] Act(Tensor xRows) { using var ng = no_grad(); return A(hand.Bottom(xRows)); }
        Tensor Lerp(Tensor a, Tensor b, double t) => a + (b - a) * t;

        // Internal influence: Σ_s w_s ∂F/∂z at (x_α, h(x_α)), Gauss–Legendre.
        var (alphas, weights) = IntegrationRule.Get(IntegrationMethod.GaussLegendre, n);
        var influence = new double[B * 4];
        for (var s = 0; s < n; s++)
        {
            var xa = Lerp(xb, x, alphas[s]);
            var g = Grad(xa, hand.Bottom(xa).detach());
            for (var i = 0; i < influence.Length; i++) influence[i] += weights[s] * g[i];
        }
        Close(influence, A(new InternalInfluence(m, "block").Attribute(x, target, baselines: xb, nSteps: n, internalBatchSize: 6)), 1e-10, "influence");

        // Conductance: Σ_k (z(α_{k+1}) − z(α_k)) ∂F/∂z at (x_{α_k}, z(α_k)), α = k/n.
        var conductance = new double[B * 4];
        for (var k = 0; k < n; k++)
        {
            var xk = Lerp(xb, x, (double)k / n);
            var zk = Act(xk);
            var zNext = Act(Lerp(xb, x, (double)(k + 1) / n));
            var g = Grad(xk, hand.Bottom(xk).detach());
            for (var i = 0; i < conductance.Length; i++) conductance[i] += (zNext[i] - zk[i]) * g[i];
        }
        Close(conductance, A(new LayerConductance(m, "block").Attribute(x, target, baselines: xb, nSteps: n, internalBatchSize: 6)), 1e-10, "conductance");

        // Layer integrated gradients: the rest reads the input x itself at every point z' + α(z − z').
        var z = hand.Bottom(x).detach();
        var zb = hand.Bottom(xb).detach();
        var avg = new double[B * 4];
        for (var s = 0; s < n; s++)
        {
            var g = Grad(x, Lerp(zb, z, alphas[s]));
            for (var i = 0; i < avg.Length; i++) avg[i] += weights[s] * g[i];
        }
        var dz = A(z - zb);
        var lig = avg.Select((a, i) => a * dz[i]).ToArray();
        Close(lig, A(new LayerIntegratedGradients(m, "block").Attribute(x, target, baselines: xb, nSteps: n, internalBatchSize: 6)), 1e-10, "layer IG");
        Close(lig, A(new AumannShapley(m, "block").Attribute(x, target, baselines: xb, nSteps: n, internalBatchSize: 6)), 1e-10, "Aumann–Shapley");
        Assert.Contains(lig, v => Math.Abs(v) > 1e-3);
    }

    [Fact]
    public void CapturedActivationSurvivesADisposingForwardThatChangesItInPlace()
    {
        using var scope = NewDisposeScope();
        var m = new InPlaceBlock();
        var xv = Values(B * 4, 566, -2, 2);
        var x = T(xv, B, 4);
        var expected = A(m.conv.forward(x));       // before relu_(out + x)
        var act = new LayerActivation(m, "conv");
        // The first call runs the forward to its end (to count the layer's calls), later ones stop at the layer.
        var first = act.Attribute(x);
        var second = act.Attribute(x);
        Close(expected, A(first), 0, "first");
        Close(expected, A(second), 0, "second");
        Assert.Contains(expected, v => v < 0);     // the in-place ReLU would have changed these
        Assert.False(first.IsInvalid);
        Assert.False(second.requires_grad);

        var hand = m.Split();
        var target = Target.Class(0);
        Close(A(new GradCam(hand).Attribute(x, target, relu: false)), A(new GradCam(m, "conv").Attribute(x, target, relu: false)), 1e-12, "GradCam");
        Close(A(new LayerGradientXActivation(hand).Attribute(x, target)), A(new LayerGradientXActivation(m, "conv").Attribute(x, target)), 1e-12, "gradient × activation");
        Close(A(new LayerIntegratedGradients(hand).Attribute(x, target, nSteps: 6)), A(new LayerIntegratedGradients(m, "conv").Attribute(x, target, nSteps: 6)), 1e-12, "layer IG");
        Assert.Equal(0, HookCount(m));
    }

    [Fact]
    public void ForwardReplacesTheLayerOutputAndLeavesTheActivationsUnchanged()
    {
        using var scope = NewDisposeScope();
        var m = new InPlaceBlock();
        var x = T(Values(B * 4, 567, -2, 2), B, 4);
        var zv = Values(B * 4, 568, -2, 2);
        var z = T(zv, B, 4);
        var split = LayerSplit.At(m, "conv");
        var output = split.Forward(x, z);
        Close(A(m.Split().Forward(x, z)), A(output), 1e-12);
        Close(zv, A(z), 0, "activations after the forward's in-place add_ and relu_");
        // The model itself is untouched: its own output is f(x) again.
        Close(A(m.fc.forward((m.conv.forward(x) + x).relu())), A(m.call(x)), 1e-12);
    }

    [Fact]
    public void SplitAtReportsItsPathAndHasNoTopAlone()
    {
        using var scope = NewDisposeScope();
        var m = new Residual();
        var split = LayerSplit.At(m, "block");
        Assert.Equal("block", split.LayerPath);
        var ex = Assert.Throws<InvalidOperationException>(() => split.Top);
        Assert.Contains("\"block\"", ex.Message);
        Assert.Contains("Forward(inputs, activations)", ex.Message);
        Assert.Null(m.StemSplit().LayerPath);
        // A one-argument top ignores the inputs.
        var z = T(Values(B * 4, 569), B, 4);
        var stem = m.StemSplit();
        Close(A(stem.Top(z)), A(stem.Forward(zeros([1], float64), z)), 0);
    }

    [Fact]
    public void ExplainLayerRunsEveryMethodByPath()
    {
        using var scope = NewDisposeScope();
        var m = new Nested();
        var x = T(Values(B * 3, 570, -2, 2), B, 3);
        var hand = m.Body2Split();
        var background = T(Values(4 * 3, 571, -2, 2), 4, 3);
        foreach (var method in Enum.GetValues<LayerAttributionMethod>())
        {
            if (method is LayerAttributionMethod.DeepLift or LayerAttributionMethod.Lrp)
            {
                // These follow the model's forward through its decomposition rules (ExplainLayerPropagationTests runs
                // them): a hand-made split cannot name the layer's module, and this model's own forward has no rule, which
                // the error names.
                Assert.Throws<NotSupportedException>(() => Explainer.ExplainLayer(hand, x, Target.Class(0), method, background));
                var e = Assert.Throws<AttrDsl.Decomposition.UnsupportedModuleException>(() => Explainer.ExplainLayer(m, "body.2", x, Target.Class(0), method));
                Assert.Contains("Nested", e.Message);
                continue;
            }
            // Layer GradientSHAP draws its baselines and noise from the global generator: the same seed before both calls.
            if (method == LayerAttributionMethod.GradientShap) manual_seed(11);
            var byHand = A(Explainer.ExplainLayer(hand, x, Target.Class(0), method, background));
            if (method == LayerAttributionMethod.GradientShap) manual_seed(11);
            Close(byHand, A(Explainer.ExplainLayer(m, "body.2", x, Target.Class(0), method, background)), 1e-6, method.ToString());
        }
        Assert.Equal(0, HookCount(m));
    }
}
