using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Infrastructure.GradInputs;

namespace AttrDsl.Tests.Gradients;

/// <summary>Finite-difference checks of the elementwise Tensor ops and operators (float64).</summary>
public class ElementwiseGradTests
{
    // ------------------------------------------------------------------ arithmetic with broadcasting

    [Fact]
    public void AddTensorBroadcast()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0] + a[1], [Randn(1, 2, 3), Randn(2, 3)]);
    }

    [Fact]
    public void AddTensorAlpha()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].add(a[1], 2.5), [Randn(3, 2, 1, 3), Randn(4, 4, 3)]);
    }

    [Fact]
    public void AddScalar()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => (x + 1.5) * (2.0 + x), Randn(5, 2, 3));
    }

    [Fact]
    public void SubTensorBroadcast()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0] - a[1], [Randn(6, 2, 1, 3), Randn(7, 4, 3)]);
    }

    [Fact]
    public void SubTensorAlpha()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].sub(a[1], 0.75), [Randn(8, 3, 4), Randn(9, 4)]);
    }

    [Fact]
    public void SubScalarBothSides()
    {
        using var scope = NewDisposeScope();
        // x − 1.5 and the reflected 1.5 − x (rsub).
        GradCheck.Check(x => (x - 1.5) * (1.5 - x).exp(), Randn(10, 2, 3));
    }

    [Fact]
    public void MulTensorBroadcast()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0] * a[1], [Randn(11, 2, 3), Randn(12, 2, 1)]);
    }

    [Fact]
    public void MulScalar()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => (x * 3.0) * x + 0.5 * x, Randn(13, 2, 3));
    }

    [Fact]
    public void DivTensorBroadcast()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0] / a[1], [Randn(14, 2, 3), AwayFromZero(15, 0.5, 3)]);
    }

    [Fact]
    public void DivScalar()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.div(2.5) * x, Randn(16, 2, 3));
    }

    [Fact]
    public void ScalarDivTensor()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => 2.0 / x, AwayFromZero(17, 0.5, 2, 3));
    }

    [Fact]
    public void DivRoundingModeHasZeroGradient()
    {
        using var scope = NewDisposeScope();
        // floor(a / b) is piecewise constant: both gradients are zero away from the jumps (a/b = k + 0.5 here).
        var b = Uniform(18, 0.5, 2.0, 6);
        var k = Map(Randn(19, 6), v => Math.Round(3 * v) + 0.5);
        var a = b * k;
        GradCheck.Check(t => t[0].div(t[1], "floor") + t[0].div(t[1], "trunc"), [a, b], allowAllZero: true);
    }

    [Fact]
    public void RemainderTensor()
    {
        using var scope = NewDisposeScope();
        // a = b·(k + f), f ∈ [0.2, 0.8]: a mod b = f·b stays away from the jumps.
        var b = Uniform(20, 0.5, 2.0, 6);
        var k = Map(Randn(21, 6), v => Math.Round(2 * v));
        var f = Uniform(22, 0.2, 0.8, 6);
        var a = b * (k + f);
        GradCheck.Check(t => t[0].remainder(t[1]) * t[1] + t[0] % t[1], [a, b]);
    }

    [Fact]
    public void RemainderScalar()
    {
        using var scope = NewDisposeScope();
        // x = 1.7·(k + f), f ∈ [0.2, 0.8]: x mod 1.7 = 1.7·f, gradient 1.
        var k = Map(Randn(23, 6), v => Math.Round(2 * v));
        var x = (k + Uniform(24, 0.2, 0.8, 6)) * 1.7;
        GradCheck.Check(t => t.remainder(1.7) * t, x);
    }

    [Fact]
    public void Neg()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => (-x) * x.neg().exp(), Randn(25, 2, 3));
    }

    [Fact]
    public void Abs()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.abs(), AwayFromZero(26, 0.2, 2, 4));
    }

    // ------------------------------------------------------------------ powers, roots, exp/log

    [Fact]
    public void PowScalarExponent()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.pow(2.5), Uniform(27, 0.5, 2.0, 2, 3));
    }

    [Fact]
    public void PowIntegerExponentNegativeBase()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.pow(3) + x.pow(-2), AwayFromZero(28, 0.5, 2, 3));
    }

    [Fact]
    public void PowTensorExponent()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].pow(a[1]), [Uniform(29, 0.5, 2.0, 2, 3), Randn(30, 2, 3)]);
    }

    [Fact]
    public void PowTensorExponentBroadcast()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].pow(a[1]), [Uniform(31, 0.5, 2.0, 2, 3), Randn(32, 3)]);
    }

    [Fact]
    public void Sqrt()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.sqrt(), Uniform(33, 0.3, 3.0, 2, 3));
    }

    [Fact]
    public void Rsqrt()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.rsqrt(), Uniform(34, 0.3, 3.0, 2, 3));
    }

    [Fact]
    public void Square()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.square(), Randn(35, 2, 3));
    }

    [Fact]
    public void Exp()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.exp(), Randn(36, 2, 3));
    }

    [Fact]
    public void Log()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.log(), Uniform(37, 0.3, 3.0, 2, 3));
    }

    [Fact]
    public void Log2()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.log2(), Uniform(38, 0.3, 3.0, 2, 3));
    }

    [Fact]
    public void Log1p()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.log1p(), Uniform(39, -0.7, 3.0, 2, 3));
    }

    [Fact]
    public void Expm1()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.expm1(), Randn(40, 2, 3));
    }

    [Fact]
    public void Reciprocal()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.reciprocal(), AwayFromZero(41, 0.4, 2, 3));
    }

    // ------------------------------------------------------------------ transcendental and activations

    [Fact]
    public void Sin()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.sin(), Randn(42, 2, 3));
    }

    [Fact]
    public void Cos()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.cos(), Randn(43, 2, 3));
    }

    [Fact]
    public void Tanh()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.tanh(), Randn(44, 2, 3));
    }

    [Fact]
    public void Sigmoid()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.sigmoid(), Randn(45, 2, 3));
    }

    [Fact]
    public void Erf()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.erf(), Randn(46, 2, 3));
    }

    [Fact]
    public void Relu()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.relu(), AwayFromZero(47, 0.2, 3, 4));
    }

    [Fact]
    public void PiecewiseConstantOpsHaveZeroGradient()
    {
        using var scope = NewDisposeScope();
        // sign, floor, ceil, round: zero gradient away from their jumps (x = k + 0.3).
        var x = Map(Randn(48, 8), v => Math.Round(3 * v) + 0.3);
        GradCheck.Check(t => t.sign() + t.floor() + t.ceil() + t.round(), x, allowAllZero: true);
    }

    // ------------------------------------------------------------------ clamping, min/max, blends

    [Fact]
    public void ClampScalarBounds()
    {
        using var scope = NewDisposeScope();
        // Keep x at least 0.1 from both bounds (±0.5).
        var x = Map(Randn(49, 3, 4), v => Math.Abs(Math.Abs(v) - 0.5) < 0.1 ? v + 0.25 * Math.Sign(v) : v);
        GradCheck.Check(t => t.clamp(-0.5, 0.5) + t.clamp(min: -0.5) + t.clip(max: 0.5), x);
    }

    [Fact]
    public void ClampTensorBounds()
    {
        using var scope = NewDisposeScope();
        // min = x − offset, max = min + 1: inside, clamped to min, or clamped to max, never within 0.2 of a bound.
        var x = Randn(50, 6);
        var lo = x - Of([0.5, -0.3, 1.4, -0.4, 0.2, 1.6], 6);
        var hi = lo + 1.0;
        GradCheck.Check(a => a[0].clamp(a[1], a[2]), [x, lo, hi]);
    }

    [Fact]
    public void Maximum()
    {
        using var scope = NewDisposeScope();
        var a = Randn(51, 2, 3);
        var b = a + AwayFromZero(52, 0.2, 2, 3);
        GradCheck.Check(t => maximum(t[0], t[1]) + t[0].maximum(t[1]), [a, b]);
    }

    [Fact]
    public void Minimum()
    {
        using var scope = NewDisposeScope();
        var a = Randn(53, 2, 3);
        var b = a + AwayFromZero(54, 0.2, 2, 3);
        GradCheck.Check(t => minimum(t[0], t[1]) + t[0].minimum(t[1]), [a, b]);
    }

    [Fact]
    public void Lerp()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].lerp(a[1], 0.3), [Randn(55, 2, 3), Randn(56, 2, 3)]);
    }

    [Fact]
    public void Addcmul()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].addcmul(a[1], a[2], 0.7), [Randn(57, 2, 3), Randn(58, 2, 3), Randn(59, 3)]);
    }

    [Fact]
    public void Addcdiv()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].addcdiv(a[1], a[2], -1.3), [Randn(60, 2, 3), Randn(61, 2, 3), AwayFromZero(62, 0.5, 2, 3)]);
    }

    [Fact]
    public void WhereTorchAndTensorForms()
    {
        using var scope = NewDisposeScope();
        var cond = Mask(63, 3, 4);
        GradCheck.Check(a => where(cond, a[0], a[1]) + a[1].where(cond, a[0]) * 2, [Randn(64, 3, 4), Randn(65, 4)]);
    }

    [Fact]
    public void MaskedFillScalar()
    {
        using var scope = NewDisposeScope();
        var mask = Mask(66, 3, 4);
        GradCheck.Check(x => x.masked_fill(mask, 2.5) * x, Randn(67, 3, 4));
    }

    [Fact]
    public void MaskedFillTensorValue()
    {
        using var scope = NewDisposeScope();
        var mask = Mask(68, 3, 4);
        GradCheck.Check(a => a[0].masked_fill(mask, a[1]), [Randn(69, 3, 4), Randn(70)]);
    }
    // ------------------------------------------------------------------ in place, on a non-leaf

    [Theory]
    [InlineData("add_(Tensor, alpha)")]
    [InlineData("add_(Scalar)")]
    [InlineData("sub_(Tensor, alpha)")]
    [InlineData("mul_(Tensor)")]
    [InlineData("mul_(Scalar)")]
    [InlineData("div_(Tensor)")]
    [InlineData("div_(Scalar)")]
    [InlineData("addcmul_")]
    [InlineData("addcdiv_")]
    [InlineData("lerp_")]
    [InlineData("clamp_")]
    [InlineData("sqrt_")]
    [InlineData("neg_")]
    [InlineData("exp_")]
    [InlineData("relu_")]
    [InlineData("copy_")]
    [InlineData("fill_")]
    [InlineData("zero_")]
    [InlineData("masked_fill_")]
    public void InPlaceOnNonLeaf(string op)
    {
        using var scope = NewDisposeScope();
        // y = x·1 is a non-leaf, so autograd must rebase its history through the in-place op.
        // x stays ≥ 0.1 away from relu_'s kink (y − 1.25 = 0) and from clamp_'s bounds (0.8, 1.5).
        var x = Of([0.6, 0.95, 1.65, 1.9, 0.65, 1.35], 2, 3);
        var t = Uniform(71, 0.5, 2.0, 2, 3);
        var mask = tensor(new[] { true, false, false, true, true, false }, [2, 3]);
        GradCheck.Check(a =>
        {
            var y = a[0] * 1.0;
            _ = op switch
            {
                "add_(Tensor, alpha)" => y.add_(a[1], 0.5),
                "add_(Scalar)" => y.add_(0.75),
                "sub_(Tensor, alpha)" => y.sub_(a[1], 1.5),
                "mul_(Tensor)" => y.mul_(a[1]),
                "mul_(Scalar)" => y.mul_(-2.5),
                "div_(Tensor)" => y.div_(a[1]),
                "div_(Scalar)" => y.div_(4.0),
                "addcmul_" => y.addcmul_(a[1], a[0], 0.5),
                "addcdiv_" => y.addcdiv_(a[0], a[1], -0.5),
                "lerp_" => y.lerp_(a[1], 0.3),
                "clamp_" => y.clamp_(0.8, 1.5),
                "sqrt_" => y.sqrt_(),
                "neg_" => y.neg_(),
                "exp_" => y.exp_(),
                "relu_" => y.sub_(1.25 * ones_like(y)).relu_(),
                "copy_" => y.copy_(a[1]),
                "fill_" => y.fill_(2.0),
                "zero_" => y.zero_(),
                "masked_fill_" => y.masked_fill_(mask, -1.0),
                _ => throw new ArgumentException(op),
            };
            // Multiply by a function of both operands so that every path carries a non-zero gradient.
            return (y + 1.0) * (a[0] + a[1]);
        }, [x, t], label: op);
    }
}
