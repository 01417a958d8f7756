using AttrDsl.Tests.Infrastructure;
using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Layer;

/// <summary>
/// lib-attribution's influence checks (tests/influence_tests.py: zero weights, ones weights, ascending
/// features), the disconnected-unit check, and closed forms, for internal influence and conductance.
/// The "layer" of the lib-attribution checks is the input itself (bottom = identity), as in those tests.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public class InfluenceAndConductanceTests
{
    private static Tensor Identity(Tensor x) => x.alias();

    /// <summary>Dense(10 → 1) with every weight <paramref name="w"/> and zero bias: output [B, 1].</summary>
    private static Func<Tensor, Tensor> Dense(double w)
    {
        var weight = full([1, 10], w, float64).DetachFromDisposeScope();
        return z => z.mm(weight.t());
    }

    public static TheoryData<string> Methods => new() { "influence", "conductance" };

    private static Tensor Run(string method, Func<Tensor, Tensor> bottom, Func<Tensor, Tensor> top, Tensor x, Target target, int nSteps = 50) =>
        method == "influence"
            ? new InternalInfluence(bottom, top).Attribute(x, target, nSteps: nSteps, multiplyByActivationDelta: true)
            : new LayerConductance(bottom, top).Attribute(x, target, nSteps: nSteps);

    [Theory, MemberData(nameof(Methods))]
    public void ZeroWeightsGiveZeroAttribution(string method)
    {
        using var scope = NewDisposeScope();
        var attr = A(Run(method, Identity, Dense(0), ones([1, 10], float64), Target.Output));
        Assert.All(attr, a => Assert.Equal(0.0, a));
    }

    [Theory, MemberData(nameof(Methods))]
    public void OnesWeightsAndOnesInputGiveTen(string method)
    {
        using var scope = NewDisposeScope();
        var attr = A(Run(method, Identity, Dense(1), ones([1, 10], float64), Target.Output));
        Assert.Equal(10.0, attr.Sum(), 12);
        Assert.All(attr, a => Assert.Equal(1.0, a, 12));
    }

    [Theory, MemberData(nameof(Methods))]
    public void AscendingFeaturesGiveAscendingAttributions(string method)
    {
        using var scope = NewDisposeScope();
        var attr = A(Run(method, Identity, Dense(1), arange(0, 10, 1, float64).reshape(1, 10), Target.Output));
        var order = attr.Select((a, i) => (a, i)).OrderBy(p => p.a).Select(p => p.i).ToArray();
        Assert.Equal(Enumerable.Range(0, 10).ToArray(), order);
        Close(Enumerable.Range(0, 10).Select(i => (double)i).ToArray(), attr, 1e-12);
    }

    [Theory, MemberData(nameof(Methods))]
    public void UnitsDisconnectedFromTheOutputGetNothing(string method)
    {
        using var scope = NewDisposeScope();
        var w1 = T(Values(12, 121), 4, 3);
        var bias = T([0.5, 0.4, 0.3, 0.2], 4);
        var v = T([1.5, -2.0, 0.0, 0.0], 4, 1);   // hidden units 2 and 3 feed nothing
        Func<Tensor, Tensor> bottom = x => x.mm(w1.t()).add(bias).tanh();
        Func<Tensor, Tensor> top = z => z.mm(v).sigmoid();
        var attr = A(Run(method, bottom, top, T(Values(6, 122, -2, 2), 2, 3), Target.Output));
        for (var r = 0; r < 2; r++)
        {
            Assert.Equal(0.0, attr[r * 4 + 2]);
            Assert.Equal(0.0, attr[r * 4 + 3]);
            Assert.NotEqual(0.0, attr[r * 4 + 0]);
            Assert.NotEqual(0.0, attr[r * 4 + 1]);
        }
    }

    [Fact]
    public void InfluenceOfLinearTopIsItsWeights()
    {
        using var scope = NewDisposeScope();
        var w1 = T(Values(12, 123), 4, 3);
        var vv = new[] { 0.7, -1.1, 0.0, 2.5 };
        var v = T(vv, 4, 1);
        var ii = new InternalInfluence(x => x.mm(w1.t()).relu(), z => z.mm(v));
        var attr = A(ii.Attribute(T(Values(6, 124), 2, 3), Target.Output));
        Close([.. vv, .. vv], attr, 1e-12);
    }

    [Fact]
    public void InfluenceOfQuadraticTopAveragesTheGradientAlongThePath()
    {
        using var scope = NewDisposeScope();
        // top = Σ z², bottom = identity, baseline 0: ∂f/∂z = 2αx, whose path average is x (∫ 2α dα = 1).
        var xv = Values(8, 125, -2, 2);
        var ii = new InternalInfluence(Identity, z => z.square().sum(1));
        foreach (var method in new[] { IntegrationMethod.GaussLegendre, IntegrationMethod.RiemannTrapezoid, IntegrationMethod.RiemannMiddle })
            Close(xv, A(ii.Attribute(T(xv, 2, 4), Target.Output, nSteps: 7, method: method)), 1e-12, method.ToString());
        // The right Riemann sum averages α over {1/n, ..., 1}: (n + 1)/(2n), so 2x·(n + 1)/(2n).
        Close(xv.Select(v => v * 8.0 / 7.0).ToArray(), A(ii.Attribute(T(xv, 2, 4), Target.Output, nSteps: 7, method: IntegrationMethod.RiemannRight)), 1e-12, "right");
        // Against a baseline x': the path point is x' + α(x − x'), so the average gradient is x + x'.
        var bv = Values(4, 126);
        var withBase = A(ii.Attribute(T(xv, 2, 4), Target.Output, baselines: T(bv, 4), internalBatchSize: 4));
        Close(xv.Select((v, i) => v + bv[i % 4]).ToArray(), withBase, 1e-12, "baseline");
    }

    [Fact]
    public void InfluenceAggregatesPerChannelLast()
    {
        using var scope = NewDisposeScope();
        // bottom = identity on [1, 2, 2, 2], top = Σ V ⊙ z²: influence 2·V·x·E[α] = V·x, times (z − 0) = V·x².
        var xv = Values(8, 127, -2, 2);
        var vv = Values(8, 128);
        var vt = T(vv, 1, 2, 2, 2);
        var ii = new InternalInfluence(Identity, z => (z.square() * vt).sum([1L, 2L, 3L]));
        var full = xv.Select((x, i) => vv[i] * x * x).ToArray();
        Close(full, A(ii.Attribute(T(xv, 1, 2, 2, 2), Target.Output, multiplyByActivationDelta: true)), 1e-12, "none");
        var max = A(ii.Attribute(T(xv, 1, 2, 2, 2), Target.Output, multiplyByActivationDelta: true, aggregation: ChannelAggregation.Max));
        Close([full.Take(4).Max(), full.Skip(4).Max()], max, 1e-12, "max");
        var mean = A(ii.Attribute(T(xv, 1, 2, 2, 2), Target.Output, aggregation: ChannelAggregation.Mean));
        Close([xv.Take(4).Select((x, i) => vv[i] * x).Average(), xv.Skip(4).Select((x, i) => vv[4 + i] * x).Average()], mean, 1e-12, "mean");
    }

    [Fact]
    public void ConductanceOfProductHasClosedForm()
    {
        using var scope = NewDisposeScope();
        // f = z1·z2, z = x, baseline 0, grid α_k = k/n: each unit gets ab·(n − 1)/(2n); the total misses ab/n.
        const double a = 1.5, b = -2.0;
        var lc = new LayerConductance(Identity, z => z.select(1, 0) * z.select(1, 1));
        foreach (var n in new[] { 10, 100 })
        {
            var attr = A(lc.Attribute(T([a, b], 1, 2), Target.Output, nSteps: n, internalBatchSize: 7));
            var each = a * b * (n - 1) / (2.0 * n);
            Close([each, each], attr, 1e-12, $"n = {n}");
            Assert.Equal(a * b / n, a * b - attr.Sum(), 12);
        }
    }

    [Fact]
    public void ConductanceCompletenessErrorShrinksWithSteps()
    {
        using var scope = NewDisposeScope();
        var w1 = T(Values(15, 131), 5, 3);
        var b1 = T(Values(5, 132), 5);
        var v = T(Values(10, 133, -2, 2), 2, 5);
        Func<Tensor, Tensor> bottom = x => x.mm(w1.t()).add(b1).tanh();
        Func<Tensor, Tensor> top = z => z.mm(v.t()).sigmoid();
        var x = T(Values(6, 134, -2, 2), 2, 3);
        var xb = T(Values(3, 135, -0.5, 0.5), 3);
        var fx = A(top(bottom(x)));
        var fb = A(top(bottom(xb.unsqueeze(0))));
        var lc = new LayerConductance(bottom, top);
        double Error(int n)
        {
            var attr = A(lc.Attribute(x, Target.Class(1), baselines: xb, nSteps: n));
            var worst = 0.0;
            for (var r = 0; r < 2; r++)
                worst = Math.Max(worst, Math.Abs(attr.Skip(r * 5).Take(5).Sum() - (fx[r * 2 + 1] - fb[1])));
            return worst;
        }
        var coarse = Error(20);
        var fine = Error(200);
        Assert.True(fine < coarse / 5, $"error with 200 steps {fine} should be well below that with 20 steps {coarse}");
        Assert.True(fine < 1e-3, $"error with 200 steps {fine}");
    }

    [Fact]
    public void ConductanceThroughSequentialConvNetSumsToOutputDifference()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var model = torch.nn.Sequential(
            torch.nn.Conv2d(1, 2, 3, dtype: float64), torch.nn.Tanh(), torch.nn.Flatten(), torch.nn.Linear(18, 3, dtype: float64));
        var x = randn([2, 1, 5, 5], float64);
        var lc = new LayerConductance(LayerSplit.FromSequential(model, 1));
        var attr = lc.Attribute(x, Target.Class(2), nSteps: 300);
        Assert.Equal([2L, 2, 3, 3], attr.shape);
        var fx = A(model.forward(x));
        var f0 = A(model.forward(zeros([1, 1, 5, 5], float64)));
        var perChannel = A(lc.Attribute(x, Target.Class(2), nSteps: 300, aggregation: ChannelAggregation.Sum));
        for (var r = 0; r < 2; r++)
        {
            var delta = fx[r * 3 + 2] - f0[2];
            Assert.Equal(delta, A(attr[r]).Sum(), 3);
            Assert.Equal(delta, perChannel[r * 2] + perChannel[r * 2 + 1], 3);
        }
    }

    [Fact]
    public void ArgumentErrors()
    {
        using var scope = NewDisposeScope();
        var lc = new LayerConductance(Identity, Dense(1));
        var ii = new InternalInfluence(Identity, Dense(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => lc.Attribute(ones([1, 10], float64), Target.Output, nSteps: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ii.Attribute(ones([1, 10], float64), Target.Output, internalBatchSize: 0));
        var ex = Assert.Throws<ArgumentException>(() => ii.Attribute(ones([1, 10], float64), Target.Output, baselines: zeros([3], float64)));
        Assert.Contains("cannot be broadcast", ex.Message);
        Assert.Throws<ArgumentException>(() => lc.Attribute(ones([1, 10], int64), Target.Output));
    }
}
