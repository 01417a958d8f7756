using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Propagation;

/// <summary>
/// LayerDeepLift, NeuronDeepLift, NeuronGuidedBackprop and LayerLrp: summation to delta and conservation, and closed
/// forms on small ReLU nets.
/// </summary>
// Draws from the global generator: seeded per test and run with the other global-generator tests, so every run draws the same data.
[Collection(AttrDsl.Tests.Infrastructure.GlobalRngCollection.Name)]
public class LayerPropagationTests
{
    public LayerPropagationTests() => manual_seed(20261207);

    private static double Max(Tensor t) => t.abs().max().to(float64).item<double>();

    private static TorchSharp.Modules.Linear Lin(TorchSharp.Modules.Sequential m, int i) => (TorchSharp.Modules.Linear)m[i];

    [Fact]
    public void LayerDeepLiftSumsToDeltaOnReluCnnWithMaxPoolingAndOnMlp()
    {
        using var scope = NewDisposeScope();
        var cnn = PropagationNets.Cnn();
        var img = randn(3, 1, 8, 8, dtype: float64);
        var imgRef = randn(3, 1, 8, 8, dtype: float64);
        foreach (var layer in new[] { "r1", "pool1", "conv2" })
        {
            var (a, delta) = new LayerDeepLift(cnn, layer).AttributeWithDelta(img, 2, imgRef);
            Tensor fx, f0;
            using (no_grad()) { fx = cnn.forward(img)[.., 2]; f0 = cnn.forward(imgRef)[.., 2]; }
            Assert.True(Max(a.flatten(1).sum(1) - (fx - f0)) < 1e-9, $"{layer}: Σ = {a.flatten(1).sum(1).str()}, Δf = {(fx - f0).str()}");
            Assert.True(Max(delta) < 1e-9);
        }
        var mlp = PropagationNets.Mlp();
        var x = randn(4, 6, dtype: float64);
        var x0 = randn(1, 6, dtype: float64);
        var (m, d) = new LayerDeepLift(mlp, "r2").AttributeWithDelta(x, 1, x0);
        Assert.Equal(new long[] { 4, 8 }, m.shape);
        Assert.True(Max(d) < 1e-9, d.str());
    }

    [Fact]
    public void LayerDeepLiftMatchesClosedFormAndChainsToDeepLiftThroughALinearFirstLayer()
    {
        // y = w2·relu(W1 x + b1) at layer fc1 (u = W1 x + b1): multiplier w2 ⊙ (relu(u) − relu(u₀))/(u − u₀), so the
        // attributions are w2 ⊙ (relu(u) − relu(u₀)).
        using var scope = NewDisposeScope();
        manual_seed(11);
        var net = nn.Sequential(("fc1", nn.Linear(5, 7)), ("relu", nn.ReLU()), ("fc2", nn.Linear(7, 1)));
        net.to(float64);
        var w1 = Lin(net, 0).weight!.detach();
        var b1 = Lin(net, 0).bias!.detach();
        var w2 = Lin(net, 2).weight!.detach();
        var x = randn(3, 5, dtype: float64);
        var x0 = randn(3, 5, dtype: float64);
        var u = x.matmul(w1.t()) + b1;
        var u0 = x0.matmul(w1.t()) + b1;
        var expected = w2 * (u.relu() - u0.relu());
        Assert.True(Max(new LayerDeepLift(net, "fc1").Attribute(x, 0, x0) - expected) < 1e-12);

        // Below fc1 the model is linear, so DeepLift's input multipliers are W1ᵀ times the layer's multipliers.
        var mlp = PropagationNets.Mlp();
        var xs = randn(4, 6, dtype: float64);
        var xs0 = randn(4, 6, dtype: float64);
        var layerM = new LayerDeepLift(mlp, "fc1").Attribute(xs, 2, xs0, multiplyByInputs: false);
        var inputM = new DeepLift(mlp).Attribute(xs, 2, xs0, multiplyByInputs: false);
        Assert.True(Max(layerM.matmul(Lin(mlp, 0).weight!.detach()) - inputM) < 1e-12);
        // And not the plain gradient (the ReLUs above change their state between x and x₀).
        var grad = new Saliency(mlp).Attribute(xs, 2, abs: false);
        Assert.True(Max(inputM - grad) > 1e-6);
    }

