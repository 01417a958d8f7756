using AttrDsl.Attribution;
using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Layer;

/// <summary>
/// The gradients inside the layer methods, checked against float64 central differences of the top (no autograd in
/// the reference): each method's result is rebuilt in C# from ∂f/∂z estimated as (F(z + ε·eⱼ) − F(z − ε·eⱼ)) / 2ε at
/// the same path points, with the project's finite-difference step and tolerances (<see cref="GradCheck"/>).
/// </summary>
public class LayerFiniteDifferenceTests
{
    private const int B = 2, N = 3, H = 4, Cls = 1;

    private static readonly double[] W1 = Values(H * N, 601), B1 = Values(H, 602), V = Values(2 * H, 603, -2, 2);

    /// <summary>bottom(x) = tanh(x W1ᵀ + b1), [B, 3] → [B, 4].</summary>
    private static Tensor Bottom(Tensor x) => x.mm(T(W1, H, N).t()).add(T(B1, H)).tanh();

    /// <summary>top(z) = sigmoid(z Vᵀ) ⊙ (1 + z₀²), [B, 4] → [B, 2]: non-linear in every unit.</summary>
    private static Tensor Top(Tensor z) => z.mm(T(V, 2, H).t()).sigmoid() * (z.select(1, 0).square() + 1).unsqueeze(1);

    /// <summary>∂(Σ_b top(z)[b, Cls])/∂z by central differences; rows are independent, so row b's block is ∂f_b/∂z_b.</summary>
    private static double[] FdGrad(Func<Tensor, Tensor> top, double[] z, params long[] shape)
    {
        using var noGrad = no_grad();
        double F(double[] v)
        {
            using var scope = NewDisposeScope();
            return A(top(T(v, shape)).select(1, Cls)).Sum();
        }
        return GradCheck.CentralDifferences(F, z);
    }

    private static double[] Activations(double[] x) { using var scope = NewDisposeScope(); using var noGrad = no_grad(); return A(Bottom(T(x, B, N))); }

    private static double[] Lerp(double[] a, double[] b, double t) => a.Select((v, i) => v + t * (b[i] - v)).ToArray();

    private static void Matches(double[] numeric, double[] analytic, string what)
    {
        Assert.Equal(numeric.Length, analytic.Length);
        for (var i = 0; i < numeric.Length; i++)
            Assert.True(Math.Abs(analytic[i] - numeric[i]) <= GradCheck.Atol + GradCheck.Rtol * Math.Abs(numeric[i]),
                $"{what} element {i}: method {analytic[i]}, finite differences {numeric[i]}");
        Assert.Contains(numeric, v => Math.Abs(v) > 1e-3);   // a check of zeros against zeros would prove nothing
    }

    [Fact]
    public void InternalInfluenceIsThePathAverageOfTheTopGradient()
    {
        using var scope = NewDisposeScope();
        var xv = Values(B * N, 604, -2, 2);
        var bv = Values(N, 605);
        var baseline = Enumerable.Range(0, B * N).Select(i => bv[i % N]).ToArray();
        const int n = 5;
        var (alphas, weights) = IntegrationRule.Get(IntegrationMethod.GaussLegendre, n);
        var expected = new double[B * H];
        for (var s = 0; s < n; s++)
        {
            var g = FdGrad(Top, Activations(Lerp(baseline, xv, alphas[s])), B, H);
            for (var i = 0; i < expected.Length; i++) expected[i] += weights[s] * g[i];
        }
        var attr = A(new InternalInfluence(Bottom, Top).Attribute(T(xv, B, N), Target.Class(Cls), baselines: T(bv, N), nSteps: n, internalBatchSize: 4));
        Matches(expected, attr, "influence");
    }

    [Fact]
    public void ConductanceIsTheActivationStepTimesTheTopGradient()
    {
        using var scope = NewDisposeScope();
        var xv = Values(B * N, 606, -2, 2);
        const int n = 6;
        var expected = new double[B * H];
        var zero = new double[B * N];
        for (var k = 0; k < n; k++)
        {
            var zk = Activations(Lerp(zero, xv, (double)k / n));
            var zNext = Activations(Lerp(zero, xv, (double)(k + 1) / n));
            var g = FdGrad(Top, zk, B, H);
            for (var i = 0; i < expected.Length; i++) expected[i] += (zNext[i] - zk[i]) * g[i];
        }
        var attr = A(new LayerConductance(Bottom, Top).Attribute(T(xv, B, N), Target.Class(Cls), nSteps: n));
        Matches(expected, attr, "conductance");
    }

    [Fact]
    public void AumannShapleyIsIntegratedGradientsInFeatureSpace()
    {
        using var scope = NewDisposeScope();
        var xv = Values(B * N, 607, -2, 2);
        var z = Activations(xv);
        var zb = Values(H, 608);
        var zBase = Enumerable.Range(0, B * H).Select(i => zb[i % H]).ToArray();
        const int n = 4;
        var (alphas, weights) = IntegrationRule.Get(IntegrationMethod.RiemannMiddle, n);
        var avg = new double[B * H];
        for (var s = 0; s < n; s++)
        {
            var g = FdGrad(Top, Lerp(zBase, z, alphas[s]), B, H);
            for (var i = 0; i < avg.Length; i++) avg[i] += weights[s] * g[i];
        }
        var expected = avg.Select((a, i) => a * (z[i] - zBase[i])).ToArray();
        var attr = A(new AumannShapley(Bottom, Top).Attribute(T(xv, B, N), Target.Class(Cls), layerBaselines: T(zb, H), nSteps: n, method: IntegrationMethod.RiemannMiddle));
        Matches(expected, attr, "Aumann–Shapley");
    }

    [Fact]
    public void GradCamWeightsChannelsByTheirMeanTopGradient()
    {
        using var scope = NewDisposeScope();
        // bottom = tanh on [B, 2, 2, 2]; top = sigmoid(flatten(A) Uᵀ) ⊙ (1 + A₀₀₀²).
        const int c = 2, hw = 4;
        var uv = Values(2 * c * hw, 609, -2, 2);
        Func<Tensor, Tensor> top = a =>
            a.flatten(1).mm(T(uv, 2, c * hw).t()).sigmoid() * (a.flatten(1).select(1, 0).square() + 1).unsqueeze(1);
        var xv = Values(B * c * hw, 610, -2, 2);
        var act = xv.Select(Math.Tanh).ToArray();
        var g = FdGrad(top, act, B, c, 2, 2);
        var expected = new double[B * hw];
        for (var r = 0; r < B; r++)
        for (var ch = 0; ch < c; ch++)
        {
            var weight = Enumerable.Range(0, hw).Average(p => g[(r * c + ch) * hw + p]);
            for (var p = 0; p < hw; p++) expected[r * hw + p] += weight * act[(r * c + ch) * hw + p];
        }
        var cam = A(new GradCam(x => x.tanh(), top).Attribute(T(xv, B, c, 2, 2), Target.Class(Cls), relu: false));
        Matches(expected, cam, "Grad-CAM");
    }
}
