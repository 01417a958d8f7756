using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// The shared work of <see cref="Deletion"/> and <see cref="Insertion"/>: order each sample's features (or feature
/// groups) by attribution, most relevant first, and score the model after each of <c>steps</c> steps in batched calls.
/// </summary>
internal static class CurveEngine
{
    /// <summary>The most steps a curve takes (a million points per sample is already far beyond any image's pixel count that matters).</summary>
    internal const int MaxSteps = 1_000_000;

    internal static PerturbationCurve Run(bool deletion, string name, Func<Tensor, Tensor> forward, Tensor inputs, Tensor attributions, Target target,
        int steps, Tensor? baseline, Tensor? featureMask, CurveScore score, int? maxExamplesPerBatch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(forward);
        AttributionArgs.CheckBatch(inputs, name);
        if (!inputs.is_floating_point())
            throw new ArgumentException($"{name}: inputs are {inputs.dtype}; pass floating-point inputs (the model's input)", nameof(inputs));
        Checks.Live(attributions, name, nameof(attributions));
        forward = ModelCall.Guard(forward, name);
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), name);
        Checks.ShapedLikeInputs(attributions, inputs, name);
        if (steps < 1 || steps > MaxSteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"{name}: steps must be from 1 to 1,000,000 (the curve has steps + 1 points, each a forward pass per sample; more steps than features only repeats points)");
        Checks.Defined(score, nameof(score), name);
        Checks.Finite(inputs, name, nameof(inputs));
        var rows = AttributionValues.Rows(attributions, name);
        var b = inputs.size(0);
        var points = steps + 1;
        var perChunk = Infidelity.SamplesPerChunk(maxExamplesPerBatch, b, points, name);
        Checks.FitsInMemory((long)perChunk * b, inputs, name, nameof(steps), steps, $"B·(steps + 1) = {b}·{perChunk} perturbed rows at once",
            "lower steps, or set maxExamplesPerBatch to evaluate them in pieces");

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.detach();
        var reference = Reference(baseline, x, name, deletion ? "baseline" : "start");
        var mask = AblationEngine.ExpandFeatureMask(featureMask, x, name).reshape(b, -1).cpu();
        var groupsOf = mask.data<long>().ToArray();
        var d = rows[0].Length;
        // rank[s, i]: the position of feature i's group in sample s's most-relevant-first order; step k changes the
        // features whose rank is below n_k = round(k·G/steps), G the sample's number of groups.
        var rank = new long[b * d];
        var changed = new long[b * points];
        for (var s = 0; s < b; s++)
        {
            var (groupRank, groupCount) = RankGroups(rows[s], groupsOf.AsSpan((int)(s * d), d));
            for (var i = 0; i < d; i++) rank[s * d + i] = groupRank[groupsOf[s * d + i]];
            for (var k = 0; k < points; k++) changed[s * points + k] = (long)Math.Round((double)k * groupCount / steps, MidpointRounding.AwayFromZero);
        }
        var rankT = tensor(rank, [b, 1, d], device: x.device);
        var changedT = tensor(changed, [b, points, 1], device: x.device);
        var scored = Scored(forward, score, name);
        var feat = x.shape[1..];
        var chunks = new List<Tensor>();
        for (var k0 = 0; k0 < points; k0 += perChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var chunkScope = NewDisposeScope();
            var k = Math.Min(perChunk, points - k0);
            var stepMask = rankT.lt(changedT[.., k0..(k0 + k)]).reshape([b, k, .. feat]);   // true: changed at this step
            var values = deletion
                ? AblationEngine.EvalMasked(scored, target, x, reference, stepMask, name)        // changed → baseline
                : AblationEngine.EvalMasked(scored, target, reference, x, stepMask, name);       // changed → the input
            chunks.Add(values.to(ScalarType.Float64).cpu().MoveToOuterDisposeScope());
        }
        var all = cat(chunks, 1).contiguous().data<double>().ToArray();
        var scores = new double[b][];
        for (var s = 0; s < b; s++) scores[s] = all.AsSpan((int)(s * points), points).ToArray();
        var fractions = Enumerable.Range(0, points).Select(k => (double)k / steps).ToArray();
        return new PerturbationCurve(deletion ? "deletion" : "insertion", score, fractions, scores);
    }

    /// <summary>
    /// Each group's position in the most-relevant-first order (a group's relevance is the sum of its features'
    /// attributions; ties go to the lower group id, so the order is deterministic) and the number of groups.
    /// </summary>
    internal static (Dictionary<long, long> Rank, int Count) RankGroups(double[] attribution, ReadOnlySpan<long> groups)
    {
        var sums = new Dictionary<long, double>();
        for (var i = 0; i < groups.Length; i++) sums[groups[i]] = sums.GetValueOrDefault(groups[i]) + attribution[i];
        var order = sums.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Select(kv => kv.Key).ToArray();
        var rank = new Dictionary<long, long>(order.Length);
        for (var r = 0; r < order.Length; r++) rank[order[r]] = r;
        return (rank, order.Length);
    }

    /// <summary>The baseline (deletion) or start (insertion), checked and expanded to the inputs' shape; zeros when null.</summary>
    internal static Tensor Reference(Tensor? reference, Tensor x, string method, string name)
    {
        if (reference is null) return zeros_like(x);
        Checks.Live(reference, method, name);
        Checks.FloatingReference(reference, x.dtype, method, name);
        AttributionArgs.CheckBroadcastable(reference.shape, x.shape, $"{method}: {name}", "the inputs");
        Checks.Finite(reference, method, name);
        return reference.detach().to(x.dtype, x.device).expand(x.shape).contiguous();
    }

    /// <summary>The model as the curve scores it: its output, or the softmax of its output over dimension 1.</summary>
    internal static Func<Tensor, Tensor> Scored(Func<Tensor, Tensor> forward, CurveScore score, string method) => score == CurveScore.Logit ? forward : rows =>
    {
        var output = Checks.Output(forward(rows), rows.size(0), method);
        if (output.dim() < 2)
            throw new InvalidOperationException($"{method}: CurveScore.Probability takes the softmax over the classes, but the model returned shape {Format.Shape(output)} (no class dimension); return logits [B, classes] or pass score: CurveScore.Logit");
        return softmax(output, 1);
    };
}
