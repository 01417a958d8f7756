using System.Text;
using AttrDsl.Torch.Native;

namespace AttrDsl.Torch;

/// <summary>
/// Stateless neural-network functions (activations, convolutions, pooling, normalisation, losses),
/// reachable as <c>functional.relu</c> or TorchSharp's <c>torch.nn.functional.relu</c>.
/// </summary>
public abstract unsafe class functional
{
    /// <summary>Only <c>torch.nn.functional</c> derives from this; it is a static surface.</summary>
    private protected functional() { }

    private static long[] Pair(long v) => [v, v];

    // ------------------------------------------------------------------ activations
    /// <summary>max(x, 0).</summary>
    public static Tensor relu(Tensor x) => x.relu();
    /// <summary>x for x ≥ 0, slope·x otherwise.</summary>
    public static Tensor leaky_relu(Tensor x, double negative_slope = 0.01) { Scalar s = negative_slope; return new(NativeOps.leaky_relu(x.Handle, &s)); }
    /// <summary>tanh.</summary>
    public static Tensor tanh(Tensor x) => x.tanh();
    /// <summary>Logistic sigmoid.</summary>
    public static Tensor sigmoid(Tensor x) => x.sigmoid();
    /// <summary>(1/β)·log(1 + exp(β·x)), linear above <paramref name="threshold"/>.</summary>
    public static Tensor softplus(Tensor x, double beta = 1, double threshold = 20) { Scalar b = beta, t = threshold; return new(NativeOps.softplus(x.Handle, &b, &t)); }
    /// <summary>Gaussian error linear unit ("none" or "tanh" approximation).</summary>
    public static Tensor gelu(Tensor x, string approximate = "none")
    {
        var bytes = Encoding.UTF8.GetBytes(approximate);
        fixed (byte* p = bytes) return new(NativeOps.gelu(x.Handle, p, bytes.Length));
    }
    /// <summary>Exponential linear unit.</summary>
    public static Tensor elu(Tensor x, double alpha = 1) { Scalar a = alpha, one = 1.0; return new(NativeOps.elu(x.Handle, &a, &one, &one)); }
    /// <summary>x·sigmoid(x).</summary>
    public static Tensor silu(Tensor x) => new(NativeOps.silu(x.Handle));
    /// <summary>Clamp to [min, max] (differentiable inside).</summary>
    public static Tensor hardtanh(Tensor x, double min_val = -1, double max_val = 1) { Scalar a = min_val, b = max_val; return new(NativeOps.hardtanh(x.Handle, &a, &b)); }
    /// <summary>softmax along <paramref name="dim"/>.</summary>
    public static Tensor softmax(Tensor x, long dim) => x.softmax(dim);
    /// <summary>log softmax along <paramref name="dim"/>.</summary>
    public static Tensor log_softmax(Tensor x, long dim) => x.log_softmax(dim);

    // ------------------------------------------------------------------ linear and convolution
    /// <summary>x·Wᵀ + b.</summary>
    public static Tensor linear(Tensor x, Tensor weight, Tensor? bias = null) => new(NativeOps.linear(x.Handle, weight.Handle, bias?.Handle ?? 0));

    /// <summary>1-D convolution over [N, C, L].</summary>
    public static Tensor conv1d(Tensor x, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1)
    {
        long s = stride, p = padding, d = dilation;
        return new(NativeOps.conv1d(x.Handle, weight.Handle, bias?.Handle ?? 0, &s, 1, &p, 1, &d, 1, groups));
    }

