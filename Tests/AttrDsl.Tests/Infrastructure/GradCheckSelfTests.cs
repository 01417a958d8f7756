using AttrDsl.Tests.Infrastructure;
using Xunit.Sdk;
using static AttrDsl.Tests.Infrastructure.GradInputs;

namespace AttrDsl.Tests.Infrastructure;

/// <summary>The checker itself: it passes a correct gradient and catches wrong ones.</summary>
public class GradCheckSelfTests
{
    [Fact]
    public void AcceptsCorrectGradient()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x * x * x, Randn(1, 3, 4));
    }

    [Fact]
    public void CatchesWrongFirstOrderGradient()
    {
        using var scope = NewDisposeScope();
        // Value x², but autograd only sees one factor: analytic x instead of 2x.
        var e = Assert.Throws<FailException>(() => GradCheck.Check(x => x * x.detach(), AwayFromZero(2, 0.5, 5)));
        Assert.Contains("analytic", e.Message);
        Assert.Contains("numeric", e.Message);
        Assert.Contains("Worst", e.Message);
    }

    [Fact]
    public void CatchesSmallGradientError()
    {
        using var scope = NewDisposeScope();
        // A gradient off by 0.1 % of |∂F/∂x| ≈ 1 is beyond rtol 1e-4 and atol 1e-5.
        var e = Assert.Throws<FailException>(() => GradCheck.Check(x => x + x.detach() * 1e-3, Randn(3, 4)));
        Assert.Contains("disagrees", e.Message);
    }

    [Fact]
    public void CatchesDroppedGraph()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<FailException>(() => GradCheck.Check(x => (x * 2).detach(), Randn(4, 3)));
    }

    [Fact]
    public void CatchesAllZeroCheck()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<FailException>(() => GradCheck.Check(x => x.floor(), Map(Randn(5, 4), v => Math.Floor(v) + 0.5)));
        Assert.Contains("degenerate", e.Message);
    }

    [Fact]
    public void CoversEveryOutputElement()
    {
        using var scope = NewDisposeScope();
        // Only the last output element has a wrong gradient; the random weighting must expose it.
        var e = Assert.Throws<FailException>(() => GradCheck.Check(x =>
        {
            var head = x.narrow(0, 0, 5);
            var tail = x.narrow(0, 5, 1).detach() * 3;
            return cat([head, tail], 0);
        }, Randn(6, 6)));
        Assert.Contains("flat element 5", e.Message);
    }

    [Fact]
    public void SecondOrderAcceptsCorrectGradient()
    {
        using var scope = NewDisposeScope();
        GradCheck.SecondOrder(a => (a[0] * a[1]).tanh() * a[0], [Randn(7, 4)], [Randn(8, 4)]);
    }

    [Fact]
    public void SecondOrderCatchesDetachedFirstDerivative()
    {
        using var scope = NewDisposeScope();
        // f = θ·(x̄·x + (x − x̄)·x̄) equals θx², and its first derivative 2θx̄ is right, but x̄ = x.detach()
        // hides the x-dependence of the first derivative: analytic ∂g/∂x = 0, numeric 2θw.
        var e = Assert.Throws<FailException>(() => GradCheck.SecondOrder(a =>
        {
            var x = a[0];
            var xd = x.detach();
            return a[1] * (xd * x + (x - xd) * xd);
        }, [Randn(9, 3)], [AwayFromZero(10, 0.5, 3)]));
        Assert.Contains("operand 0", e.Message);
    }
    [Fact]
    public void LeavesNothingInTheCallersScope()
    {
        using var scope = NewDisposeScope();
        var x = Randn(11, 3, 4);
        var theta = Randn(12, 4);
        var before = scope.DisposablesCount;
        GradCheck.Check(a => (a[0] * a[1]).tanh(), [x, theta]);
        GradCheck.SecondOrder(a => (a[0] * a[1]).tanh(), [x], [theta]);
        Assert.Equal(before, scope.DisposablesCount);
        Assert.False(x.requires_grad); // the checker works on its own leaves, not the caller's tensors
    }

    [Fact]
    public void RejectsNonFloat64Inputs()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => GradCheck.Check(x => x * 2, randn([3], float32)));
    }
}
