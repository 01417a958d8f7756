using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Infrastructure.GradInputs;

namespace AttrDsl.Tests.Gradients;

/// <summary>Finite-difference checks of every loss in torch.nn.functional (float64).</summary>
public class LossGradTests
{
    // ------------------------------------------------------------------ cross entropy and nll

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void CrossEntropy(Reduction reduction)
    {
        using var scope = NewDisposeScope();
        var target = Indices(1, 4, 5);
        GradCheck.Check(x => functional.cross_entropy(x, target, reduction: reduction), Randn(2, 5, 4));
    }

    [Fact]
    public void CrossEntropyClassWeights()
    {
        using var scope = NewDisposeScope();
        var target = tensor(new long[] { 0, 3, 1, 3, 2 });
        var weight = Of([0.5, 2.0, 1.0, 1.5], 4);
        GradCheck.Check(x => functional.cross_entropy(x, target, weight), Randn(3, 5, 4));
    }

    [Fact]
    public void CrossEntropyLabelSmoothing()
    {
        using var scope = NewDisposeScope();
        var target = Indices(4, 4, 5);
        GradCheck.Check(x => functional.cross_entropy(x, target, label_smoothing: 0.1), Randn(5, 5, 4));
    }

    [Fact]
    public void CrossEntropyClassWeightsAndLabelSmoothing()
    {
        using var scope = NewDisposeScope();
        var target = tensor(new long[] { 0, 3, 1, 3, 2 });
        var weight = Of([0.5, 2.0, 1.0, 1.5], 4);
        GradCheck.Check(x => functional.cross_entropy(x, target, weight, label_smoothing: 0.1), Randn(6, 5, 4));
    }

    [Fact]
    public void CrossEntropyProbabilityTargets()
    {
        using var scope = NewDisposeScope();
        // Soft targets shaped like the logits; the loss is differentiable in both.
        GradCheck.Check(a => functional.cross_entropy(a[0], a[1]), [Randn(7, 5, 4), Probabilities(8, 5, 4)]);
    }

    [Fact]
    public void CrossEntropyProbabilityTargetsWeightsSmoothing()
    {
        using var scope = NewDisposeScope();
        var weight = Of([0.5, 2.0, 1.0, 1.5], 4);
        GradCheck.Check(a => functional.cross_entropy(a[0], a[1], weight, label_smoothing: 0.1), [Randn(9, 5, 4), Probabilities(10, 5, 4)]);
    }

    [Fact]
    public void CrossEntropySpatialIgnoreIndex()
    {
        using var scope = NewDisposeScope();
        // [N, C, L] logits with [N, L] targets; -100 entries are ignored.
        var target = tensor(new long[] { 0, 2, -100, 1, 1, -100 }, [2, 3]);
        GradCheck.Check(x => functional.cross_entropy(x, target), Randn(11, 2, 3, 3));
    }

