using AttrDsl.Attribution;
using AttrDsl.Autograd;
using static AttrDsl.Tests.Attribution.PathMethods.AttrKit;

namespace AttrDsl.Tests.Attribution.PathMethods;

/// <summary>Saliency and gradient × input against closed forms on linear and quadratic models.</summary>
public class GradientMethodsTests
{
    [Fact]
    public void SaliencyOfLinearAndQuadraticModels()
    {
        using var scope = NewDisposeScope();
        double[] a = [1, -2, 0.5];
        double[] w = [3, -1, 0.25];
        double[] xv = [1, 2, -1, -0.5, 0.5, 2];
        var x = T(xv, 2, 3);
        var sal = new Saliency(TwoHeadModel(a, w));
        var quadSigned = new double[6];
        var linSigned = new double[6];
        for (var i = 0; i < 6; i++) { quadSigned[i] = 2 * a[i % 3] * xv[i]; linSigned[i] = w[i % 3]; }
        Close(quadSigned.Select(Math.Abs).ToArray(), sal.Attribute(x, 0), 1e-12, what: "|2ax|");
        Close(quadSigned, sal.Attribute(x, 0, abs: false), 1e-12, what: "2ax");
        Close(linSigned.Select(Math.Abs).ToArray(), sal.Attribute(x, 1), 1e-12, what: "|w|");
        Close(linSigned, sal.Attribute(x, 1, abs: false), 1e-12, what: "w");
        var labels = tensor(new long[] { 1, 0 });
        Close([.. linSigned[..3], .. quadSigned[3..]], sal.Attribute(x, Target.PerSample(labels), abs: false), 1e-12, what: "per-sample");
        Assert.False(x.requires_grad);   // the caller's tensor is untouched
    }

    [Fact]
    public void InputXGradientOfLinearAndQuadraticModels()
    {
        using var scope = NewDisposeScope();
        double[] a = [1, -2, 0.5];
        double[] w = [3, -1, 0.25];
        double[] xv = [1, 2, -1, -0.5, 0.5, 2];
        var x = T(xv, 2, 3);
        var ixg = new InputXGradient(TwoHeadModel(a, w));
        var quad = new double[6];
        var lin = new double[6];
        for (var i = 0; i < 6; i++) { quad[i] = 2 * a[i % 3] * xv[i] * xv[i]; lin[i] = w[i % 3] * xv[i]; }
        Close(quad, ixg.Attribute(x, 0), 1e-12, what: "2ax²");
        Close(lin, ixg.Attribute(x, 1), 1e-12, what: "wx");
        // Gradient × input equals IG from a zero baseline on a linear model.
        Close(lin, new IntegratedGradients(TwoHeadModel(a, w)).Attribute(x, 1, nSteps: 3), 1e-12);
    }

    [Fact]
    public void CreateGraphKeepsInputGradientsDifferentiable()
    {
        using var scope = NewDisposeScope();
        // f = Σ θ_i x_i² → ∂f/∂x = 2θx; Σ (x ⊙ ∂f/∂x) = 2 Σ θ_i x_i², so its θ-gradient is 2x².
        var theta = T([0.5, -1], 2).requires_grad_();
        Func<Tensor, Tensor> f = x => (x.square() * theta).sum(1);
        var x = T([1, 2, 3, -1], 2, 2);
        var attr = new InputXGradient(f).Attribute(x, Target.Output, createGraph: true);
        Assert.True(attr.requires_grad);
        Close([2 * (1 + 9), 2 * (4 + 1)], GuardedAutograd.Grad(attr.sum(), theta), 1e-12);
        var sal = new Saliency(f).Attribute(x, Target.Output, abs: false, createGraph: true);
        Close([2 * (1 + 3), 2 * (2 - 1)], GuardedAutograd.Grad(sal.sum(), theta), 1e-12);
    }

    [Fact]
    public void ModuleConstructorsAndErrors()
    {
        using var scope = NewDisposeScope();
        using var lin = nn.Linear(2, 3, dtype: float64);
        var x = T([1, 2], 1, 2);
        var w = D(lin.weight);
        Close([Math.Abs(w[4]), Math.Abs(w[5])], new Saliency(lin).Attribute(x, 2), 1e-12);
        Close([w[4], 2 * w[5]], new InputXGradient(lin).Attribute(x, 2), 1e-12);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Saliency(lin).Attribute(x, 3));
        Assert.Contains("outside", e.Message);
        Assert.Throws<ArgumentException>(() => new Saliency(lin).Attribute(tensor(new long[] { 1, 2 }, [1, 2]), 0));
        Assert.Throws<ArgumentNullException>(() => new InputXGradient((nn.Module<Tensor, Tensor>)null!));
        // A model evaluated without autograd cannot be explained.
        var noGrad = new Saliency(t => { using var _ = no_grad(); return t.sum(1); });
        Assert.Contains("no_grad", Assert.Throws<InvalidOperationException>(() => noGrad.Attribute(x, Target.Output)).Message);
    }

    [Fact]
    public void OnlyTheResultEscapesTheCallersScope()
    {
        var x = T([1, 2, 3, 4], 2, 2);
        var f = TwoHeadModel([1, 2], [1, -1]);
        using var scope = NewDisposeScope();
        var before = scope.DisposablesCount;
        new Saliency(f).Attribute(x, 0);
        new InputXGradient(f).Attribute(x, 1);
        Assert.Equal(before + 2, scope.DisposablesCount);
    }
}
