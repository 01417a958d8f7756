using AttrDsl.Attribution;
using TorchSharp.Modules;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Neuron;

// Draws from the global generator: seeded per test and run with the other global-generator tests, so every run draws the same data.
[Collection(AttrDsl.Tests.Infrastructure.GlobalRngCollection.Name)]
public class NeuronTests
{
    public NeuronTests() => manual_seed(20261207);

    /// <summary>lin1 (3 → 4), tanh ("act"), lin2 (4 → 2), float64, seeded weights.</summary>
    private static Sequential Model()
    {
        var model = nn.Sequential(("lin1", nn.Linear(3, 4)), ("act", nn.Tanh()), ("lin2", nn.Linear(4, 2)));
        using (no_grad())
        {
            var lin1 = (Linear)model.named_children().First().module;
            lin1.weight!.copy_(T(Values(12, 91, -1.5, 1.5), 4, 3).to(float32));
            lin1.bias!.copy_(T(Values(4, 92), 4).to(float32));
        }
        model.to(float64);
        return model;
    }

    /// <summary>The neuron tanh(w_k·x + b_k) in plain C#.</summary>
    private static double NeuronOf(double[] x, int k)
    {
        // The model's weights went through float32: round them as it did.
        var w = Values(12, 91, -1.5, 1.5).Select(v => (double)(float)v).ToArray();
        var b = Values(4, 92).Select(v => (double)(float)v).ToArray();
        return Math.Tanh(w[k * 3] * x[0] + w[k * 3 + 1] * x[1] + w[k * 3 + 2] * x[2] + b[k]);
    }

    [Fact]
    public void NeuronGradientMatchesCentralFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var xv = Values(6, 93);
        var grad = A(new NeuronGradient(Model(), "act", [2]).Attribute(T(xv, 2, 3)));
        const double h = 1e-6;
        var expected = new double[6];
        for (var r = 0; r < 2; r++)
            for (var i = 0; i < 3; i++)
            {
                var plus = xv[(r * 3)..(r * 3 + 3)];
                var minus = (double[])plus.Clone();
                plus[i] += h;
                minus[i] -= h;
                expected[r * 3 + i] = (NeuronOf(plus, 2) - NeuronOf(minus, 2)) / (2 * h);
            }
        Close(expected, grad, 1e-8);
    }

    [Fact]
    public void NeuronIntegratedGradientsAreComplete()
    {
        using var scope = NewDisposeScope();
        var xv = Values(6, 94, -2, 2);
        var bv = Values(3, 95);
        var attr = A(new NeuronIntegratedGradients(Model(), "act", [1]).Attribute(T(xv, 2, 3), T(bv, 1, 3), nSteps: 64));
        for (var r = 0; r < 2; r++)
            Assert.Equal(NeuronOf(xv[(r * 3)..(r * 3 + 3)], 1) - NeuronOf(bv, 1), attr[(r * 3)..(r * 3 + 3)].Sum(), 8);
    }

    [Fact]
    public void ByFunctionEqualsByName()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var children = model.named_children().Select(c => (nn.Module<Tensor, Tensor>)c.module).ToArray();
        Func<Tensor, Tensor> bottom = t => children[1].call(children[0].call(t));
        var x = T(Values(9, 96), 3, 3);
        Close(A(new NeuronGradient(bottom, [3]).Attribute(x)), A(new NeuronGradient(model, "act", [3]).Attribute(x)), 1e-12);
        Close(A(new NeuronIntegratedGradients(bottom, [0]).Attribute(x, nSteps: 8)), A(new NeuronIntegratedGradients(model, "act", [0]).Attribute(x, nSteps: 8)), 1e-12);
    }

    [Fact]
    public void AnIndexOutsideTheLayerNamesIt()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NeuronGradient(Model(), "act", [4]).Attribute(T(Values(3, 97), 1, 3)));
        Assert.Equal("neuronIndex", e.ParamName);
        Assert.Contains("[4]", e.Message);
        var rank = Assert.Throws<ArgumentException>(() => new NeuronGradient(Model(), "act", [0, 1]).Attribute(T(Values(3, 97), 1, 3)));
        Assert.Equal("neuronIndex", rank.ParamName);
    }
}

public class NeuronConductanceTests
{
    [Fact]
    public void WithALinearTailItIsTheWeightTimesNeuronIntegratedGradients()
    {
        // f = W·tanh(h) + c: ∂f_c/∂y_k = W[c, k] at every point, so the conductance through neuron k is W[c, k] times the
        // neuron's integrated gradients (same Gauss–Legendre points), and sums to W[c, k]·(y_k(x) − y_k(x')).
        using var scope = NewDisposeScope();
        manual_seed(31);
        var model = nn.Sequential(("lin1", nn.Linear(3, 4)), ("act", nn.Tanh()), ("lin2", nn.Linear(4, 2)));
        model.to(float64);
        var w = A(((Linear)model.named_children().Last().module).weight!);
        var x = T(Values(6, 98, -2, 2), 2, 3);
        var baseline = T(Values(3, 99), 1, 3);
        var conductance = A(new NeuronConductance(model, "act", [2]).Attribute(x, 1, baseline, nSteps: 40));
        var ig = A(new NeuronIntegratedGradients(model, "act", [2]).Attribute(x, baseline, nSteps: 40));
        Close(ig.Select(v => w[1 * 4 + 2] * v).ToArray(), conductance, 1e-12);
        using var noGrad = no_grad();
        var act = (nn.Module<Tensor, Tensor>)model.named_children().ElementAt(1).module;
        var lin1 = (nn.Module<Tensor, Tensor>)model.named_children().First().module;
        var y = A(act.call(lin1.call(x)).select(1, 2));
        var yBase = A(act.call(lin1.call(baseline)).select(1, 2))[0];
        for (var r = 0; r < 2; r++) Assert.Equal(w[6] * (y[r] - yBase), conductance[(r * 3)..(r * 3 + 3)].Sum(), 8);
    }

    [Fact]
    public void SummedOverNeuronsItIsTheModelsIntegratedGradients()
    {
        // Σ_k ∂f/∂y_k ∂y_k/∂x_i = ∂f/∂x_i (chain rule through the layer), so the conductances of all the layer's neurons add
        // up to the input's integrated gradients, for a nonlinear tail too.
        using var scope = NewDisposeScope();
        manual_seed(32);
        var model = nn.Sequential(("lin1", nn.Linear(3, 4)), ("act", nn.Tanh()), ("lin2", nn.Linear(4, 3)), ("out", nn.Softplus()));
        model.to(float64);
        var x = T(Values(6, 100, -2, 2), 2, 3);
        var sum = zeros(2, 3, dtype: float64);
        for (long k = 0; k < 4; k++) sum += new NeuronConductance(model, "act", [k]).Attribute(x, 0, nSteps: 24);
        var ig = new IntegratedGradients(model).Attribute(x, 0, nSteps: 24);
        Close(A(ig), A(sum), 1e-12);
    }
}