    [Fact]
    public void NeuronDeepLiftSumsToTheNeuronsDifference()
    {
        using var scope = NewDisposeScope();
        var mlp = PropagationNets.Mlp();
        var x = randn(4, 6, dtype: float64);
        var x0 = randn(4, 6, dtype: float64);
        // The ReLU unit that changes most between x and x₀ (a dead one would make every check trivial).
        long unit;
        Tensor n, n0;
        using (no_grad())
        {
            var h = mlp[0..4].call(x);
            var h0 = mlp[0..4].call(x0);
            unit = (h - h0).abs().sum(0).argmax().item<long>();
            (n, n0) = (h[.., unit], h0[.., unit]);
        }
        Assert.True(Max(n - n0) > 1e-3);
        var (a, delta) = new NeuronDeepLift(mlp, "r2", [unit]).AttributeWithDelta(x, x0);
        Assert.True(Max(a.sum(1) - (n - n0)) < 1e-9, $"Σ = {a.sum(1).str()}, Δn = {(n - n0).str()}");
        Assert.True(Max(delta) < 1e-9);
        // The neuron's DeepLift is the whole-model DeepLift of the model cut at that neuron.
        var cut = mlp[0..4];
        var whole = new DeepLift(cut).Attribute(x, unit, x0);
        Assert.True(Max(a - whole) < 1e-12);

        var cnn = PropagationNets.Cnn();
        var img = randn(2, 1, 8, 8, dtype: float64);
        var (ac, d) = new NeuronDeepLift(cnn, "conv2", [2, 1, 3]).AttributeWithDelta(img);
        Tensor nc;
        using (no_grad()) nc = cnn[0..4].call(img)[.., 2, 1, 3] - cnn[0..4].call(zeros_like(img))[.., 2, 1, 3];
        Assert.True(Max(nc) > 1e-3);
        Assert.True(Max(ac.flatten(1).sum(1) - nc) < 1e-9);
        Assert.True(Max(d) < 1e-9);
    }

    [Fact]
    public void NeuronGuidedBackpropMatchesItsClosedForm()
    {
        // neuron j of fc2 over relu(W1 x): guided = W1ᵀ(relu(W2[j]) ⊙ [W1 x > 0]) (the GuidedBackprop test's closed form).
        using var scope = NewDisposeScope();
        manual_seed(8);
        var model = nn.Sequential(("fc1", nn.Linear(5, 7, hasBias: false)), ("relu", nn.ReLU()), ("fc2", nn.Linear(7, 4, hasBias: false)),
            ("relu2", nn.ReLU()), ("fc3", nn.Linear(4, 2)));
        model.to(float64);
        var w1 = Lin(model, 0).weight!.detach();
        var w2 = Lin(model, 2).weight!.detach();
        var x = randn(3, 5, dtype: float64);
        var open = (x.matmul(w1.t()) > 0).to(float64);
        var guided = (w2[1].unsqueeze(0).relu() * open).matmul(w1);
        var g = new NeuronGuidedBackprop(model, "fc2", [1]).Attribute(x);
        Assert.True(Max(g - guided) < 1e-12, g.str());
        Assert.True(Max(g - new NeuronGradient(model, "fc2", [1]).Attribute(x)) > 1e-6);
    }