    /// <summary>2-D convolution over [N, C, H, W].</summary>
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor? bias = null, long[]? stride = null, long[]? padding = null, long[]? dilation = null, long groups = 1)
    {
        stride ??= [1, 1]; padding ??= [0, 0]; dilation ??= [1, 1];
        if (UseIm2Col(x, weight, dilation, groups))
        {
            long[] kernel = [weight.size(2), weight.size(3)];
            fixed (long* k = kernel) fixed (long* s = stride) fixed (long* p = padding)
                return new(NativeOps.thnn_conv2d(x.Handle, weight.Handle, k, 2, bias?.Handle ?? 0, s, stride.Length, p, padding.Length));
        }
        fixed (long* s = stride) fixed (long* p = padding) fixed (long* d = dilation)
            return new(NativeOps.conv2d(x.Handle, weight.Handle, bias?.Handle ?? 0, s, stride.Length, p, padding.Length, d, dilation.Length, groups));
    }

    // libtorch sends single-input-channel convolutions (a grayscale first layer) to oneDNN, which is
    // 4-5x slower there than im2col + GEMM on this CPU (docs/benchmarks.md); thnn_conv2d is that path,
    // with its own backward, so the choice holds for the gradient too. Same numbers either way.
    private static bool UseIm2Col(Tensor x, Tensor weight, long[] dilation, long groups) =>
        groups == 1 && weight.dim() == 4 && weight.size(1) == 1 && x.dim() == 4 && dilation.All(d => d == 1) && x.dtype.IsFloatingPoint();

    /// <summary>2-D convolution with square stride/padding/dilation.</summary>
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor? bias, long stride, long padding = 0, long dilation = 1, long groups = 1) =>
        conv2d(x, weight, bias, Pair(stride), Pair(padding), Pair(dilation), groups);

    // ------------------------------------------------------------------ pooling
    /// <summary>2-D max pooling (stride defaults to the kernel size).</summary>
    public static Tensor max_pool2d(Tensor x, long[] kernel_size, long[]? stride = null, long[]? padding = null, long[]? dilation = null, bool ceil_mode = false)
    {
        stride ??= kernel_size; padding ??= [0, 0]; dilation ??= [1, 1];
        fixed (long* k = kernel_size) fixed (long* s = stride) fixed (long* p = padding) fixed (long* d = dilation)
            return new(NativeOps.max_pool2d(x.Handle, k, kernel_size.Length, s, stride.Length, p, padding.Length, d, dilation.Length, ceil_mode ? 1 : 0));
    }
    /// <summary>2-D max pooling with a square window.</summary>
    public static Tensor max_pool2d(Tensor x, long kernel_size, long? stride = null, long padding = 0) =>
        max_pool2d(x, Pair(kernel_size), Pair(stride ?? kernel_size), Pair(padding));

    /// <summary>2-D max pooling that also returns the argmax indices (flattened per plane).</summary>
    public static (Tensor output, Tensor indices) max_pool2d_with_indices(Tensor x, long[] kernel_size, long[]? stride = null, long[]? padding = null, long[]? dilation = null, bool ceil_mode = false)
    {
        stride ??= kernel_size; padding ??= [0, 0]; dilation ??= [1, 1];
        fixed (long* k = kernel_size) fixed (long* s = stride) fixed (long* p = padding) fixed (long* d = dilation)
        {
            var (o, i) = NativeOps.max_pool2d_with_indices(x.Handle, k, kernel_size.Length, s, stride.Length, p, padding.Length, d, dilation.Length, ceil_mode ? 1 : 0);
            return (new(o), new(i));
        }
    }

    /// <summary>1-D max pooling over [N, C, L].</summary>
    public static Tensor max_pool1d(Tensor x, long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false)
    {
        long k = kernel_size, s = stride ?? kernel_size, p = padding, d = dilation;
        return new(NativeOps.max_pool1d(x.Handle, &k, 1, &s, 1, &p, 1, &d, 1, ceil_mode ? 1 : 0));
    }

    /// <summary>2-D average pooling.</summary>
    public static Tensor avg_pool2d(Tensor x, long[] kernel_size, long[]? stride = null, long[]? padding = null, bool ceil_mode = false, bool count_include_pad = true, long? divisor_override = null)
    {
        stride ??= kernel_size; padding ??= [0, 0];
        fixed (long* k = kernel_size) fixed (long* s = stride) fixed (long* p = padding)
            return new(NativeOps.avg_pool2d(x.Handle, k, kernel_size.Length, s, stride.Length, p, padding.Length, ceil_mode ? 1 : 0, count_include_pad ? 1 : 0, divisor_override ?? 0, divisor_override.HasValue ? 1 : 0));
    }
    /// <summary>2-D average pooling with a square window.</summary>
    public static Tensor avg_pool2d(Tensor x, long kernel_size, long? stride = null, long padding = 0) =>
        avg_pool2d(x, Pair(kernel_size), Pair(stride ?? kernel_size), Pair(padding));

    /// <summary>1-D average pooling over [N, C, L].</summary>
    public static Tensor avg_pool1d(Tensor x, long kernel_size, long? stride = null, long padding = 0)
    {
        long k = kernel_size, s = stride ?? kernel_size, p = padding;
        return new(NativeOps.avg_pool1d(x.Handle, &k, 1, &s, 1, &p, 1, 0, 1));
    }

    /// <summary>Average pooling to a fixed output size.</summary>
    public static Tensor adaptive_avg_pool2d(Tensor x, long[] output_size) { fixed (long* o = output_size) return new(NativeOps.adaptive_avg_pool2d(x.Handle, o, output_size.Length)); }
    /// <summary>Average pooling to a square output size.</summary>
    public static Tensor adaptive_avg_pool2d(Tensor x, long output_size) => adaptive_avg_pool2d(x, Pair(output_size));
    /// <summary>Max pooling to a fixed output size.</summary>
    public static Tensor adaptive_max_pool2d(Tensor x, long[] output_size)
    {
        fixed (long* o = output_size)
        {
            var (v, i) = NativeOps.adaptive_max_pool2d(x.Handle, o, output_size.Length);
            using var _ = new Tensor(i);
            return new(v);
        }
    }

    // ------------------------------------------------------------------ normalisation, dropout, embedding
    /// <summary>
    /// Batch normalisation. In training mode, batch statistics normalise the input and the running
    /// statistics (if given) are updated in place with <paramref name="momentum"/>.
    /// </summary>
    public static Tensor batch_norm(Tensor x, Tensor? running_mean, Tensor? running_var, Tensor? weight = null, Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5) =>
        new(NativeOps.batch_norm(x.Handle, weight?.Handle ?? 0, bias?.Handle ?? 0, running_mean?.Handle ?? 0, running_var?.Handle ?? 0, training ? 1 : 0, momentum, eps, 0));

    /// <summary>Layer normalisation over the trailing <paramref name="normalized_shape"/> dimensions.</summary>
    public static Tensor layer_norm(Tensor x, long[] normalized_shape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        fixed (long* s = normalized_shape) return new(NativeOps.layer_norm(x.Handle, s, normalized_shape.Length, weight?.Handle ?? 0, bias?.Handle ?? 0, eps, 0));
    }

    /// <summary>Zeroes elements with probability p and scales the rest by 1/(1−p), in training only.</summary>
    public static Tensor dropout(Tensor x, double p = 0.5, bool training = true)
    {
        if (p is < 0 or > 1 || double.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        return new(NativeOps.dropout(x.Handle, p, training ? 1 : 0));
    }

    /// <summary>Rows of <paramref name="weight"/> picked by int64 indices.</summary>
    public static Tensor embedding(Tensor indices, Tensor weight, long padding_idx = -1) => new(NativeOps.embedding(weight.Handle, indices.Handle, padding_idx, 0, 0));

    /// <summary>Constant padding; <paramref name="pad"/> lists (left, right) pairs from the last dimension backwards.</summary>
    public static Tensor pad(Tensor x, long[] pad, double value = 0) { Scalar v = value; fixed (long* p = pad) return new(NativeOps.constant_pad_nd(x.Handle, p, pad.Length, &v)); }

    /// <summary>Resizes [N, C, H, W] to <paramref name="size"/> with "nearest" or "bilinear" interpolation.</summary>
    public static Tensor interpolate(Tensor x, long[] size, string mode = "nearest", bool align_corners = false)
    {
        fixed (long* s = size)
            return mode switch
            {
                "nearest" => new(NativeOps.upsample_nearest2d_vec(x.Handle, s, size.Length, null, -1)),
                "bilinear" => new(NativeOps.upsample_bilinear2d_vec(x.Handle, s, size.Length, align_corners ? 1 : 0, null, -1)),
                _ => throw new ArgumentException($"interpolate mode '{mode}' is not supported; use \"nearest\" or \"bilinear\"", nameof(mode)),
            };
    }

    /// <summary>Cosine similarity along <paramref name="dim"/>.</summary>
    public static Tensor cosine_similarity(Tensor a, Tensor b, long dim = 1, double eps = 1e-8) => new(NativeOps.cosine_similarity(a.Handle, b.Handle, dim, eps));

    /// <summary>One-hot encoding (int64).</summary>
    public static Tensor one_hot(Tensor indices, long num_classes = -1) => torch.one_hot(indices, num_classes);

    // ------------------------------------------------------------------ losses
    /// <summary>
    /// Cross entropy between logits [N, C, ...] and class indices [N, ...] (or class probabilities
    /// shaped like the logits), with optional class <paramref name="weight"/>s and label smoothing.
    /// </summary>
    public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean, double label_smoothing = 0)
    {
        if (label_smoothing is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(label_smoothing), label_smoothing, "label smoothing must be in [0, 1]");
        return new(NativeOps.cross_entropy_loss(input.Handle, target.Handle, weight?.Handle ?? 0, (long)reduction, ignore_index, label_smoothing));
    }
    /// <summary>Negative log likelihood of log-probabilities [N, C, ...] at class indices.</summary>
    public static Tensor nll_loss(Tensor input, Tensor target, Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean) =>
        new(NativeOps.nll_loss_nd(input.Handle, target.Handle, weight?.Handle ?? 0, (long)reduction, ignore_index));
    /// <summary>Mean squared error. Input and target must have the same shape (see <see cref="SameShape"/>).</summary>
    public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) { SameShape(input, target, nameof(mse_loss)); return new(NativeOps.mse_loss(input.Handle, target.Handle, (long)reduction)); }
    /// <summary>Mean absolute error. Input and target must have the same shape.</summary>
    public static Tensor l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) { SameShape(input, target, nameof(l1_loss)); return new(NativeOps.l1_loss(input.Handle, target.Handle, (long)reduction)); }
    /// <summary>Huber-style smooth L1. Input and target must have the same shape.</summary>
    public static Tensor smooth_l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1) { SameShape(input, target, nameof(smooth_l1_loss)); return new(NativeOps.smooth_l1_loss(input.Handle, target.Handle, (long)reduction, beta)); }

    /// <summary>
    /// Regression losses broadcast silently in libtorch (PyTorch only warns): an output [B, 1] against labels [B]
    /// becomes a [B, B] loss and a wrong number. Here differing shapes are an error that says how to fix it.
    /// </summary>
    private static void SameShape(Tensor input, Tensor target, string loss)
    {
        var a = input.shape;
        var b = target.shape;
        if (!a.SequenceEqual(b))
            throw new ArgumentException($"{loss}: input shape [{string.Join(", ", a)}] and target shape [{string.Join(", ", b)}] differ, which would broadcast to a wrong loss; reshape one to match (e.g. output.squeeze(1) or target.unsqueeze(1)).");
    }
    /// <summary>Binary cross entropy on probabilities.</summary>
    public static Tensor binary_cross_entropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean) =>
        new(NativeOps.binary_cross_entropy(input.Handle, target.Handle, weight?.Handle ?? 0, (long)reduction));
    /// <summary>Binary cross entropy on logits (numerically stable), with optional weight and positive-class weight.</summary>
    public static Tensor binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight = null, Tensor? pos_weight = null, Reduction reduction = Reduction.Mean) =>
        new(NativeOps.binary_cross_entropy_with_logits(input.Handle, target.Handle, weight?.Handle ?? 0, pos_weight?.Handle ?? 0, (long)reduction));
    /// <summary>KL divergence with log-probability input.</summary>
    public static Tensor kl_div(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool log_target = false) => new(NativeOps.kl_div(input.Handle, target.Handle, (long)reduction, log_target ? 1 : 0));
}

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>TorchSharp's spelling: <c>torch.nn.functional.relu(x)</c>. Same members as <see cref="AttrDsl.Torch.functional"/>.</summary>
        public sealed class functional : AttrDsl.Torch.functional
        {
            private functional() { }
        }
    }
}
