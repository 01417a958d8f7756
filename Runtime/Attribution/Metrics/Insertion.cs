using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// The insertion curve (RISE, Petsiuk et al. 2018): starting from a start image (zeros by default; RISE starts from a
/// blurred copy of the input, <see cref="BlurredStart"/>), the input's features are put back in order of attribution, most relevant first,
/// in <c>steps</c> equal steps, and the model's score of the target is recorded after each. A faithful attribution puts
/// back first what the model relies on, so the score rises fast: a higher area under the curve is better.
/// </summary>
public static class Insertion
{
    private const string Name = nameof(Insertion);

    /// <summary>The default σ, in pixels, of <see cref="BlurredStart"/>.</summary>
    public const double DefaultBlurSigma = 5;

    /// <summary>
    /// The insertion curve of each sample. Step k (k = 0 … steps) puts the round(k·G/steps) most relevant of the G features
    /// or groups of the input into the start image and scores the result; x = k/steps, and the area is the trapezoid rule
    /// over x ∈ [0, 1].
    /// </summary>
    /// <param name="forward">The model, batch → outputs.</param>
    /// <param name="inputs">The explained batch [B, ...].</param>
    /// <param name="attributions">Attributions shaped like <paramref name="inputs"/> (signed: the most positive first).</param>
    /// <param name="target">The output the attributions explain.</param>
    /// <param name="steps">Steps from nothing inserted to everything inserted (1 to 1,000,000).</param>
    /// <param name="start">The image the features are inserted into, broadcastable to the inputs; zeros when null
    /// (RISE's blurred start: <see cref="BlurredStart"/>(inputs)).</param>
    /// <param name="featureMask">Integer group ids broadcastable to the inputs: the features of a group are inserted together; one group per feature when null.</param>
    /// <param name="score">What is recorded: the target's softmax probability (default) or its logit.</param>
    /// <param name="maxExamplesPerBatch">At most this many perturbed rows per forward pass (at least one step of every sample).</param>
    /// <param name="cancellationToken">Checked before any work and before every forward pass: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static PerturbationCurve Compute(Func<Tensor, Tensor> forward, Tensor inputs, Tensor attributions, Target target,
        int steps = Deletion.DefaultSteps, Tensor? start = null, Tensor? featureMask = null, CurveScore score = CurveScore.Probability,
        int? maxExamplesPerBatch = null, CancellationToken cancellationToken = default) =>
        CurveEngine.Run(false, Name, forward, inputs, attributions, target, steps, start, featureMask, score, maxExamplesPerBatch, cancellationToken);

    /// <summary>The insertion curve for a module's <c>forward</c>.</summary>
    /// <inheritdoc cref="Compute(Func{Tensor, Tensor}, Tensor, Tensor, Target, int, Tensor?, Tensor?, CurveScore, int?, CancellationToken)"/>
    public static PerturbationCurve Compute(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor attributions, Target target,
        int steps = Deletion.DefaultSteps, Tensor? start = null, Tensor? featureMask = null, CurveScore score = CurveScore.Probability,
        int? maxExamplesPerBatch = null, CancellationToken cancellationToken = default) =>
        Compute((model ?? throw new ArgumentNullException(nameof(model))).call, inputs, attributions, target, steps, start, featureMask, score, maxExamplesPerBatch, cancellationToken);

    /// <summary>
    /// RISE's insertion start: the images [B, C, H, W] blurred by a Gaussian of standard deviation <paramref name="sigma"/>
    /// pixels over H and W, each channel alone (kernel side 2·⌈3σ⌉ + 1, borders replicated so the edges keep their brightness).
    /// </summary>
    /// <param name="images">Images [B, C, H, W], floating point.</param>
    /// <param name="sigma">The blur's σ in pixels, positive and at most 100.</param>
    public static Tensor BlurredStart(Tensor images, double sigma = DefaultBlurSigma)
    {
        AttributionArgs.CheckBatch(images, Name, nameof(images));
        if (images.dim() != 4)
            throw new ArgumentException($"{Name}: images must be [B, C, H, W], got shape {AttributionArgs.Str(images.shape)}; add the channel dimension (x.unsqueeze(1)) for one-channel images", nameof(images));
        if (!images.is_floating_point())
            throw new ArgumentException($"{Name}: images are {images.dtype}; pass floating-point images", nameof(images));
        if (!(sigma > 0) || sigma > 100)
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"{Name}: sigma must be positive and at most 100 pixels");
        Checks.Finite(images, Name, nameof(images));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var radius = (int)Math.Ceiling(3 * sigma);
        var taps = Enumerable.Range(-radius, 2 * radius + 1).Select(i => Math.Exp(-i * i / (2 * sigma * sigma))).ToArray();
        var total = taps.Sum();
        var kernel = tensor(taps.Select(t => t / total).ToArray(), dtype: images.dtype, device: images.device);
        var c = images.size(1);
        // Separable: a row pass then a column pass, one group per channel so channels do not mix.
        var padded = nn.functional.pad(images.detach(), [radius, radius, radius, radius], PaddingModes.Replicate);
        var rowsPass = nn.functional.conv2d(padded, kernel.view(1, 1, 1, -1).expand(c, 1, 1, kernel.size(0)), groups: c);
        var blurred = nn.functional.conv2d(rowsPass, kernel.view(1, 1, -1, 1).expand(c, 1, kernel.size(0), 1), groups: c);
        return blurred.MoveToOuterDisposeScope();
    }
}
