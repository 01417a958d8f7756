namespace AttrDsl.Attribution;

/// <summary>
/// The deletion curve (pixel flipping, Samek et al. 2017; RISE's deletion metric, Petsiuk et al. 2018): the features
/// (or feature groups) are replaced by a baseline in order of attribution, most relevant first, in <c>steps</c> equal
/// steps, and the model's score of the target is recorded after each. A faithful attribution names first what the model
/// relies on, so the score falls fast: a lower area under the curve is better.
/// </summary>
public static class Deletion
{
    private const string Name = nameof(Deletion);

    /// <summary>The default number of steps (the curve has steps + 1 points).</summary>
    public const int DefaultSteps = 20;

    /// <summary>
    /// The deletion curve of each sample. Step k (k = 0 … steps) replaces the round(k·G/steps) most relevant of the G
    /// features or groups (relevance: the attribution, summed over a group; ties broken by the lower group id) with the
    /// baseline and scores the result; x = k/steps, and the area is the trapezoid rule over x ∈ [0, 1].
    /// </summary>
    /// <param name="forward">The model, batch → outputs.</param>
    /// <param name="inputs">The explained batch [B, ...].</param>
    /// <param name="attributions">Attributions shaped like <paramref name="inputs"/> (signed: the most positive first).</param>
    /// <param name="target">The output the attributions explain.</param>
    /// <param name="steps">Steps from nothing deleted to everything deleted (1 to 1,000,000).</param>
    /// <param name="baseline">What a deleted feature becomes, broadcastable to the inputs; zeros when null.</param>
    /// <param name="featureMask">Integer group ids broadcastable to the inputs: the features of a group are deleted together (e.g. superpixels); one group per feature when null.</param>
    /// <param name="score">What is recorded: the target's softmax probability (default) or its logit.</param>
    /// <param name="maxExamplesPerBatch">At most this many perturbed rows per forward pass (at least one step of every sample).</param>
    /// <param name="cancellationToken">Checked before any work and before every forward pass: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static PerturbationCurve Compute(Func<Tensor, Tensor> forward, Tensor inputs, Tensor attributions, Target target,
        int steps = DefaultSteps, Tensor? baseline = null, Tensor? featureMask = null, CurveScore score = CurveScore.Probability,
        int? maxExamplesPerBatch = null, CancellationToken cancellationToken = default) =>
        CurveEngine.Run(true, Name, forward, inputs, attributions, target, steps, baseline, featureMask, score, maxExamplesPerBatch, cancellationToken);

    /// <summary>The deletion curve for a module's <c>forward</c>.</summary>
    /// <inheritdoc cref="Compute(Func{Tensor, Tensor}, Tensor, Tensor, Target, int, Tensor?, Tensor?, CurveScore, int?, CancellationToken)"/>
    public static PerturbationCurve Compute(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor attributions, Target target,
        int steps = DefaultSteps, Tensor? baseline = null, Tensor? featureMask = null, CurveScore score = CurveScore.Probability,
        int? maxExamplesPerBatch = null, CancellationToken cancellationToken = default) =>
        Compute((model ?? throw new ArgumentNullException(nameof(model))).call, inputs, attributions, target, steps, baseline, featureMask, score, maxExamplesPerBatch, cancellationToken);
}
