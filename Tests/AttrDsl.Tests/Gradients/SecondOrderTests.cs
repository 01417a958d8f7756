using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Infrastructure.GradInputs;

namespace AttrDsl.Tests.Gradients;

/// <summary>
/// Second-order checks: g = Σ w·∂f/∂x is built with create_graph and differentiated again with respect
/// to the input and the weights — what attribution-prior training (a penalty on input gradients,
/// trained into the weights) relies on. Compared with finite differences of first-order gradients.
/// </summary>
public class SecondOrderTests
{
    [Fact]
    public void Tanh()
    {
        using var scope = NewDisposeScope();
        GradCheck.SecondOrder(a => a[0].tanh(), [Randn(1, 3, 4)], []);
    }

    [Fact]
    public void TanhScaledByParameter()
    {
        using var scope = NewDisposeScope();
        GradCheck.SecondOrder(a => (a[0] * a[1]).tanh(), [Randn(2, 3, 4)], [Randn(3, 4)]);
    }

    [Fact]
    public void Softplus()
    {
        using var scope = NewDisposeScope();
        GradCheck.SecondOrder(a => functional.softplus(a[0]) + functional.softplus(a[0], beta: 2), [Randn(4, 3, 4)], []);
    }

    [Fact]
    public void SoftplusScaledByParameter()
    {
        using var scope = NewDisposeScope();
        GradCheck.SecondOrder(a => functional.softplus(a[0] * a[1]), [Randn(5, 3, 4)], [Randn(6, 3, 4)]);
    }

    [Fact]
    public void SmoothActivations()
    {
        using var scope = NewDisposeScope();
        GradCheck.SecondOrder(a => a[0].sigmoid() + functional.gelu(a[0]) + functional.silu(a[0]) + functional.elu(a[0]) + a[0].exp() * 0.1,
            [AwayFromZero(7, 0.2, 3, 4)], []);
    }

    [Fact]
    public void Mlp()
    {
        using var scope = NewDisposeScope();
        // f(x) = W₂·tanh(W₁x + b₁) + b₂; θ = (W₁, b₁, W₂, b₂).
        GradCheck.SecondOrder(a => functional.linear(functional.linear(a[0], a[1], a[2]).tanh(), a[3], a[4]),
            [Randn(8, 3, 4)],
            [Randn(9, 5, 4) * 0.5, Randn(10, 5), Randn(11, 2, 5) * 0.5, Randn(12, 2)]);
    }

    [Fact]
    public void MlpCrossEntropyInputGradient()
    {
        using var scope = NewDisposeScope();
        // The usual attribution prior: a penalty on ∂loss/∂x, loss = cross entropy of the MLP's logits.
        var target = tensor(new long[] { 0, 2, 1 });
        GradCheck.SecondOrder(a => functional.cross_entropy(functional.linear(functional.linear(a[0], a[1], a[2]).tanh(), a[3], a[4]), target),
            [Randn(13, 3, 4)],
            [Randn(14, 5, 4) * 0.5, Randn(15, 5), Randn(16, 3, 5) * 0.5, Randn(17, 3)]);
    }

    [Fact]
    public void SmallCnn()
    {
        using var scope = NewDisposeScope();
        // conv2d → softplus → avg_pool2d → flatten → linear; θ = (conv weight, conv bias, linear weight, linear bias).
        GradCheck.SecondOrder(a =>
            {
                var h = functional.softplus(functional.conv2d(a[0], a[1], a[2], padding: [1, 1]));
                var pooled = functional.avg_pool2d(h, 2).flatten(1);
                return functional.linear(pooled, a[3], a[4]);
            },
            [Randn(18, 2, 1, 4, 4)],
            [Randn(19, 3, 1, 3, 3) * 0.5, Randn(20, 3), Randn(21, 2, 12) * 0.5, Randn(22, 2)]);
    }

    [Fact]
    public void SmallCnnStridedAdaptivePool()
    {
        using var scope = NewDisposeScope();
        // Two input channels, stride 2, tanh, adaptive average pooling to 1×1.
        GradCheck.SecondOrder(a =>
            {
                var h = functional.conv2d(a[0], a[1], a[2], stride: [2, 2], padding: [1, 1]).tanh();
                var pooled = functional.adaptive_avg_pool2d(h, 1).flatten(1);
                return functional.linear(pooled, a[3], a[4]);
            },
            [Randn(23, 2, 2, 5, 5)],
            [Randn(24, 3, 2, 3, 3) * 0.5, Randn(25, 3), Randn(26, 2, 3), Randn(27, 2)]);
    }

    [Fact]
    public void LayerNormMlp()
    {
        using var scope = NewDisposeScope();
        GradCheck.SecondOrder(a => functional.linear(functional.layer_norm(functional.linear(a[0], a[1]), [5], a[2], a[3]).tanh(), a[4]),
            [Randn(28, 3, 4)],
            [Randn(29, 5, 4), Uniform(30, 0.5, 1.5, 5), Randn(31, 5), Randn(32, 2, 5)]);
    }

    [Fact]
    public void SoftmaxAttention()
    {
        using var scope = NewDisposeScope();
        // softmax(x Wᵀ) · x: a bilinear form in x with a softmax in between.
        GradCheck.SecondOrder(a => functional.linear(a[0], a[1]).softmax(-1).matmul(a[0]), [Randn(33, 3, 4)], [Randn(34, 3, 4)]);
    }
}
