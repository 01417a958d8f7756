using AttrDsl.Tests.Infrastructure;

namespace AttrDsl.Tests.Gradients;

/// <summary>
/// The autograd surface itself (autograd.grad with grad_outputs, backward accumulation, .grad set/clear,
/// retain_grad, grad modes, double backward through .grad) against closed forms.
/// </summary>
public class AutogradApiTests
{
    [Fact]
    public void GradWithGradOutputsOverSeveralOutputsAndInputs()
    {
        using var scope = NewDisposeScope();
        // y1 = x²·z (elementwise), y2 = sin x; grad_outputs v1, v2:
        // ∂/∂x = 2xz·v1 + cos x·v2, ∂/∂z = x²·v1.
        double[] xs = [0.5, -1.0, 2.0], zs = [1.5, 0.25, -0.5], v1 = [1, -2, 0.5], v2 = [0.3, 0.7, -1];
        var x = tensor(xs, requires_grad: true);
        var z = tensor(zs, requires_grad: true);
        var y1 = x * x * z;
        var y2 = x.sin();
        var g = autograd.grad([y1, y2], [x, z], [tensor(v1), tensor(v2)]);
        Close.All(xs.Select((xi, i) => 2 * xi * zs[i] * v1[i] + Math.Cos(xi) * v2[i]).ToArray(), g[0]!.ToArray<double>());
        Close.All(xs.Select((xi, i) => xi * xi * v1[i]).ToArray(), g[1]!.ToArray<double>());
    }

