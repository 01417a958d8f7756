using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// ROAD, RemOve And Debias (Rong et al. 2022, "A consistent and efficient evaluation strategy for attribution
/// methods"): pixels are removed in order of attribution — most relevant first (MoRF) and least relevant first (LeRF) — at
/// given percentages, and the removed pixels are filled by noisy linear imputation (each the weighted mean of its
/// neighbours, solved jointly as a sparse linear system, plus Gaussian noise) instead of a constant. A constant fill
/// leaves the removal's shape in the image, which the model can read (the class leaks through the mask), and moves the
/// image out of the training distribution; the imputation removes the information without that artefact.
/// </summary>
public static class Road
{
    private const string Name = nameof(Road);

    /// <summary>The default standard deviation of the noise added to imputed pixels (the paper's code: 0.01).</summary>
    public const double DefaultNoise = 0.01;

    /// <summary>The default percentages: 10 %, 20 %, …, 90 % of the pixels.</summary>
    public static IReadOnlyList<double> DefaultPercentages { get; } = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

    /// <summary>
    /// MoRF and LeRF scores of each sample at each percentage. A pixel's relevance is its attribution summed over the
    /// channels (ties go to the lower pixel index); removing p of the H·W pixels removes the round(p·H·W) first in the order,
    /// in every channel, and imputes them with <see cref="Impute"/>.
    /// </summary>
    /// <param name="forward">The model, images → outputs.</param>
    /// <param name="inputs">The explained images [B, C, H, W].</param>
    /// <param name="attributions">Attributions shaped like <paramref name="inputs"/>.</param>
    /// <param name="target">The output the attributions explain.</param>
    /// <param name="percentages">The shares of pixels to remove, each in [0, 1]; <see cref="DefaultPercentages"/> when null.</param>
    /// <param name="noise">The standard deviation of the Gaussian noise added to each imputed value (≥ 0; global generator, seed with <c>torch.manual_seed</c>).</param>
    /// <param name="score">What is recorded: the target's softmax probability (default) or its logit.</param>
    /// <param name="maxExamplesPerBatch">At most this many imputed images per forward pass.</param>
    /// <param name="cancellationToken">Checked before any work, before each sample's imputations and before every forward
    /// pass: once it is cancelled, <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static RoadResult Compute(Func<Tensor, Tensor> forward, Tensor inputs, Tensor attributions, Target target,
        IReadOnlyList<double>? percentages = null, double noise = DefaultNoise, CurveScore score = CurveScore.Probability,
        int? maxExamplesPerBatch = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(forward);
        CheckImages(inputs, nameof(inputs));
        Checks.Live(attributions, Name, nameof(attributions));
        forward = ModelCall.Guard(forward, Name);
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), Name);
        Checks.ShapedLikeInputs(attributions, inputs, Name);
        var shares = CheckPercentages(percentages ?? DefaultPercentages);
        CheckNoise(noise);
        Checks.Defined(score, nameof(score), Name);
        if (maxExamplesPerBatch is < 1)
            throw new ArgumentOutOfRangeException(nameof(maxExamplesPerBatch), maxExamplesPerBatch, $"{Name}: maxExamplesPerBatch must be at least 1");
        var rows = AttributionValues.Rows(attributions, Name);
        long b = inputs.size(0), c = inputs.size(1), h = inputs.size(2), w = inputs.size(3);
        var pixels = (int)(h * w);
        var q = shares.Length;

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.detach();
        var scored = CurveEngine.Scored(forward, score, Name);
        var values = new double[b][];   // [sample][2q]: MoRF at each percentage, then LeRF
        var chunk = maxExamplesPerBatch ?? 2 * q;
        for (var s = 0; s < b; s++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var sampleScope = NewDisposeScope();
            var relevance = new double[pixels];
            for (var ch = 0; ch < c; ch++)
                for (var p = 0; p < pixels; p++) relevance[p] += rows[s][ch * pixels + p];
            var order = Enumerable.Range(0, pixels).OrderByDescending(p => relevance[p]).ThenBy(p => p).ToArray();
            var masks = new List<bool[]>(2 * q);
            foreach (var leastFirst in new[] { false, true })
                foreach (var share in shares)
                {
                    var count = (int)Math.Round(share * pixels, MidpointRounding.AwayFromZero);
                    var removed = new bool[pixels];
                    for (var r = 0; r < count; r++) removed[leastFirst ? order[pixels - 1 - r] : order[r]] = true;
                    masks.Add(removed);
                }
            var mask = tensor(masks.SelectMany(m => m).ToArray(), [2 * q, 1, h, w], device: x.device);
            var imputed = Impute(x[s].unsqueeze(0).expand(2 * q, c, h, w), mask, noise);
            var sampleTarget = target.Slice(s, 1).Repeat(2 * q);   // every imputed copy explains sample s
            var scores = new List<double>(2 * q);
            for (var k0 = 0; k0 < 2 * q; k0 += chunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var chunkScope = NewDisposeScope();
                var k = Math.Min(chunk, 2 * q - k0);
                var batch = imputed[k0..(k0 + k)];
                var selected = AttributionArgs.Select(k == 2 * q ? sampleTarget : sampleTarget.Slice(k0, k), scored(batch), k, Name);
                scores.AddRange(selected.to(ScalarType.Float64).cpu().data<double>().ToArray());
            }
            values[s] = [.. scores];
        }
        return new RoadResult(score, shares, [.. values.Select(v => v[..q])], [.. values.Select(v => v[q..])]);
    }

    /// <summary>ROAD for a module's <c>forward</c>.</summary>
    /// <inheritdoc cref="Compute(Func{Tensor, Tensor}, Tensor, Tensor, Target, IReadOnlyList{double}?, double, CurveScore, int?, CancellationToken)"/>
    public static RoadResult Compute(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor attributions, Target target,
        IReadOnlyList<double>? percentages = null, double noise = DefaultNoise, CurveScore score = CurveScore.Probability,
        int? maxExamplesPerBatch = null, CancellationToken cancellationToken = default) =>
        Compute((model ?? throw new ArgumentNullException(nameof(model))).call, inputs, attributions, target, percentages, noise, score, maxExamplesPerBatch, cancellationToken);

    /// <summary>
    /// ROAD's noisy linear imputation: <paramref name="images"/> with every pixel where <paramref name="removed"/> is true
    /// replaced, in every channel, by the weighted mean of its 8 neighbours (1/6 for direct neighbours, 1/12 for
    /// diagonals; neighbours outside the image do not count; removed neighbours are imputed jointly, as one sparse linear
    /// system per channel) plus N(0, noise²). Kept pixels are returned unchanged. With every pixel of an image removed
    /// there is nothing to interpolate from, and its imputed pixels are 0 (plus the noise).
    /// </summary>
    /// <param name="images">Images [B, C, H, W], floating point, finite.</param>
    /// <param name="removed">Bool [B, 1, H, W] or [B, C, H, W] (the same pixels in every channel, then): true where a pixel is removed.</param>
    /// <param name="noise">The noise's standard deviation, ≥ 0 (0: the exact imputation).</param>
    /// <returns>The imputed images, shaped and typed like <paramref name="images"/>.</returns>
    public static Tensor Impute(Tensor images, Tensor removed, double noise = DefaultNoise)
    {
        CheckImages(images, nameof(images));
        Checks.Live(removed, Name, nameof(removed));
        if (removed.dtype != ScalarType.Bool)
            throw new ArgumentException($"{Name}: removed is {removed.dtype}; pass a bool mask (true where a pixel is removed), e.g. attributions.gt(threshold)", nameof(removed));
        long b = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
        if (removed.dim() != 4 || removed.size(0) != b || (removed.size(1) != 1 && removed.size(1) != c) || removed.size(2) != h || removed.size(3) != w)
            throw new ArgumentException($"{Name}: removed has shape {AttributionArgs.Str(removed.shape)}; for images {AttributionArgs.Str(images.shape)} it must be [{b}, 1, {h}, {w}] or [{b}, {c}, {h}, {w}]", nameof(removed));
        CheckNoise(noise);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var source = images.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        var mask = removed.detach().expand(b, c, h, w).cpu().contiguous().data<bool>().ToArray();
        var plane = (int)(h * w);
        var output = new double[source.Length];
        for (var i = 0; i < b * c; i++)
        {
            var off = (int)(i * plane);
            var filled = NoisyLinearImputation.Impute(source[off..(off + plane)], mask[off..(off + plane)], (int)h, (int)w);
            Array.Copy(filled, 0, output, off, plane);
        }
        var result = tensor(output, images.shape).to(images.dtype, images.device);
        if (noise > 0)
        {
            var where = removed.detach().expand(b, c, h, w).to(images.device);
            result = result + randn_like(result).mul_(noise) * where.to(images.dtype);
        }
        return result.MoveToOuterDisposeScope();
    }

    private static void CheckImages(Tensor images, string name)
    {
        AttributionArgs.CheckBatch(images, Name, name);
        if (images.dim() != 4)
            throw new ArgumentException($"{Name}: {name} must be images [B, C, H, W], got shape {AttributionArgs.Str(images.shape)}; add the channel dimension (x.unsqueeze(1)) for one-channel images", name);
        if (!images.is_floating_point())
            throw new ArgumentException($"{Name}: {name} are {images.dtype}; pass floating-point images", name);
        Checks.Finite(images, Name, name);
    }

    private static double[] CheckPercentages(IReadOnlyList<double> percentages)
    {
        if (percentages.Count == 0)
            throw new ArgumentException($"{Name}: percentages is empty; pass the shares of pixels to remove, e.g. 0.1 to 0.9", nameof(percentages));
        foreach (var p in percentages)
            if (!(p >= 0 && p <= 1))
                throw new ArgumentOutOfRangeException(nameof(percentages), p, $"{Name}: percentages holds {p}; each share of pixels to remove is in [0, 1] (0.2 is 20 %)");
        return [.. percentages];
    }

    private static void CheckNoise(double noise)
    {
        if (!(noise >= 0) || double.IsInfinity(noise))
            throw new ArgumentOutOfRangeException(nameof(noise), noise, $"{Name}: noise is the standard deviation of the imputation noise; it must be finite and ≥ 0");
    }
}
