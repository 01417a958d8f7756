using Xunit.Sdk;
using static AttrDsl.Tests.Modules.ModuleKit;

namespace AttrDsl.Tests.Modules;

/// <summary>The finite-difference checker itself: it accepts a right gradient and rejects wrong or vacuous ones.</summary>
public class ModuleKitSelfTests
{
    /// <summary>y = x·Wᵀ + x·Σ W, where the second term optionally hides from autograd (detach).</summary>
    private sealed class Leaky(bool hide) : nn.Module<Tensor, Tensor>("Leaky")
    {
        public readonly Parameter W = new(tensor(new double[] { 0.3, -0.2, 0.5, 0.1, 0.7, -0.4 }, [2, 3]));

        public override Tensor forward(Tensor x)
        {
            using var total = W.sum();
            using var c = hide ? total.detach() : total.alias();
            using var lin = functional.linear(x, W);
            using var rowSums = x.sum(1, keepdim: true);
            using var scaled = rowSums * c;
            using var extra = scaled.expand_as(lin);
            // stack + sum rather than '+': keeps Scalar arguments (alpha) out of grad mode.
            using var both = stack([lin, extra]);
            return both.sum(0L); // 0L: a literal 0 would bind to sum(ScalarType? type) — see IncidentalFindingsTests
        }
    }

    [Fact]
    public void AcceptsCorrectGradient()
    {
        var m = new Leaky(hide: false);
        m.register_parameter("W", m.W);
        using var x = Leaf([0.5, -1, 2, 0.25, 1.5, -0.75], [2, 3]);
        CheckLayer(m, x);
    }

    [Fact]
    public void RejectsGradientThatMissesADetachedPath()
    {
        var m = new Leaky(hide: true);
        m.register_parameter("W", m.W);
        using var x = Leaf([0.5, -1, 2, 0.25, 1.5, -0.75], [2, 3]);
        var e = Assert.ThrowsAny<XunitException>(() => CheckLayer(m, x));
        Assert.Contains("W[", e.Message);
    }

    [Fact]
    public void RejectsVacuousCheck()
    {
        // ReLU of all-negative inputs: every gradient is zero, which proves nothing.
        using var x = Leaf([-0.5, -1, -2, -0.25], [4]);
        var e = Assert.ThrowsAny<XunitException>(() => CheckLayer(nn.ReLU(), x));
        Assert.Contains("vacuous", e.Message);
    }
}
