using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Infrastructure.GradInputs;

namespace AttrDsl.Tests.Gradients;

/// <summary>Finite-difference checks of torch.nn.functional: activations, linear, convolution, pooling, normalisation, embedding, resampling, dropout (float64).</summary>
public class FunctionalGradTests
{
    // ------------------------------------------------------------------ activations

    [Fact]
    public void LeakyRelu()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.leaky_relu(x) + functional.leaky_relu(x, 0.2) * 2, AwayFromZero(1, 0.2, 3, 4));
    }

    [Fact]
    public void Softplus()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.softplus(x), Randn(2, 3, 4));
    }

    [Fact]
    public void SoftplusBetaThreshold()
    {
        using var scope = NewDisposeScope();
        // β = 2, threshold 3: linear above x = 1.5; keep x 0.1 away from the switch.
        var x = Map(Randn(3, 3, 4), v => 2 * v is var s && Math.Abs(s - 1.5) < 0.1 ? s + 0.3 : s);
        GradCheck.Check(t => functional.softplus(t, beta: 2, threshold: 3), x);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("tanh")]
    public void Gelu(string approximate)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.gelu(x, approximate), Randn(4, 3, 4));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void Elu(double alpha)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.elu(x, alpha), AwayFromZero(5, 0.2, 3, 4));
    }

    [Fact]
    public void Silu()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.silu(x), Randn(6, 3, 4));
    }

    [Fact]
    public void Hardtanh()
    {
        using var scope = NewDisposeScope();
        // Keep |x| 0.1 away from 1 (default bounds) and x away from −0.5 and 2 (custom bounds).
        var x = Map(Randn(7, 4, 4) * 1.5, v =>
        {
            foreach (var b in new[] { -1.0, 1.0, -0.5, 2.0 })
                if (Math.Abs(v - b) < 0.1) v += 0.25;
            return v;
        });
        GradCheck.Check(t => functional.hardtanh(t) + functional.hardtanh(t, -0.5, 2.0), x);
    }

    [Fact]
    public void ReluSigmoidTanhFunctionalForms()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.relu(x) + functional.sigmoid(x) * functional.tanh(x), AwayFromZero(8, 0.2, 3, 4));
    }

    // ------------------------------------------------------------------ linear and convolution

    [Fact]
    public void LinearWithBias()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.linear(a[0], a[1], a[2]), [Randn(9, 2, 3), Randn(10, 4, 3), Randn(11, 4)]);
    }

    [Fact]
    public void LinearNoBias3D()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.linear(a[0], a[1]), [Randn(12, 2, 2, 3), Randn(13, 4, 3)]);
    }

    [Fact]
    public void Conv1dStridePaddingDilationGroups()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.conv1d(a[0], a[1], a[2], stride: 2, padding: 1, dilation: 2, groups: 2),
            [Randn(14, 2, 4, 9), Randn(15, 6, 2, 3), Randn(16, 6)]);
    }

    [Fact]
    public void Conv1dPlain()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.conv1d(a[0], a[1]), [Randn(17, 2, 3, 6), Randn(18, 2, 3, 3)]);
    }

    [Fact]
    public void Conv2dPlain()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.conv2d(a[0], a[1], a[2]), [Randn(19, 2, 3, 5, 5), Randn(20, 2, 3, 3, 3), Randn(21, 2)]);
    }

    [Fact]
    public void Conv2dStridePaddingDilationGroups()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.conv2d(a[0], a[1], a[2], stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2),
            [Randn(22, 2, 4, 6, 6), Randn(23, 4, 2, 3, 3), Randn(24, 4)]);
    }

    [Fact]
    public void Conv2dSquareOverload()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.conv2d(a[0], a[1], null, stride: 2, padding: 1, dilation: 1, groups: 1),
            [Randn(25, 1, 2, 5, 5), Randn(26, 3, 2, 3, 3)]);
    }

    // ------------------------------------------------------------------ pooling

    [Fact]
    public void MaxPool2d()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.max_pool2d(x, 2), Distinct(27, 0.05, 2, 2, 4, 6));
    }

    [Fact]
    public void MaxPool2dStridePaddingDilationCeil()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.max_pool2d(x, [3, 2], stride: [1, 2], padding: [1, 0], dilation: [1, 2], ceil_mode: true),
            Distinct(28, 0.05, 1, 2, 5, 7));
    }

    [Fact]
    public void MaxPool2dOverlappingWindows()
    {
        using var scope = NewDisposeScope();
        // Stride 1 < kernel 3: one input can be the max of several windows, its gradient accumulates.
        GradCheck.Check(x => functional.max_pool2d(x, 3, stride: 1, padding: 1), Distinct(29, 0.05, 1, 1, 4, 4));
    }

    [Fact]
    public void MaxPool2dWithIndices()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.max_pool2d_with_indices(x, [2, 2]).output, Distinct(30, 0.05, 1, 2, 4, 4));
    }

    [Fact]
    public void MaxPool1d()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.max_pool1d(x, 3, stride: 2, padding: 1) + functional.max_pool1d(x, 2, dilation: 2).sum(-1, keepdim: true),
            Distinct(31, 0.05, 2, 2, 7));
    }

    [Fact]
    public void AvgPool2d()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.avg_pool2d(x, 2), Randn(32, 2, 2, 4, 6));
    }

    [Fact]
    public void AvgPool2dPaddingNoCountPadCeil()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.avg_pool2d(x, [3, 2], stride: [2, 1], padding: [1, 1], ceil_mode: true, count_include_pad: false),
            Randn(33, 1, 2, 5, 4));
    }

    [Fact]
    public void AvgPool2dDivisorOverride()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.avg_pool2d(x, [2, 2], divisor_override: 3), Randn(34, 1, 2, 4, 4));
    }

    [Fact]
    public void AvgPool1d()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.avg_pool1d(x, 3, stride: 2, padding: 1) + functional.avg_pool1d(x, 2).sum(-1, keepdim: true),
            Randn(35, 2, 2, 7));
    }

    [Fact]
    public void AdaptiveAvgPool2d()
    {
        using var scope = NewDisposeScope();
        // 5×7 → 3×4: uneven, overlapping bins.
        GradCheck.Check(x => functional.adaptive_avg_pool2d(x, [3, 4]) + functional.adaptive_avg_pool2d(x, 1), Randn(36, 2, 2, 5, 7));
    }

    [Fact]
    public void AdaptiveMaxPool2d()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.adaptive_max_pool2d(x, [2, 3]), Distinct(37, 0.05, 1, 2, 5, 7));
    }

    // ------------------------------------------------------------------ normalisation

    [Fact]
    public void BatchNormTraining()
    {
        using var scope = NewDisposeScope();
        // Batch statistics normalise; the running statistics are updated in place but do not enter the output.
        var runningMean = zeros([3], float64);
        var runningVar = ones([3], float64);
        GradCheck.Check(a => functional.batch_norm(a[0], runningMean, runningVar, a[1], a[2], training: true),
            [Randn(38, 4, 3, 2, 2), Uniform(39, 0.5, 1.5, 3), Randn(40, 3)]);
    }

    [Fact]
    public void BatchNormTrainingNoRunningStats2D()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.batch_norm(a[0], null, null, a[1], a[2], training: true, eps: 1e-3),
            [Randn(41, 5, 3), Uniform(42, 0.5, 1.5, 3), Randn(43, 3)]);
    }

    [Fact]
    public void BatchNormEval()
    {
        using var scope = NewDisposeScope();
        var runningMean = Randn(44, 3);
        var runningVar = Uniform(45, 0.5, 2.0, 3);
        GradCheck.Check(a => functional.batch_norm(a[0], runningMean, runningVar, a[1], a[2], training: false),
            [Randn(46, 4, 3, 2, 2), Uniform(47, 0.5, 1.5, 3), Randn(48, 3)]);
    }

    [Fact]
    public void BatchNormEvalMatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        // In eval mode y = (x − μ)/√(σ² + ε)·γ + β, so ∂Σy/∂x = γ/√(σ² + ε) per channel, ∂Σy/∂γ = Σ(x − μ)/√(σ² + ε), ∂Σy/∂β = count.
        var mu = Of([0.5, -1.0], 2);
        var sigma2 = Of([4.0, 0.25], 2);
        var x = tensor(new double[] { 1, 2, 3, 4 }, [2, 2], requires_grad: true); // [N=2, C=2]
        var gamma = tensor(new double[] { 2, 3 }, requires_grad: true);
        var beta = tensor(new double[] { 0.1, 0.2 }, requires_grad: true);
        var y = functional.batch_norm(x, mu, sigma2, gamma, beta, training: false, eps: 0);
        var g = autograd.grad([y.sum()], [x, gamma, beta]);
        Close.All([1.0, 6.0, 1.0, 6.0], g[0]!.ToArray<double>());
        Close.All([(0.5 + 2.5) / 2, (3 + 5) / 0.5], g[1]!.ToArray<double>());
        Close.All([2.0, 2.0], g[2]!.ToArray<double>());
    }

    [Fact]
    public void LayerNorm()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.layer_norm(a[0], [4], a[1], a[2]), [Randn(49, 2, 3, 4), Uniform(50, 0.5, 1.5, 4), Randn(51, 4)]);
    }

    [Fact]
    public void LayerNormTwoTrailingDimsNoAffine()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.layer_norm(x, [3, 4], eps: 1e-3), Randn(52, 2, 3, 4));
    }

    // ------------------------------------------------------------------ embedding, resampling, similarity, dropout

    [Fact]
    public void EmbeddingWeight()
    {
        using var scope = NewDisposeScope();
        var idx = tensor(new long[] { 1, 4, 1, 0, 4, 4 }, [2, 3]); // repeats accumulate; rows 2 and 3 unused
        GradCheck.Check(w => functional.embedding(idx, w).exp(), Randn(53, 5, 3));
    }

    [Fact]
    public void EmbeddingPaddingIdxGetsNoGradient()
    {
        using var scope = NewDisposeScope();
        // Closed form: ∂Σ E[idx]/∂W row r = number of times r occurs, except the padding row, which gets none.
        var idx = tensor(new long[] { 1, 2, 1, 0, 2, 1 });
        var w = Randn(54, 4, 2).requires_grad_();
        var g = autograd.grad([functional.embedding(idx, w, padding_idx: 2).sum()], [w])[0]!;
        Assert.Equal(new double[] { 1, 1, 3, 3, 0, 0, 0, 0 }, g.ToArray<double>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InterpolateBilinearUpsample(bool alignCorners)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.interpolate(x, [5, 7], "bilinear", alignCorners), Randn(55, 1, 2, 3, 4));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InterpolateBilinearDownsample(bool alignCorners)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.interpolate(x, [3, 2], "bilinear", alignCorners), Randn(56, 2, 1, 4, 5));
    }

    [Fact]
    public void InterpolateNearest()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.interpolate(x, [5, 3]).exp(), Randn(57, 1, 2, 3, 4));
    }

    [Fact]
    public void CosineSimilarity()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => functional.cosine_similarity(a[0], a[1]) + functional.cosine_similarity(a[0], a[1], dim: 0).sum(),
            [Randn(58, 3, 4), Randn(59, 3, 4)]);
    }

    [Fact]
    public void DropoutZeroProbabilityIsIdentity()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.dropout(x, 0.0, training: true) * x, Randn(60, 3, 4));
    }

    [Fact]
    public void DropoutEvalIsIdentity()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => functional.dropout(x, 0.5, training: false) * x, Randn(61, 3, 4));
    }

    [Fact]
    public void DropoutTrainingGradientIsMaskOverKeep()
    {
        using var scope = NewDisposeScope();
        // Closed form: y = m·x/(1−p), so ∂Σy/∂x = m/(1−p), readable from y itself (x is never 0 here).
        var x = AwayFromZero(62, 0.5, 20, 20).requires_grad_();
        var y = functional.dropout(x, 0.25, training: true);
        var g = autograd.grad([y.sum()], [x])[0]!.ToArray<double>();
        var yv = y.ToArray<double>();
        var xv = x.ToArray<double>();
        var dropped = 0;
        for (var i = 0; i < g.Length; i++)
        {
            var kept = yv[i] != 0;
            if (!kept) dropped++;
            Assert.Equal(kept ? 1 / 0.75 : 0.0, g[i], 12);
            if (kept) Assert.Equal(xv[i] / 0.75, yv[i], 12);
        }
        Assert.InRange(dropped, 40, 160); // p = 0.25 of 400
    }
}