    [Fact]
    public void GradWithRespectToIntermediate()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2, 3 }, requires_grad: true);
        var y = x.exp();
        var loss = (y * y).sum();
        var g = autograd.grad([loss], [y, x]);
        Close.All([2 * Math.E, 2 * Math.Exp(2), 2 * Math.Exp(3)], g[0]!.ToArray<double>());
        Close.All([2 * Math.Exp(2), 2 * Math.Exp(4), 2 * Math.Exp(6)], g[1]!.ToArray<double>());
    }

    [Fact]
    public void GradLeavesDotGradUntouched()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2 }, requires_grad: true);
        var g = autograd.grad((x * x).sum(), x);
        Assert.Equal(new double[] { 2, 4 }, g.ToArray<double>());
        Assert.Null(x.grad);
    }

    [Fact]
    public void BackwardAccumulatesIntoGrad()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, -2, 3 }, requires_grad: true);
        var y = (x * x * x).sum();
        y.backward(retain_graph: true);
        Assert.Equal(new double[] { 3, 12, 27 }, x.grad!.ToArray<double>());
        y.backward();
        Assert.Equal(new double[] { 6, 24, 54 }, x.grad!.ToArray<double>());
    }

    [Fact]
    public void SettingGradToNullClearsIt()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2 }, requires_grad: true);
        (x * 3).sum().backward();
        Assert.Equal(new double[] { 3, 3 }, x.grad!.ToArray<double>());
        x.grad = null;
        Assert.Null(x.grad);
        (x * x).sum().backward();
        Assert.Equal(new double[] { 2, 4 }, x.grad!.ToArray<double>());
    }

    [Fact]
    public void SettingGradToATensorReplacesIt()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2 }, requires_grad: true);
        using (var inner = NewDisposeScope())
            x.grad = tensor(new double[] { 10, 20 });   // the C# handle dies with the scope, the gradient stays
        Assert.Equal(new double[] { 10, 20 }, x.grad!.ToArray<double>());
        (x * 2).sum().backward();
        Assert.Equal(new double[] { 12, 22 }, x.grad!.ToArray<double>());
    }

    [Fact]
    public void BackwardWithInputsAccumulatesOnlyThere()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new double[] { 1, 2 }, requires_grad: true);
        var b = tensor(new double[] { 3, 4 }, requires_grad: true);
        (a * b).sum().backward(inputs: [a]);
        Assert.Equal(new double[] { 3, 4 }, a.grad!.ToArray<double>());
        Assert.Null(b.grad);
    }

    [Fact]
    public void BackwardWithGradientOnNonScalar()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2, 3 }, requires_grad: true);
        (x * x).backward(tensor(new double[] { 1, 0.5, -1 }));
        Assert.Equal(new double[] { 2, 2, -6 }, x.grad!.ToArray<double>());
    }

    [Fact]
    public void RetainGradOnNonLeaf()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2 }, requires_grad: true);
        var y = x * 3;
        y.retain_grad();
        (y * y).sum().backward();
        Assert.Equal(new double[] { 6, 12 }, y.grad!.ToArray<double>());
        Assert.Equal(new double[] { 18, 36 }, x.grad!.ToArray<double>());
    }

    [Fact]
    public void DoubleBackwardThroughDotGrad()
    {
        using var scope = NewDisposeScope();
        // f = Σ x³ y: ∂f/∂x = 3x²y (kept differentiable), then ∂(Σ ∂f/∂x)/∂x = 6xy and ∂/∂y = 3x².
        var x = tensor(new double[] { 1, -2 }, requires_grad: true);
        var y = tensor(new double[] { 0.5, 3 }, requires_grad: true);
        (x.pow(3) * y).sum().backward(create_graph: true);
        var gx = x.grad!;
        Assert.True(gx.requires_grad);
        Assert.Equal(new double[] { 1.5, 36 }, gx.ToArray<double>());
        var h = autograd.grad([gx.sum()], [x, y]);
        Assert.Equal(new double[] { 3, -36 }, h[0]!.ToArray<double>());
        Assert.Equal(new double[] { 3, 12 }, h[1]!.ToArray<double>());
    }

    [Fact]
    public void ThirdOrder()
    {
        using var scope = NewDisposeScope();
        // d³/dx³ x⁴ = 24x.
        var x = tensor(new double[] { 0.5, 2 }, requires_grad: true);
        var g1 = autograd.grad(x.pow(4).sum(), x, create_graph: true);
        var g2 = autograd.grad(g1.sum(), x, create_graph: true);
        var g3 = autograd.grad(g2.sum(), x);
        Assert.Equal(new double[] { 12, 48 }, g3.ToArray<double>());
    }

    [Fact]
    public void NoGradStopsRecordingAndEnableGradResumes()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2 }, requires_grad: true);
        Assert.True(is_grad_enabled());
        using (no_grad())
        {
            Assert.False(is_grad_enabled());
            Assert.False((x * 2).requires_grad);
            using (enable_grad())
            {
                Assert.True(is_grad_enabled());
                Assert.True((x * 2).requires_grad);
            }
            Assert.False(is_grad_enabled());
            using (set_grad_enabled(true)) Assert.True((x * 2).requires_grad);
        }
        Assert.True(is_grad_enabled());
        Assert.True((x * 2).requires_grad);
    }

    [Fact]
    public void DetachCutsTheGraphButSharesStorage()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2 }, requires_grad: true);
        var d = x.detach();
        Assert.False(d.requires_grad);
        // ∂Σ(x·x̄)/∂x = x̄ only.
        Assert.Equal(new double[] { 1, 2 }, autograd.grad((x * d).sum(), x).ToArray<double>());
        using (no_grad()) d.mul_(10);
        Assert.Equal(new double[] { 10, 20 }, x.ToArray<double>());
    }

    [Fact]
    public void RequiresGradFalseStopsTracking()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2 }, requires_grad: true);
        x.requires_grad = false;
        Assert.False((x * 2).requires_grad);
        x.requires_grad_();
        Assert.True((x * 2).requires_grad);
    }

    [Fact]
    public void LeafGradIsNullBeforeBackwardAndForTensorsWithoutGrad()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2 }, requires_grad: true);
        var c = tensor(new double[] { 1, 2 });
        Assert.Null(x.grad);
        (x * c).sum().backward();
        Assert.NotNull(x.grad);
        Assert.Null(c.grad);
    }
}
