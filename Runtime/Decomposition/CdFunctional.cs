namespace AttrDsl.Decomposition;

/// <summary>
/// The functional forms of the CD rules, named as TorchSharp's <c>nn.functional</c> ops, so a forward written with
/// functional calls (generated code, or a hand-written <see cref="IDecomposable"/>) is decomposed by writing the same
/// calls on <see cref="Decomposition"/> values. Child modules go through <see cref="module"/>.
/// <para>
/// The methods from <see cref="add(Decomposition, Tensor)"/> on mirror TorchSharp 0.107's own overloads of the same
/// operation — name, parameter names, order and defaults — with the receiver of a Tensor method as the first
/// parameter (<c>input</c>, or the functional form's own name where <c>nn.functional</c> has one, e.g. <c>x</c>) and
/// the tensor operands typed <see cref="Decomposition"/>: the generator rewrites <c>x.op(args)</c>,
/// <c>torch.op(x, args)</c> and <c>nn.functional.op(x, args)</c> into <c>CdFunctional.op(x, args)</c> keeping the
/// user's arguments verbatim. Not mirrored: parameters of the methods above that predate this (e.g. <c>d</c>,
/// <c>negativeSlope</c>), where TorchSharp's two homes of an op name a parameter differently (torch.split's
/// <c>split_size_or_sections</c>, torch.add's <c>left</c>/<c>right</c>: the Tensor method's names are used), and
/// <c>constant.where(condition, decomposition)</c> (its signature would equal torch.where(condition, constant,
/// decomposition)'s and silently swap meanings; neither mixed form exists, so both fail to compile).
/// </para>
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
    public static Decomposition dropout(Decomposition d)
    {
        CdGuard.Check(d, nameof(d));
        return d;
    }

    /// <summary>ReLU (β' = relu β, γ' = relu(β+γ) − relu β).</summary>
    public static Decomposition relu(Decomposition d) => ActivationRules.Relu(d);

    /// <summary>LeakyReLU, by ReLU's rule.</summary>
    public static Decomposition leaky_relu(Decomposition d, double negativeSlope = 0.01) => ActivationRules.LeakyRelu(d, negativeSlope);

    /// <summary>GELU, by ReLU's rule.</summary>
    public static Decomposition gelu(Decomposition d) => ActivationRules.Gelu(d);

    /// <summary>GELU, by ReLU's rule (<c>nn.functional.gelu(x, inplace)</c>).</summary>
    public static Decomposition gelu(Decomposition x, bool inplace) => ActivationRules.Gelu(x);

    /// <summary>GELU with its approximation, by ReLU's rule (<c>nn.functional.gelu(x, approximate)</c>).</summary>
    public static Decomposition gelu(Decomposition x, GELU.Approximate approximate, bool inplace = false) => ActivationRules.Gelu(x, approximate);

    /// <summary>
    /// The gated linear unit <c>nn.functional.glu(x, dim)</c>: x split in halves a, b along <paramref name="dim"/>, then
    /// a ⊙ σ(b) by the product rule (relevant only where both factors are) after the sigmoid's Shapley split.
    /// </summary>
    public static Decomposition glu(Decomposition input, long dim = -1)
    {
        CdGuard.Check(input, nameof(input));
        var dims = input.Relevant.dim();
        if (dim < -dims || dim >= dims || input.Relevant.shape[dim < 0 ? dim + dims : dim] % 2 != 0)
            throw new ArgumentException($"glu halves dimension {dim}, which must exist and have an even size; the input is [{string.Join(", ", input.Relevant.shape)}].", nameof(dim));
        var halves = ShapeRules.chunk(input, 2, dim);
        return ProductRules.Mul(halves[0], ActivationRules.Sigmoid(halves[1]));
    }

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

    /// <summary><c>nn.functional.adaptive_avg_pool2d(x, n)</c>: an n×n output.</summary>
    public static Decomposition adaptive_avg_pool2d(Decomposition d, long outputSize) => PoolingRules.adaptive_avg_pool2d(d, [outputSize, outputSize]);

    /// <summary><c>nn.functional.adaptive_avg_pool2d(x, (h, w))</c>.</summary>
    public static Decomposition adaptive_avg_pool2d(Decomposition d, (long, long) outputSize) => PoolingRules.adaptive_avg_pool2d(d, [outputSize.Item1, outputSize.Item2]);

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
    public static Decomposition scaled_dot_product_attention(Decomposition query, Decomposition key, Decomposition value, Tensor? attnMask = null, bool isCausal = false, double? scale = null) =>
        AttentionRules.ScaledDotProductAttention(query, key, value, attnMask, isCausal, scale);

    /// <summary>Constant attention weights [..., L, S] (e.g. from <see cref="AttentionRules.Weights"/>) applied to β and γ of a value [..., S, E].</summary>
    public static Decomposition attend(Tensor weights, Decomposition v) => AttentionRules.Weighted(weights, v);

    /// <summary>Residual addition (and <c>x.add(y)</c>, <c>x + y</c>): (β₁ + β₂, γ₁ + γ₂).</summary>
    public static Decomposition add(Decomposition input, Decomposition target) => ArithmeticRules.Add(input, target);

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

    // ---- Arithmetic (ArithmeticRules, ProductRules) -------------------------------------------------------------

    /// <summary><c>x.add(y, alpha)</c>: (β₁ + α·β₂, γ₁ + α·γ₂).</summary>
    public static Decomposition add(Decomposition input, Decomposition target, double alpha) => ArithmeticRules.Add(input, target, alpha);

    /// <summary><c>x.add(c)</c>, <c>x + c</c> with a constant tensor: c shared like a bias by magnitude.</summary>
    public static Decomposition add(Decomposition input, Tensor target) => ArithmeticRules.AddConstant(input, target);

    /// <summary><c>x.add(c, alpha)</c>: α·c shared like a bias.</summary>
    public static Decomposition add(Decomposition input, Tensor target, double alpha)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var scope = NewDisposeScope();
        return ArithmeticRules.AddConstant(input, target * alpha).MoveToOuterDisposeScope();
    }

    /// <summary><c>c.add(x)</c>, <c>c + x</c> with a constant tensor c: c shared like a bias.</summary>
    public static Decomposition add(Tensor input, Decomposition target) => ArithmeticRules.AddConstant(target, input);

    /// <summary><c>c.add(x, alpha)</c>: (α·β, α·γ) with c shared like a bias.</summary>
    public static Decomposition add(Tensor input, Decomposition target, double alpha)
    {
        using var scope = NewDisposeScope();
        return ArithmeticRules.AddConstant(ArithmeticRules.Scale(target, alpha), input).MoveToOuterDisposeScope();
    }

    /// <summary><c>x.add(2.0)</c>, <c>x + 2</c>: the number shared like a bias.</summary>
    public static Decomposition add(Decomposition input, double scalar) => ArithmeticRules.AddConstant(input, scalar);

    /// <summary><c>x.add(2.0, alpha)</c>: α·scalar shared like a bias.</summary>
    public static Decomposition add(Decomposition input, double scalar, double alpha) => ArithmeticRules.AddConstant(input, scalar * alpha);

    /// <summary><c>2 + x</c>: the number shared like a bias.</summary>
    public static Decomposition add(double input, Decomposition target) => ArithmeticRules.AddConstant(target, input);

    /// <summary><c>x.sub(y)</c>, <c>x − y</c>: (β₁ − β₂, γ₁ − γ₂).</summary>
    public static Decomposition sub(Decomposition input, Decomposition target) => ArithmeticRules.Sub(input, target);

    /// <summary><c>x.sub(c)</c>, <c>x − c</c>: −c shared like a bias.</summary>
    public static Decomposition sub(Decomposition input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var scope = NewDisposeScope();
        return ArithmeticRules.AddConstant(input, -target).MoveToOuterDisposeScope();
    }

    /// <summary><c>c.sub(x)</c>, <c>c − x</c>: (−β, −γ) with c shared like a bias.</summary>
    public static Decomposition sub(Tensor input, Decomposition target) => ArithmeticRules.SubtractFrom(input, target);

    /// <summary><c>x.sub(2.0)</c>, <c>x − 2</c>: −2 shared like a bias.</summary>
    public static Decomposition sub(Decomposition input, double target) => ArithmeticRules.AddConstant(input, -target);

    /// <summary><c>2 − x</c>: (−β, −γ) with 2 shared like a bias.</summary>
    public static Decomposition sub(double input, Decomposition target) => ArithmeticRules.SubtractFrom(input, target);

    /// <summary><c>−x</c>, <c>x.neg()</c>: (−β, −γ).</summary>
    public static Decomposition neg(Decomposition input) => ArithmeticRules.Neg(input);

    /// <summary>
    /// <c>x.mul(y)</c>, <c>x * y</c> of two decompositions (gating, squeeze-and-excitation, GLU), by ACD's product
    /// convention (<see cref="ProductRules"/>): β' = β₁⊙β₂, γ' = (β₁+γ₁)⊙(β₂+γ₂) − β₁⊙β₂.
    /// </summary>
    public static Decomposition mul(Decomposition input, Decomposition target) => ProductRules.Mul(input, target);

    /// <summary><c>x.mul(c)</c>, <c>x * c</c>: (β⊙c, γ⊙c).</summary>
    public static Decomposition mul(Decomposition input, Tensor target) => ArithmeticRules.Scale(input, target);

    /// <summary><c>c.mul(x)</c>, <c>c * x</c>: (c⊙β, c⊙γ).</summary>
    public static Decomposition mul(Tensor input, Decomposition target) => ArithmeticRules.Scale(target, input);

    /// <summary><c>x.mul(2.0)</c>, <c>x * 2</c>: (2β, 2γ).</summary>
    public static Decomposition mul(Decomposition input, double target) => ArithmeticRules.Scale(input, target);

    /// <summary><c>2 * x</c>: (2β, 2γ).</summary>
    public static Decomposition mul(double input, Decomposition target) => ArithmeticRules.Scale(target, input);

    /// <summary>
    /// <c>x.div(y)</c>, <c>x / y</c> of two decompositions: the denominator's full value β₂ + γ₂ as a constant
    /// (<see cref="ProductRules.Div"/>): (β₁ ÷ (β₂+γ₂), γ₁ ÷ (β₂+γ₂)). Only true division
    /// (<paramref name="rounding_mode"/> None) is decomposable.
    /// </summary>
    public static Decomposition div(Decomposition input, Decomposition target, RoundingMode rounding_mode = RoundingMode.None)
    {
        TrueDivision(rounding_mode);
        return ProductRules.Div(input, target);
    }

    /// <summary><c>x.div(c)</c>, <c>x / c</c>: (β ÷ c, γ ÷ c).</summary>
    public static Decomposition div(Decomposition input, Tensor target, RoundingMode rounding_mode = RoundingMode.None)
    {
        TrueDivision(rounding_mode);
        return ArithmeticRules.DivideBy(input, target);
    }

    /// <summary><c>c.div(x)</c>, <c>c / x</c>: c ÷ (β+γ) by the proportional rule (<see cref="ProductRules.DivideInto(Tensor, Decomposition)"/>).</summary>
    public static Decomposition div(Tensor input, Decomposition target, RoundingMode rounding_mode = RoundingMode.None)
    {
        TrueDivision(rounding_mode);
        return ProductRules.DivideInto(input, target);
    }

    /// <summary><c>x.div(2.0)</c>, <c>x / 2</c>: (β/2, γ/2).</summary>
    public static Decomposition div(Decomposition input, double target, RoundingMode rounding_mode = RoundingMode.None)
    {
        TrueDivision(rounding_mode);
        return ArithmeticRules.DivideBy(input, target);
    }

    /// <summary><c>1 / x</c>: 1 ÷ (β+γ) by the proportional rule.</summary>
    public static Decomposition div(double input, Decomposition target, RoundingMode rounding_mode = RoundingMode.None)
    {
        TrueDivision(rounding_mode);
        return ProductRules.DivideInto(input, target);
    }

    /// <summary><c>x.matmul(y)</c>, <c>torch.matmul(x, y)</c> of two decompositions: (β₁@β₂, full₁@full₂ − β₁@β₂). Shapes are checked first.</summary>
    public static Decomposition matmul(Decomposition input, Decomposition target) => ProductRules.Matmul(input, target);

    /// <summary><c>x.matmul(w)</c> with a constant w: (β@w, γ@w).</summary>
    public static Decomposition matmul(Decomposition input, Tensor target) => ProductRules.Matmul(input, target);

    /// <summary><c>w.matmul(x)</c> with a constant w: (w@β, w@γ).</summary>
    public static Decomposition matmul(Tensor input, Decomposition target) => ProductRules.Matmul(input, target);

    /// <summary><c>x.bmm(y)</c> of two decompositions, by the product rule.</summary>
    public static Decomposition bmm(Decomposition input, Decomposition batch2) => ProductRules.Bmm(input, batch2);

    /// <summary><c>x.bmm(w)</c> with a constant w.</summary>
    public static Decomposition bmm(Decomposition input, Tensor batch2) => ProductRules.Bmm(input, batch2);

    /// <summary><c>w.bmm(x)</c> with a constant w.</summary>
    public static Decomposition bmm(Tensor input, Decomposition batch2) => ProductRules.Bmm(input, batch2);

    // ---- Element-wise functions (ActivationRules) ---------------------------------------------------------------

    /// <summary>exp: linearised two-player Shapley, exp(0) = 1 shared like a bias.</summary>
    public static Decomposition exp(Decomposition input) => ActivationRules.Exp(input);

    /// <summary>log: the proportional rule (<see cref="ActivationRules.Proportional"/>).</summary>
    public static Decomposition log(Decomposition input) => ActivationRules.Log(input);

    /// <summary>sqrt: the proportional rule.</summary>
    public static Decomposition sqrt(Decomposition input) => ActivationRules.Sqrt(input);

    /// <summary>SiLU, by ReLU's rule (<paramref name="inplace"/> has no effect: the rule never writes its input).</summary>
    public static Decomposition silu(Decomposition x, bool inplace = false) => ActivationRules.Silu(x);

    /// <summary>ReLU6, by ReLU's rule (<paramref name="inplace"/> has no effect).</summary>
    public static Decomposition relu6(Decomposition x, bool inplace = false) => ActivationRules.Relu6(x);

    /// <summary>ELU (<c>x.elu(alpha)</c>, <c>nn.functional.elu(x, alpha, inplace)</c>), by ReLU's rule.</summary>
    public static Decomposition elu(Decomposition x, double alpha = 1, bool inplace = false) => ActivationRules.Elu(x, alpha);

    /// <summary>ELU with scales (<c>x.elu(alpha, scale, input_scale)</c>), by ReLU's rule.</summary>
    public static Decomposition elu(Decomposition input, double alpha, double scale, double input_scale) => ActivationRules.Elu(input, alpha, scale, input_scale);

    /// <summary><c>nn.functional.hardtanh(x, min_val, max_val, inplace)</c>, by ReLU's rule (f(0) shared like a bias when 0 is outside the range).</summary>
    public static Decomposition hardtanh(Decomposition x, double min_val = -1, double max_val = 1, bool inplace = false) => ActivationRules.Hardtanh(x, min_val, max_val);

    /// <summary><c>x.hardtanh(min, max)</c>, by ReLU's rule.</summary>
    public static Decomposition hardtanh(Decomposition input, double min, double max) => ActivationRules.Hardtanh(input, min, max);

    /// <summary>Mish, by ReLU's rule (<paramref name="inplace"/> has no effect).</summary>
    public static Decomposition mish(Decomposition x, bool inplace = false) => ActivationRules.Mish(x);

    /// <summary>Hardsigmoid, by ReLU's rule with f(0) = ½ shared like a bias (<paramref name="inplace"/> has no effect).</summary>
    public static Decomposition hardsigmoid(Decomposition input, bool inplace = false) => ActivationRules.Hardsigmoid(input);

    /// <summary>Hardswish, by ReLU's rule (<paramref name="inplace"/> has no effect).</summary>
    public static Decomposition hardswish(Decomposition input, bool inplace = false) => ActivationRules.Hardswish(input);

    // ---- Normalisation, transposed convolution, adaptive max pooling, resampling and padding --------------------------

    /// <summary><c>nn.functional.group_norm</c>: per group σ from β + γ, each part centred by its own mean, weight on both, bias shared (<see cref="NormalizationRules.group_norm"/>).</summary>
    public static Decomposition group_norm(Decomposition input, long num_groups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
        NormalizationRules.group_norm(input, num_groups, weight, bias, eps);

    /// <summary>
    /// <c>nn.functional.instance_norm</c>: with <paramref name="use_input_stats"/> the GroupNorm rule with one group per
    /// channel, otherwise the BatchNorm rule with the running statistics (<see cref="NormalizationRules.instance_norm"/>).
    /// The running statistics are never updated (<paramref name="momentum"/> has no effect).
    /// </summary>
    public static Decomposition instance_norm(Decomposition input, Tensor? running_mean = null, Tensor? running_var = null, Tensor? weight = null, Tensor? bias = null, bool use_input_stats = true, double momentum = 0.1, double eps = 1e-5) =>
        NormalizationRules.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, eps);

    /// <summary><c>nn.functional.conv_transpose1d</c>: β and γ through it without the bias, the bias shared by magnitude.</summary>
    public static Decomposition conv_transpose1d(Decomposition input, Tensor weight, Tensor? bias = null, long? stride = null, long? padding = null, long? output_padding = null, long? dilation = null, long groups = 1) =>
        LinearRules.conv_transpose1d(input, weight, bias, stride, padding, output_padding, dilation, groups);

    /// <summary><c>nn.functional.conv_transpose2d</c>: β and γ through it without the bias, the bias shared by magnitude.</summary>
    public static Decomposition conv_transpose2d(Decomposition input, Tensor weight, Tensor? bias = null, long[]? strides = null, long[]? padding = null, long[]? output_padding = null, long[]? dilation = null, long groups = 1) =>
        LinearRules.conv_transpose2d(input, weight, bias, strides, padding, output_padding, dilation, groups);

    /// <summary><c>nn.functional.adaptive_max_pool1d</c>: positions chosen on β + γ, β and γ taken at them.</summary>
    public static Decomposition adaptive_max_pool1d(Decomposition input, long output_size) => PoolingRules.adaptive_max_pool1d(input, output_size);

    /// <summary><c>nn.functional.adaptive_max_pool2d</c>: positions chosen on β + γ, β and γ taken at them.</summary>
    public static Decomposition adaptive_max_pool2d(Decomposition input, long[] output_size) => PoolingRules.adaptive_max_pool2d(input, output_size);

    /// <summary><c>nn.functional.upsample</c> (linear): β and γ resampled separately (<see cref="ResamplingRules"/>).</summary>
    public static Decomposition upsample(Decomposition input, long[]? size = null, double[]? scale_factor = null, UpsampleMode mode = UpsampleMode.Nearest, bool align_corners = false) =>
        ResamplingRules.upsample(input, size, scale_factor, mode, align_corners);

    /// <summary><c>nn.functional.interpolate</c> (linear for a fixed output size): β and γ resampled separately (<see cref="ResamplingRules"/>).</summary>
    public static Decomposition interpolate(Decomposition x, long[]? size = null, double[]? scale_factor = null, InterpolationMode mode = InterpolationMode.Nearest, bool? align_corners = null, bool recompute_scale_factor = false, bool antialias = false) =>
        ResamplingRules.interpolate(x, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias);

    /// <summary><c>nn.functional.pad</c>: a constant <paramref name="value"/> goes half to β, half to γ; reflect/replicate/circular padding is linear (<see cref="ResamplingRules"/>).</summary>
    public static Decomposition pad(Decomposition input, long[] pad, PaddingModes mode = PaddingModes.Constant, double value = 0) => ResamplingRules.pad(input, pad, mode, value);

    /// <summary><c>nn.functional.pad</c> with the pad as a span (see <see cref="pad(Decomposition, long[], PaddingModes, double)"/>).</summary>
    public static Decomposition pad(Decomposition input, ReadOnlySpan<long> pad, PaddingModes mode = PaddingModes.Constant, double value = 0) => ResamplingRules.pad(input, pad.ToArray(), mode, value);

    /// <summary><c>nn.functional.pad</c> with the pad as a pair (see <see cref="pad(Decomposition, long[], PaddingModes, double)"/>).</summary>
    public static Decomposition pad(Decomposition input, (long, long) pad, PaddingModes mode = PaddingModes.Constant, double value = 0) =>
        ResamplingRules.Padded(input, mode, value, (t, m, v) => nn.functional.pad(t, pad, m, v));

    /// <summary><c>nn.functional.pad</c> with the pad as a quadruple (see <see cref="pad(Decomposition, long[], PaddingModes, double)"/>).</summary>
    public static Decomposition pad(Decomposition input, (long, long, long, long) pad, PaddingModes mode = PaddingModes.Constant, double value = 0) =>
        ResamplingRules.Padded(input, mode, value, (t, m, v) => nn.functional.pad(t, pad, m, v));

    /// <summary><c>nn.functional.pad</c> with one pad size (see <see cref="pad(Decomposition, long[], PaddingModes, double)"/>).</summary>
    public static Decomposition pad(Decomposition input, long pad, PaddingModes mode = PaddingModes.Constant, double value = 0) =>
        ResamplingRules.Padded(input, mode, value, (t, m, v) => nn.functional.pad(t, pad, m, v));

    // ---- Softmax (SoftmaxRules) ---------------------------------------------------------------------------------

    /// <summary>
    /// <c>x.softmax(dim)</c>, <c>torch.softmax(x, dim)</c>, <c>nn.functional.softmax(x, dim)</c>: CD-T's convention —
    /// the weights are computed from the full input β + γ and returned as a plain tensor, a constant for what follows
    /// (so softmax(q@kᵀ·s) then matmul with v equals <see cref="scaled_dot_product_attention"/>'s rule).
    /// </summary>
    public static Tensor softmax(Decomposition input, long dim, ScalarType? dtype = null) => SoftmaxRules.Softmax(input, dim, dtype);

    /// <summary><c>x.log_softmax(dim, dtype)</c>: (β, γ) − logsumexp(β + γ), that term shared like a bias (<see cref="SoftmaxRules"/>).</summary>
    public static Decomposition log_softmax(Decomposition input, long dim, ScalarType? dtype = null) => SoftmaxRules.LogSoftmax(input, dim, dtype);

    /// <summary><c>nn.functional.log_softmax(x, dim)</c>: as the Tensor method.</summary>
    public static Decomposition log_softmax(Decomposition x, long dim) => SoftmaxRules.LogSoftmax(x, dim);

    // ---- More element-wise functions, and max/min along a dimension -------------------------------------------------

    /// <summary><c>x.clamp(min, max)</c>: ReLU's rule (f(β) and f(β + γ) − f(β), f(0) shared like a bias where it is not 0).</summary>
    public static Decomposition clamp(Decomposition input, Scalar? min = null, Scalar? max = null) => ActivationRules.ReluStyle(input, x => x.clamp(min, max));

    /// <summary><c>x.clip(min, max)</c>, as <see cref="clamp(Decomposition, Scalar?, Scalar?)"/>.</summary>
    public static Decomposition clip(Decomposition input, Scalar? min = null, Scalar? max = null) => ActivationRules.ReluStyle(input, x => x.clip(min, max));

    /// <summary><c>x.abs()</c>: ReLU's rule (|β| and |β + γ| − |β|).</summary>
    public static Decomposition abs(Decomposition input) => ActivationRules.ReluStyle(input, x => x.abs());

    /// <summary><c>x.square()</c>: the product rule of x ⊙ x (relevant only where both factors are: β², the rest to γ).</summary>
    public static Decomposition square(Decomposition input) => ProductRules.Mul(input, input);

    /// <summary>
    /// <c>x.pow(exponent)</c>: exponent 2 by the product rule (as <see cref="square"/>), 1 as the identity, any other by
    /// the linearised two-player Shapley value with f(0) shared like a bias (exact: β' + γ' = (β + γ)^p).
    /// </summary>
    public static Decomposition pow(Decomposition input, double exponent) => exponent switch
    {
        1 => CdGuard.Checked(input, nameof(input)),
        2 => ProductRules.Mul(input, input),
        _ => ActivationRules.ShapleyTwo(input, x => x.pow(exponent)),
    };

    /// <summary><c>x.max(dim, keepdim)</c>: positions chosen on β + γ (as max pooling), β and γ read there; the indexes as they are.</summary>
    public static (Decomposition values, Tensor indexes) max(Decomposition input, long dim, bool keepdim = false) => ReductionRules.Max(input, dim, keepdim);

    /// <summary><c>x.min(dim, keepdim)</c>: positions chosen on β + γ, β and γ read there.</summary>
    public static (Decomposition values, Tensor indexes) min(Decomposition input, long dim, bool keepdim = false) => ReductionRules.Min(input, dim, keepdim);

    /// <summary><c>x.T</c>: the reversed dimensions of β and γ.</summary>
    public static Decomposition T(Decomposition input) => new(input.Relevant.T, input.Irrelevant.T);

    /// <summary><c>x.mT</c>: the last two dimensions of β and γ swapped.</summary>
    public static Decomposition mT(Decomposition input) => new(input.Relevant.mT, input.Irrelevant.mT);

    // ---- Reductions (ReductionRules) ----------------------------------------------------------------------------

    /// <summary><c>x.mean()</c>: the mean of β and of γ.</summary>
    public static Decomposition mean(Decomposition input) => ReductionRules.Mean(input);

    /// <summary><c>x.mean(dimensions, keepdim, type)</c>: β and γ averaged alike.</summary>
    public static Decomposition mean(Decomposition input, long[] dimensions, bool keepdim = false, ScalarType? type = null) => ReductionRules.Mean(input, dimensions, keepdim, type);

    /// <summary><c>x.sum(type)</c>: the sum of β and of γ. (As in TorchSharp, <c>sum(x, 0)</c> binds here with 0 as a ScalarType; write <c>dim: 0</c>.)</summary>
    public static Decomposition sum(Decomposition input, ScalarType? type = null) => ReductionRules.Sum(input, type);

    /// <summary><c>x.sum(dim, keepdim, type)</c> over several dimensions.</summary>
    public static Decomposition sum(Decomposition input, long[] dim, bool keepdim = false, ScalarType? type = null) => ReductionRules.Sum(input, dim, keepdim, type);

    /// <summary><c>x.sum(dim, keepdim, type)</c> over several dimensions (span form).</summary>
    public static Decomposition sum(Decomposition input, ReadOnlySpan<long> dim, bool keepdim = false, ScalarType? type = null) => ReductionRules.Sum(input, dim.ToArray(), keepdim, type);

    /// <summary><c>x.sum(dim, keepdim, type)</c> over one dimension.</summary>
    public static Decomposition sum(Decomposition input, long dim, bool keepdim = false, ScalarType? type = null) => ReductionRules.Sum(input, [dim], keepdim, type);

    /// <summary><c>x.sum(dim0, dim1, keepdim, type)</c>.</summary>
    public static Decomposition sum(Decomposition input, long dim0, long dim1, bool keepdim = false, ScalarType? type = null) => ReductionRules.Sum(input, [dim0, dim1], keepdim, type);

    /// <summary><c>x.sum(dim0, dim1, dim2, keepdim, type)</c>.</summary>
    public static Decomposition sum(Decomposition input, long dim0, long dim1, long dim2, bool keepdim = false, ScalarType? type = null) => ReductionRules.Sum(input, [dim0, dim1, dim2], keepdim, type);

    // ---- Shape operations (ShapeRules, CombinationRules) --------------------------------------------------------

    /// <summary><c>x.transpose(dim0, dim1)</c> of β and γ.</summary>
    public static Decomposition transpose(Decomposition input, long dim0, long dim1) => ShapeRules.transpose(input, dim0, dim1);

    /// <summary><c>x.t()</c> of β and γ.</summary>
    public static Decomposition t(Decomposition input) => ShapeRules.t(input);

    /// <summary><c>x.contiguous()</c> of β and γ.</summary>
    public static Decomposition contiguous(Decomposition input) => ShapeRules.contiguous(input);

    /// <summary><c>x.clone()</c> of β and γ.</summary>
    public static Decomposition clone(Decomposition input) => ShapeRules.clone(input);

    /// <summary><c>x.detach()</c> of β and γ.</summary>
    public static Decomposition detach(Decomposition input) => ShapeRules.detach(input);

    /// <summary><c>x.chunk(chunks, dim)</c>: the pieces of β and γ, paired.</summary>
    public static Decomposition[] chunk(Decomposition input, long chunks, long dim = 0) => ShapeRules.chunk(input, chunks, dim);

    /// <summary><c>x.split(size, dim)</c>: pieces of <paramref name="size"/>.</summary>
    public static Decomposition[] split(Decomposition input, long size, int dim = 0) => ShapeRules.split(input, size, dim);

    /// <summary><c>x.split(sizes, dim)</c>: pieces of the given sizes (span form).</summary>
    public static Decomposition[] split(Decomposition input, ReadOnlySpan<long> sizes, long dim = 0) => ShapeRules.split(input, sizes.ToArray(), dim);

    /// <summary><c>x.split(sizes, dim)</c>: pieces of the given sizes.</summary>
    public static Decomposition[] split(Decomposition input, long[] sizes, long dim = 0) => ShapeRules.split(input, sizes, dim);

    /// <summary><c>x.split(s1, s2, ...)</c>: pieces of the given sizes along dimension 0.</summary>
    public static Decomposition[] split(Decomposition input, params long[] sizes) => ShapeRules.split(input, sizes, 0);

    /// <summary><c>x.narrow(dim, start, length)</c> of β and γ.</summary>
    public static Decomposition narrow(Decomposition input, long dim, long start, long length) => ShapeRules.narrow(input, dim, start, length);

    /// <summary><c>x.expand(sizes, isImplicit)</c> (span form).</summary>
    public static Decomposition expand(Decomposition input, ReadOnlySpan<long> sizes, bool isImplicit = false) => ShapeRules.expand(input, sizes.ToArray(), isImplicit);

    /// <summary><c>x.expand(sizes, isImplicit)</c>.</summary>
    public static Decomposition expand(Decomposition input, long[] sizes, bool isImplicit = false) => ShapeRules.expand(input, sizes, isImplicit);

    /// <summary><c>x.expand(s1, s2, ...)</c>.</summary>
    public static Decomposition expand(Decomposition input, params long[] sizes) => ShapeRules.expand(input, sizes);

    /// <summary><c>x.repeat(s1, s2, ...)</c> of β and γ.</summary>
    public static Decomposition repeat(Decomposition input, params long[] sizes) => ShapeRules.repeat(input, sizes);

    /// <summary><c>x.unflatten(dim, sizes)</c> of β and γ.</summary>
    public static Decomposition unflatten(Decomposition input, long dim, params long[] sizes) => ShapeRules.unflatten(input, dim, sizes);

    /// <summary><c>torch.stack(tensors, dim)</c> of decompositions: β's stacked and γ's stacked.</summary>
    public static Decomposition stack(IEnumerable<Decomposition> tensors, long dim = 0) => CombinationRules.Stack(tensors, dim);

    /// <summary><c>torch.cat(tensors, dim)</c> of an array of decompositions.</summary>
    public static Decomposition cat(Decomposition[] tensors, long dim = 0) => CombinationRules.Cat(tensors, dim);

    /// <summary><c>torch.cat(tensors, dim)</c> of any sequence of decompositions.</summary>
    public static Decomposition cat(IEnumerable<Decomposition> tensors, long dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return CombinationRules.Cat(tensors.ToArray(), dim);
    }

    /// <summary><c>x.masked_fill(mask, value)</c>: filled positions hold the constant, shared 50/50; the others keep β and γ.</summary>
    public static Decomposition masked_fill(Decomposition input, Tensor mask, double value) => ShapeRules.masked_fill(input, mask, value);

    /// <summary><c>torch.where(condition, x, y)</c>: β and γ selected alike.</summary>
    public static Decomposition where(Tensor condition, Decomposition x, Decomposition y) => ShapeRules.where(condition, x, y);

    /// <summary><c>torch.where(condition, x, c)</c> with a constant branch: c enters on its own, shared 50/50.</summary>
    public static Decomposition where(Tensor condition, Decomposition x, Tensor y)
    {
        using var scope = NewDisposeScope();
        return ShapeRules.where(condition, x, CombinationRules.Constant(y)).MoveToOuterDisposeScope();
    }

    /// <summary><c>x.where(condition, y)</c> (= torch.where(condition, x, y)): β and γ selected alike.</summary>
    public static Decomposition where(Decomposition input, Tensor condition, Decomposition y) => ShapeRules.where(condition, input, y);

    /// <summary><c>x.where(condition, c)</c> with a constant c, shared 50/50 where it is chosen.</summary>
    public static Decomposition where(Decomposition input, Tensor condition, Tensor y)
    {
        using var scope = NewDisposeScope();
        return ShapeRules.where(condition, input, CombinationRules.Constant(y)).MoveToOuterDisposeScope();
    }

    // ---- Indexing: Tensor.index and every Tensor indexer (ShapeRules.index) --------------------------------------

    /// <summary><c>x[.., 0]</c>, <c>x[TensorIndex.Ellipsis, 1]</c>, <c>x.index(indices)</c>: β and γ indexed alike.</summary>
    public static Decomposition index(Decomposition input, params TensorIndex[] indices) => ShapeRules.index(input, indices);

    /// <summary><c>x[t]</c>, <c>x.index(tensors)</c> with index or bool tensors.</summary>
    public static Decomposition index(Decomposition input, params Tensor[] indices) => ShapeRules.index(input, indices);

    /// <summary><c>x[i1]</c>.</summary>
    public static Decomposition index(Decomposition input, long i1) => ShapeRules.index(input, [TensorIndex.Single(i1)]);

    /// <summary><c>x[i1, i2]</c>.</summary>
    public static Decomposition index(Decomposition input, long i1, long i2) => ShapeRules.index(input, [TensorIndex.Single(i1), TensorIndex.Single(i2)]);

    /// <summary><c>x[i1, i2, i3]</c>.</summary>
    public static Decomposition index(Decomposition input, long i1, long i2, long i3) => index(input, new[] { i1, i2, i3 });

    /// <summary><c>x[i1, i2, i3, i4]</c>.</summary>
    public static Decomposition index(Decomposition input, long i1, long i2, long i3, long i4) => index(input, new[] { i1, i2, i3, i4 });

    /// <summary><c>x[i1, …, i5]</c>.</summary>
    public static Decomposition index(Decomposition input, long i1, long i2, long i3, long i4, long i5) => index(input, new[] { i1, i2, i3, i4, i5 });

    /// <summary><c>x[i1, …, i6]</c>.</summary>
    public static Decomposition index(Decomposition input, long i1, long i2, long i3, long i4, long i5, long i6) => index(input, new[] { i1, i2, i3, i4, i5, i6 });

    /// <summary><c>x[indices]</c> with integer indices.</summary>
    public static Decomposition index(Decomposition input, params long[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return ShapeRules.index(input, indices.Select(i => TensorIndex.Single(i)).ToArray());
    }

    // ---- Helpers for generated code ------------------------------------------------------------------------------

    /// <summary>
    /// β + γ, the real value: what a tensor-valued expression read in a non-tensor context (a condition, a printed
    /// value, a shape computed from values) evaluates to.
    /// </summary>
    public static Tensor value(Decomposition d)
    {
        CdGuard.Check(d, nameof(d));
        return d.Total();
    }

    /// <summary>β itself (not a copy): a tensor with the activation's shape, dtype and device, for shape reads without computing β + γ.</summary>
    public static Tensor like(Decomposition d)
    {
        CdGuard.Check(d, nameof(d));
        return d.Relevant;
    }

    /// <summary>A constant that enters the decomposed computation on its own (zeros of an accumulator, a class token): (c/2, c/2).</summary>
    public static Decomposition constant(Tensor c) => CombinationRules.Constant(c);

    /// <summary>A constant number with <paramref name="like"/>'s shape, dtype and device, entering on its own: (c/2, c/2).</summary>
    public static Decomposition constant(double c, Decomposition like) => CombinationRules.Constant(c, like);

    /// <summary>Moves both parts of <paramref name="d"/> out of <paramref name="scope"/> (as <c>scope.MoveToOuter(tensor)</c>).</summary>
    public static Decomposition MoveToOuter(DisposeScope scope, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(scope);
        CdGuard.Check(d, nameof(d));
        scope.MoveToOuter(d.Relevant, d.Irrelevant);
        return d;
    }

    // Floor and trunc division are step functions: no decomposition of them is meaningful.
    private static void TrueDivision(RoundingMode mode)
    {
        if (mode != RoundingMode.None)
            throw new ArgumentException($"Only true division can be decomposed; rounding_mode {mode} is a step function.", "rounding_mode");
    }
}