    [Fact]
    public void LayerLrpConservesRelevanceAtTheLayer()
    {
        using var scope = NewDisposeScope();
        var mlp = PropagationNets.Mlp(bias: false);
        var x = randn(4, 6, dtype: float64);
        Tensor fx;
        using (no_grad()) fx = mlp.forward(x)[.., 0];
        foreach (var layer in new[] { "fc1", "r1", "fc2" })
        foreach (var rule in new[] { LrpRule.Epsilon(0), LrpRule.Gamma(0.25) })
        {
            var r = new LayerLrp(mlp, layer, rule).Attribute(x, 0);
            Assert.True(Max(r.sum(1) - fx) < 1e-9 * Math.Max(1, Max(fx)), $"{layer} {rule.Kind}: Σ R = {r.sum(1).str()}, f(x) = {fx.str()}");
        }
        // ε = 0 on a ReLU net: relevance at a layer is activation × gradient there.
        var eps0 = new LayerLrp(mlp, "r1", LrpRule.Epsilon(0)).Attribute(x, 0);
        Assert.True(Max(eps0 - new LayerGradientXActivation(mlp, "r1").Attribute(x, 0)) < 1e-12);

        var cnn = PropagationNets.Cnn(bias: false);
        var img = randn(2, 1, 8, 8, dtype: float64);
        using (no_grad()) fx = cnn.forward(img)[.., 4];
        var rc = new LayerLrp(cnn, "pool1", LrpRule.Epsilon(0), new Dictionary<string, LrpRule> { ["Conv2d"] = LrpRule.Gamma(0.5) }).Attribute(img, 4);
        Assert.Equal(new long[] { 2, 4, 4, 4 }, rc.shape);
        Assert.True(Max(rc.flatten(1).sum(1) - fx) < 1e-9 * Math.Max(1, Max(fx)));
    }

    [Fact]
    public void LayerMethodsFollowFunctionalAndReusedReluModulesAndRefuseALayerTheWalkComputesInline()
    {
        using var scope = NewDisposeScope();
        var reference = PropagationNets.Mlp();
        var hostile = new HookHostileMlp(reference);
        var x = randn(3, 6, dtype: float64);
        var x0 = randn(3, 6, dtype: float64);
        // Same weights, ReLUs written as a functional call and one in-place module used twice: the same layer attributions.
        var a = new LayerDeepLift(hostile, "fc2").Attribute(x, 1, x0);
        var b = new LayerDeepLift(reference, "fc2").Attribute(x, 1, x0);
        Assert.True(Max(a - b) < 1e-12);
        var n = new NeuronDeepLift(hostile, "fc3", [2]).Attribute(x, x0);
        Assert.True(Max(n - new NeuronDeepLift(reference, "fc3", [2]).Attribute(x, x0)) < 1e-12);
        // The ReLU module runs twice: no single activation.
        var e = Assert.Throws<InvalidOperationException>(() => new LayerDeepLift(hostile, "relu").Attribute(x, 1, x0));
        Assert.Contains("more than once", e.Message);
        // A rule that applies a Linear's weights inline never visits that Linear as a module.
        var inline = new InlineLinear();
        var e2 = Assert.Throws<InvalidOperationException>(() => new LayerLrp(inline, "fc").Attribute(randn(2, 3, dtype: float64), 0));
        Assert.Contains("never reaches the layer \"fc\"", e2.Message);
    }

    /// <summary>relu(fc(x)) whose decomposition applies fc's weights with CdFunctional.linear, not through the module.</summary>
    private sealed class InlineLinear : nn.Module<Tensor, Tensor>, AttrDsl.Decomposition.IDecomposable
    {
        private readonly TorchSharp.Modules.Linear fc = nn.Linear(3, 2);

        public InlineLinear() : base(nameof(InlineLinear))
        {
            RegisterComponents();
            this.to(float64);
        }

        public override Tensor forward(Tensor x) => nn.functional.relu(fc.call(x));

        public AttrDsl.Decomposition.Decomposition Decompose(AttrDsl.Decomposition.Decomposition d) =>
            AttrDsl.Decomposition.CdFunctional.relu(AttrDsl.Decomposition.CdFunctional.linear(d, fc.weight!, fc.bias));
    }
}
