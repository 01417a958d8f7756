namespace AttrDsl.Decomposition;

/// <summary>
/// The functional forms of the CD rules, named as TorchSharp's <c>nn.functional</c> ops, so a forward written with
/// functional calls (generated code, or a hand-written <see cref="IDecomposable"/>) is decomposed by writing the same
/// calls on <see cref="Decomposition"/> values. Child modules go through <see cref="module"/>.
/// </summary>
public static class CdFunctional
{
    /// <summary>Decomposes a child module (any module <see cref="ContextualDecomposition"/> supports).</summary>
    public static Decomposition module(nn.Module child, Decomposition d) => ContextualDecomposition.Propagate(child, d);

    /// <summary>Linear map x·Wᵀ + b, the bias shared by magnitude.</summary>
    public static Decomposition linear(Decomposition d, Tensor weight, Tensor? bias = null) => LinearRules.linear(d, weight, bias);

    /// <summary>2-d convolution (zero padding), the bias shared by magnitude.</summary>
    public static Decomposition conv2d(Decomposition d, Tensor weight, Tensor? bias = null, long[]? stride = null, long[]? padding = null, long[]? dilation = null, long groups = 1) =>
        LinearRules.conv2d(d, weight, bias, stride, padding, dilation, groups);

    /// <summary>1-d convolution (zero padding), the bias shared by magnitude.</summary>
    public static Decomposition conv1d(Decomposition d, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
        LinearRules.conv1d(d, weight, bias, stride, padding, dilation, groups);

    /// <summary>Eval-mode batch normalisation as an affine map per channel (ALGORITHMS.md §5), the shift shared by magnitude.</summary>
    public static Decomposition batch_norm(Decomposition d, Tensor runningMean, Tensor runningVar, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
        NormalizationRules.batch_norm(d, runningMean, runningVar, weight, bias, eps);

    /// <summary>Eval-mode dropout: the identity.</summary>
    public static Decomposition dropout(Decomposition d) => d;

    /// <summary>ReLU (β' = relu β, γ' = relu(β+γ) − relu β).</summary>
    public static Decomposition relu(Decomposition d) => ActivationRules.Relu(d);

    /// <summary>LeakyReLU, by ReLU's rule.</summary>
    public static Decomposition leaky_relu(Decomposition d, double negativeSlope = 0.01) => ActivationRules.LeakyRelu(d, negativeSlope);

    /// <summary>GELU, by ReLU's rule.</summary>
    public static Decomposition gelu(Decomposition d) => ActivationRules.Gelu(d);

    /// <summary>Softplus, by ReLU's rule.</summary>
    public static Decomposition softplus(Decomposition d, double beta = 1, double threshold = 20) => ActivationRules.Softplus(d, beta, threshold);

    /// <summary>tanh (linearised two-player Shapley).</summary>
    public static Decomposition tanh(Decomposition d) => ActivationRules.Tanh(d);

    /// <summary>Sigmoid (linearised two-player Shapley, σ(0) shared like a bias).</summary>
    public static Decomposition sigmoid(Decomposition d) => ActivationRules.Sigmoid(d);

    /// <summary>2-d max pooling with a square kernel, positions chosen on β + γ.</summary>
    public static Decomposition max_pool2d(Decomposition d, long kernelSize, long? stride = null, long padding = 0) => PoolingRules.max_pool2d(d, kernelSize, stride, padding);

    /// <summary>2-d max pooling, positions chosen on β + γ.</summary>
    public static Decomposition max_pool2d(Decomposition d, long[] kernelSize, long[]? stride = null, long[]? padding = null, long[]? dilation = null, bool ceilMode = false) =>
        PoolingRules.max_pool2d(d, kernelSize, stride, padding, dilation, ceilMode);

    /// <summary>1-d max pooling, positions chosen on β + γ.</summary>
    public static Decomposition max_pool1d(Decomposition d, long kernelSize, long? stride = null, long? padding = null) => PoolingRules.max_pool1d(d, kernelSize, stride, padding);

    /// <summary>2-d average pooling.</summary>
    public static Decomposition avg_pool2d(Decomposition d, long kernelSize, long? stride = null, long padding = 0) => PoolingRules.avg_pool2d(d, kernelSize, stride, padding);

    /// <summary>Adaptive 2-d average pooling.</summary>
    public static Decomposition adaptive_avg_pool2d(Decomposition d, long[] outputSize) => PoolingRules.adaptive_avg_pool2d(d, outputSize);

    /// <summary>LayerNorm over the trailing <paramref name="normalizedShape"/> (σ from β + γ; see <see cref="NormalizationRules"/>).</summary>
    public static Decomposition layer_norm(Decomposition d, long[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
        NormalizationRules.layer_norm(d, normalizedShape, weight, bias, eps);

    /// <summary>Flatten of β and γ.</summary>
    public static Decomposition flatten(Decomposition d, long startDim = 0, long endDim = -1) => ShapeRules.flatten(d, startDim, endDim);

    /// <summary>View of β and γ.</summary>
    public static Decomposition view(Decomposition d, params long[] shape) => ShapeRules.view(d, shape);

    /// <summary>Reshape of β and γ.</summary>
    public static Decomposition reshape(Decomposition d, params long[] shape) => ShapeRules.reshape(d, shape);

    /// <summary>Permutation of β's and γ's dimensions.</summary>
    public static Decomposition permute(Decomposition d, params long[] permutation) => ShapeRules.permute(d, permutation);

    /// <summary>A single-layer LSTM from a zero state, gate by gate (<see cref="LstmRules"/>); the layout follows the module's batch_first.</summary>
    public static (Decomposition Output, Decomposition Hidden, Decomposition Cell) lstm(LSTM layer, Decomposition d) => LstmRules.Lstm(layer, d);

    /// <summary>
    /// <c>nn.functional.scaled_dot_product_attention</c> (no dropout): weights softmax(q·kᵀ·scale + mask) from the full
    /// q and k, as constants, applied to β and γ of v (<see cref="AttentionRules"/>, CD-T's convention).
    /// </summary>
    public static Decomposition scaled_dot_product_attention(Decomposition q, Decomposition k, Decomposition v, Tensor? attnMask = null, bool isCausal = false, double? scale = null) =>
        AttentionRules.ScaledDotProductAttention(q, k, v, attnMask, isCausal, scale);

    /// <summary>Constant attention weights [..., L, S] (e.g. from <see cref="AttentionRules.Weights"/>) applied to β and γ of a value [..., S, E].</summary>
    public static Decomposition attend(Tensor weights, Decomposition v) => AttentionRules.Weighted(weights, v);

    /// <summary>Residual addition.</summary>
    public static Decomposition add(Decomposition a, Decomposition b) => CombinationRules.Add(a, b);

    /// <summary>Concatenation along <paramref name="dim"/>.</summary>
    public static Decomposition cat(IReadOnlyList<Decomposition> parts, long dim) => CombinationRules.Cat(parts, dim);

    /// <summary>x.select(dim, index): applied to β and γ alike.</summary>
    public static Decomposition select(Decomposition d, long dim, long index) => ShapeRules.select(d, dim, index);

    /// <summary>x.squeeze(dim): applied to β and γ alike.</summary>
    public static Decomposition squeeze(Decomposition d, long? dim = null) => ShapeRules.squeeze(d, dim);

    /// <summary>x.unsqueeze(dim): applied to β and γ alike.</summary>
    public static Decomposition unsqueeze(Decomposition d, long dim) => ShapeRules.unsqueeze(d, dim);

    /// <summary>
    /// An Embedding applied to token indices with a per-token mask: each relevant token's vector goes to β, the others'
    /// to γ (<see cref="EmbeddingRules.Embedding"/>), after checking that the inputs are token indices and the mask fits.
    /// </summary>
    public static Decomposition embedding(Embedding layer, Tensor tokens, Tensor tokenMask) => ContextualDecomposition.EmbedTokens(layer, tokens, tokenMask);
}
