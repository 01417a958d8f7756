using AttrDsl.Autograd;

namespace AttrDsl.Tests.Autograd;

/// <summary>
/// GuardedAutograd against TorchSharp's own <c>autograd.grad</c> (called only where it is safe): bit-identical first-
/// and second-order results, leaf and non-leaf inputs, and nothing left on any <c>.grad</c>.
/// </summary>
public class GuardedAutogradTests
{
    [Fact]
    public void FirstOrderIsBitIdenticalToAutogradGrad()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var w = randn(5, 4, dtype: float64).requires_grad_();
        var x = randn(3, 5, dtype: float64).requires_grad_();
        Tensor F() => x.mm(w).tanh().square().sum();
        var expected = autograd.grad([F()], [x, w]);
        var actual = GuardedAutograd.Grad([F()], [x, w]);
        Assert.Equal(expected[0].ToArray<double>(), actual[0].ToArray<double>());
        Assert.Equal(expected[1].ToArray<double>(), actual[1].ToArray<double>());
        Assert.Null(x.grad);
        Assert.Null(w.grad);
    }

    [Fact]
    public void SecondOrderIsBitIdenticalToAutogradGrad()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var w = randn(5, 4, dtype: float64).requires_grad_();
        var x = randn(3, 5, dtype: float64).requires_grad_();
        // Reference: autograd.grad with create_graph, then the weight gradient through backward (safe order).
        var gx = autograd.grad([x.mm(w).sigmoid().sum()], [x], create_graph: true, retain_graph: true)[0];
        var expected = autograd.grad([gx.square().sum()], [w])[0];

        var gx2 = GuardedAutograd.Grad(x.mm(w).sigmoid().sum(), x, createGraph: true);
        var actual = GuardedAutograd.Grad(gx2.square().sum(), w);
        Assert.Equal(expected.ToArray<double>(), actual.ToArray<double>());
        Assert.Null(w.grad);
        Assert.Null(x.grad);
    }

    [Fact]
    public void NonLeafInputGetsItsGradientAndKeepsNone()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 1.0, 2.0, 3.0 }, float64).requires_grad_();
        var h = x * 2;
        var g = GuardedAutograd.Grad((h * h).sum(), h);
        Assert.Equal(new[] { 4.0, 8.0, 12.0 }, g.ToArray<double>());
        Assert.Null(x.grad);
    }

    [Fact]
    public void PreviousGradientOfALeafIsRestored()
    {
        using var scope = NewDisposeScope();
        var w = tensor(new[] { 1.0, -1.0 }, float64).requires_grad_();
        (w * 3).sum().backward();
        var before = w.grad!.clone();
        var g = GuardedAutograd.Grad((w * w).sum(), w);
        Assert.Equal(new[] { 2.0, -2.0 }, g.ToArray<double>());
        Assert.Equal(before.ToArray<double>(), w.grad!.ToArray<double>());
    }

    [Fact]
    public void UnusedInputThrowsOrGivesZerosOrNull()
    {
        using var scope = NewDisposeScope();
        var x = ones(3, dtype: float64).requires_grad_();
        var w = ones(3, dtype: float64).requires_grad_();
        Tensor Y() => (w * 2).sum();
        var e = Assert.Throws<InvalidOperationException>(() => GuardedAutograd.Grad([Y()], [x]));
        Assert.Contains("input 0 is unused: the outputs do not depend on it", e.Message);
        Assert.Equal(new[] { 0.0, 0.0, 0.0 }, GuardedAutograd.Grad([Y()], [x], allowUnused: true)[0].ToArray<double>());
        Assert.Null(GuardedAutograd.GradOrNull([Y()], [x])[0]);
    }

    [Fact]
    public void MisuseIsReportedBeforeLibtorchSeesIt()
    {
        using var scope = NewDisposeScope();
        var x = ones(3, dtype: float64).requires_grad_();
        var constant = ones(3, dtype: float64).sum();
        Assert.Contains("does not require grad", Assert.Throws<ArgumentException>(() => GuardedAutograd.Grad(constant, x)).Message);
        Assert.Contains("non-scalar", Assert.Throws<ArgumentException>(() => GuardedAutograd.Grad([x * 2], [x])).Message);
        Assert.Contains("shape", Assert.Throws<ArgumentException>(() => GuardedAutograd.Grad([x * 2], [x], [ones(2, dtype: float64)])).Message);
        var plain = ones(3, dtype: float64);
        Assert.Contains("does not require grad", Assert.Throws<ArgumentException>(() => GuardedAutograd.Grad((x * 2).sum(), plain)).Message);
    }

    [Fact]
    public void SecondGradientThroughAFreedGraphThrows()
    {
        using var scope = NewDisposeScope();
        var x = ones(3, dtype: float64).requires_grad_();
        var y = (x.sigmoid() * 2).sum();
        GuardedAutograd.Grad(y, x);
        var e = Assert.Throws<InvalidOperationException>(() => GuardedAutograd.Grad(y, x));
        Assert.Contains("graph was freed", e.Message);
        Assert.Null(x.grad);
    }

    [Fact]
    public void VectorJacobianProductMatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 0.5, -1.0 }, float64).requires_grad_();
        var y = x.square();                     // dy/dx = 2x
        var v = tensor(new[] { 3.0, 5.0 }, float64);
        var g = GuardedAutograd.Grad([y], [x], [v])[0];
        Assert.Equal(new[] { 3.0, -10.0 }, g.ToArray<double>());
    }
}