    [Fact]
    public void CrossEntropyClosedForm()
    {
        using var scope = NewDisposeScope();
        // ∂ mean CE / ∂logits = (softmax − onehot)/N, softmax computed here in C#.
        var logits = new double[] { 0.2, -1.0, 0.5, 1.5, 0.0, -0.3 };
        var labels = new long[] { 2, 0 };
        var x = tensor(logits, [2, 3], requires_grad: true);
        var g = autograd.grad([functional.cross_entropy(x, tensor(labels))], [x])[0]!.ToArray<double>();
        for (var n = 0; n < 2; n++)
        {
            var z = logits.Skip(3 * n).Take(3).Select(Math.Exp).ToArray();
            var sum = z.Sum();
            for (var c = 0; c < 3; c++)
                Assert.Equal((z[c] / sum - (labels[n] == c ? 1 : 0)) / 2, g[3 * n + c], 12);
        }
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void NllLoss(Reduction reduction)
    {
        using var scope = NewDisposeScope();
        var target = Indices(12, 4, 5);
        GradCheck.Check(x => functional.nll_loss(x.log_softmax(1), target, reduction: reduction), Randn(13, 5, 4));
    }

    [Fact]
    public void NllLossClassWeights()
    {
        using var scope = NewDisposeScope();
        // On raw inputs too: nll_loss is linear in them (weighted mean of −x[n, target[n]]).
        var target = tensor(new long[] { 0, 3, 1, 3, 2 });
        var weight = Of([0.5, 2.0, 1.0, 1.5], 4);
        GradCheck.Check(x => functional.nll_loss(x, target, weight) + functional.nll_loss(x.log_softmax(1), target, weight), Randn(14, 5, 4));
    }

    // ------------------------------------------------------------------ regression losses

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void MseLoss(Reduction reduction)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.mse_loss(a[0], a[1], reduction), [Randn(15, 3, 4), Randn(16, 3, 4)]);
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.None)]
    public void L1Loss(Reduction reduction)
    {
        using var scope = NewDisposeScope();
        var target = Randn(17, 3, 4);
        var input = target + AwayFromZero(18, 0.2, 3, 4);
        GradCheck.Check(a => functional.l1_loss(a[0], a[1], reduction), [input, target]);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void SmoothL1Loss(double beta)
    {
        using var scope = NewDisposeScope();
        // |input − target| spread over both branches, away from 0 and from β.
        var target = Randn(19, 4, 4);
        var diff = Map(Randn(20, 4, 4) * 1.5, d =>
        {
            if (Math.Abs(d) < 0.1) d += 0.2 * (d >= 0 ? 1 : -1);
            if (Math.Abs(Math.Abs(d) - beta) < 0.1) d += 0.25 * Math.Sign(d);
            return d;
        });
        GradCheck.Check(a => functional.smooth_l1_loss(a[0], a[1], beta: beta) + functional.smooth_l1_loss(a[0], a[1], Reduction.Sum, beta).sum(),
            [target + diff, target]);
    }

    // ------------------------------------------------------------------ binary cross entropy

    [Fact]
    public void BinaryCrossEntropy()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.binary_cross_entropy(a[0], a[1]), [Uniform(21, 0.1, 0.9, 3, 4), Uniform(22, 0, 1, 3, 4)]);
    }

    [Fact]
    public void BinaryCrossEntropyWeightSum()
    {
        using var scope = NewDisposeScope();
        var weight = Uniform(23, 0.5, 2.0, 4);
        GradCheck.Check(x => functional.binary_cross_entropy(x, Of([0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0], 3, 4), weight, Reduction.Sum),
            Uniform(24, 0.1, 0.9, 3, 4));
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.None)]
    public void BinaryCrossEntropyWithLogits(Reduction reduction)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.binary_cross_entropy_with_logits(a[0], a[1], reduction: reduction),
            [Randn(25, 3, 4) * 2, Uniform(26, 0, 1, 3, 4)]);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsWeightAndPosWeight()
    {
        using var scope = NewDisposeScope();
        var weight = Uniform(27, 0.5, 2.0, 3, 1);
        var posWeight = Uniform(28, 0.5, 3.0, 4);
        GradCheck.Check(a => functional.binary_cross_entropy_with_logits(a[0], a[1], weight, posWeight),
            [Randn(29, 3, 4) * 2, Uniform(30, 0, 1, 3, 4)]);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsClosedForm()
    {
        using var scope = NewDisposeScope();
        // ℓ = −w[p·y·log σ(x) + (1 − y)·log(1 − σ(x))]: ∂ℓ/∂x = w[(p·y + 1 − y)σ(x) − p·y], summed.
        double[] xs = [0.3, -1.2, 2.0], ys = [1, 0, 0.4], ws = [1.5, 0.5, 2.0];
        const double p = 3.0;
        var x = tensor(xs, requires_grad: true);
        var loss = functional.binary_cross_entropy_with_logits(x, tensor(ys), tensor(ws), tensor(new[] { p }), Reduction.Sum);
        var g = autograd.grad([loss], [x])[0]!.ToArray<double>();
        for (var i = 0; i < 3; i++)
        {
            var s = 1 / (1 + Math.Exp(-xs[i]));
            Assert.Equal(ws[i] * ((p * ys[i] + 1 - ys[i]) * s - p * ys[i]), g[i], 12);
        }
    }

    // ------------------------------------------------------------------ KL divergence

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void KlDiv(Reduction reduction)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.kl_div(a[0].log_softmax(1), a[1], reduction), [Randn(31, 3, 4), Probabilities(32, 3, 4)]);
    }

    [Fact]
    public void KlDivLogTarget()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.kl_div(a[0].log_softmax(1), a[1].log_softmax(1), Reduction.Sum, log_target: true), [Randn(33, 3, 4), Randn(34, 3, 4)]);
    }
}
