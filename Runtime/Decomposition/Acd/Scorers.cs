using AttrDsl.Internal;
using AttrDsl.Attribution;

namespace AttrDsl.Decomposition.Acd;

/// <summary>
/// Region scorers for ACD (<see cref="RegionScorer"/>), each evaluating all M regions of a call as batches of model
/// rows (at most <c>maxRowsPerCall</c> rows per forward) instead of one forward per region.
/// </summary>
public static class Scorers
{
    /// <summary>
    /// Build-up: the target output on x with only the region kept and every other element set to
    /// <paramref name="baseline"/>: score(m) = f(m ⊙ x + (1 − m)·baseline).
    /// </summary>
    /// <param name="forward">The model, from a batch [N, ...x.shape] to outputs [N, ...].</param>
    /// <param name="x">One input sample, without a batch dimension (e.g. [1, 28, 28] for a [B, 1, 28, 28] CNN).</param>
    /// <param name="target">Which output to explain (one value per row; <see cref="Target.Class"/> or <see cref="Target.Max"/>).</param>
    /// <param name="baseline">The value of the elements outside the region (default 0).</param>
    /// <param name="maxRowsPerCall">The most rows per forward (default: all M rows of a call at once).</param>
    public static RegionScorer BuildUp(Func<Tensor, Tensor> forward, Tensor x, Target target, double baseline = 0, int? maxRowsPerCall = null) =>
        Perturbing(nameof(BuildUp), forward, x, target, maxRowsPerCall,
            (masks, xs) => masks * xs + (1 - masks) * baseline, reference: null, baseline);

    /// <inheritdoc cref="BuildUp(Func{Tensor, Tensor}, Tensor, Target, double, int?)"/>
    public static RegionScorer BuildUp(nn.Module<Tensor, Tensor> model, Tensor x, Target target, double baseline = 0, int? maxRowsPerCall = null) =>
        BuildUp(LiveCall(model), x, target, baseline, maxRowsPerCall);

    /// <summary>
    /// Occlusion with ACD's sign convention: the region is set to <paramref name="baseline"/> and the score is the
    /// drop it causes, score(m) = f(x) − f((1 − m) ⊙ x + m·baseline) (large when the region matters for the target).
    /// </summary>
    /// <inheritdoc cref="BuildUp(Func{Tensor, Tensor}, Tensor, Target, double, int?)"/>
    public static RegionScorer Occlusion(Func<Tensor, Tensor> forward, Tensor x, Target target, double baseline = 0, int? maxRowsPerCall = null) =>
        Perturbing(nameof(Occlusion), forward, x, target, maxRowsPerCall,
            (masks, xs) => (1 - masks) * xs + masks * baseline, reference: x, baseline);

    /// <inheritdoc cref="Occlusion(Func{Tensor, Tensor}, Tensor, Target, double, int?)"/>
    public static RegionScorer Occlusion(nn.Module<Tensor, Tensor> model, Tensor x, Target target, double baseline = 0, int? maxRowsPerCall = null) =>
        Occlusion(LiveCall(model), x, target, baseline, maxRowsPerCall);

    /// <summary>
    /// The scorer for a decomposition method such as contextual decomposition: <paramref name="relevantTargetScores"/>
    /// gets x (one sample, no batch dimension) and a chunk of masks [m, ...x.shape] and returns [m], the relevant part
    /// β of the target logit for each mask (CD with β = mask ⊙ x, γ = (1 − mask) ⊙ x at the input). ACD (Singh et al.
    /// 2019) scores regions exactly this way.
    /// </summary>
    /// <param name="relevantTargetScores">(x, masks [m, ...x.shape]) → relevant target scores [m].</param>
    /// <param name="x">One input sample, without a batch dimension.</param>
    /// <param name="maxRowsPerCall">The most masks per call of <paramref name="relevantTargetScores"/> (default: all at once).</param>
    public static RegionScorer FromDecomposition(Func<Tensor, Tensor, Tensor> relevantTargetScores, Tensor x, int? maxRowsPerCall = null)
    {
        const string name = nameof(FromDecomposition);
        ArgumentNullException.ThrowIfNull(relevantTargetScores);
        CheckSample(x, name);
        var rows = CheckRows(maxRowsPerCall, name);
        return masks =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            return InChunks(masks, x, rows, name, (chunk, n) => ScoreChecks.Scores(relevantTargetScores(x, chunk), n, name).to(float64))
                .MoveToOuterDisposeScope();
        };
    }

    /// <summary>
    /// ACD's own scorer: contextual decomposition of <paramref name="model"/> with β = mask ⊙ x and γ = (1 − mask) ⊙ x at
    /// the input, scoring each region by the relevant part β of the <paramref name="targetClass"/> logit. All masks of a
    /// call go through one CD pass (stacked along the batch).
    /// </summary>
    /// <param name="model">Any model <see cref="ContextualDecomposition"/> can decompose (TorchSharp layers and
    /// containers, or modules implementing <see cref="IDecomposable"/>).</param>
    /// <param name="x">One input sample, without a batch dimension.</param>
    /// <param name="targetClass">The logit to explain.</param>
    /// <param name="maxRowsPerCall">The most masks per CD pass (default: all at once).</param>
    public static RegionScorer ContextualDecomposition(nn.Module<Tensor, Tensor> model, Tensor x, long targetClass, int? maxRowsPerCall = null)
    {
        Checks.Live(model, "Scorers.ContextualDecomposition");
        if (targetClass < 0) throw new ArgumentOutOfRangeException(nameof(targetClass), targetClass, "the target class must be ≥ 0");
        return FromDecomposition((sample, masks) =>
        {
            var d = AttrDsl.Decomposition.ContextualDecomposition.Decompose(model, sample.unsqueeze(0), masks);
            var relevant = d.Relevant;
            if (relevant.dim() != 2 || targetClass >= relevant.size(1))
                throw new ArgumentOutOfRangeException(nameof(targetClass), targetClass,
                    $"{nameof(Scorers)}.{nameof(ContextualDecomposition)}: the model's logits have shape [{string.Join(", ", relevant.shape)}]; the target class must index their second dimension");
            return relevant.select(1, targetClass);
        }, x, maxRowsPerCall);
    }

    private static RegionScorer Perturbing(string name, Func<Tensor, Tensor> forward, Tensor x, Target target, int? maxRowsPerCall,
        Func<Tensor, Tensor, Tensor> perturb, Tensor? reference, double baselineValue)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(target);
        CheckSample(x, name);
        var rows = CheckRows(maxRowsPerCall, name);
        if (!double.IsFinite(baselineValue))
            throw new ArgumentException($"Scorers.{name}: baseline is {baselineValue}; every masked feature would take it and every score would be NaN. Pass a finite baseline (0 by default).", "baseline");
        forward = ModelCall.Guard(forward, $"Scorers.{name}");
        return masks =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var scores = InChunks(masks, x, rows, name, (chunk, n) =>
            {
                var xs = x.unsqueeze(0).expand(chunk.shape);
                var output = Checks.Output(forward(perturb(chunk, xs)), n, $"Scorers.{name}");
                return target.Select(output).to(float64);
            });
            if (reference is not null)
            {
                // f(x) once per call: the occlusion score is the drop from the unoccluded output.
                var full = Checks.Output(forward(reference.unsqueeze(0)), 1, $"Scorers.{name}");
                scores = target.Select(full).to(float64) - scores;
            }
            return scores.MoveToOuterDisposeScope();
        };
    }

    /// <summary>
    /// Checks the masks and scores them at most <paramref name="rows"/> at a time (each chunk moved to x's dtype and
    /// device), returning all M scores as float64 [M]. Runs in the caller's dispose scope.
    /// </summary>
    private static Tensor InChunks(Tensor masks, Tensor x, long rows, string name, Func<Tensor, long, Tensor> score)
    {
        var m = CheckMasks(masks, x, name);
        var parts = new List<Tensor>();
        for (long start = 0; start < m; start += rows)
        {
            var n = Math.Min(rows, m - start);
            parts.Add(score(masks.narrow(0, start, n).to(x.dtype, x.device), n));
        }
        return cat(parts, 0);
    }

    private static void CheckSample(Tensor x, string name)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.IsInvalid)
            throw new ObjectDisposedException(nameof(x), $"Scorers.{name}: x was disposed; pass a live tensor");
        if (x.dim() == 0 || x.numel() == 0)
            throw new ArgumentException($"Scorers.{name}: x has shape [{string.Join(", ", x.shape)}]; pass one non-empty input sample without a batch dimension (e.g. [1, 28, 28])", nameof(x));
        if (!x.is_floating_point())
            throw new ArgumentException($"Scorers.{name}: x is a {x.dtype} tensor; regions are scored by blending x with a baseline, so pass a floating-point input", nameof(x));
        Checks.Finite(x, $"Scorers.{name}", "x");
    }

    private static long CheckRows(int? maxRowsPerCall, string name)
    {
        if (maxRowsPerCall is { } r && r < 1)
            throw new ArgumentOutOfRangeException(nameof(maxRowsPerCall), r, $"Scorers.{name}: maxRowsPerCall must be at least 1 (or null for all rows at once)");
        return maxRowsPerCall ?? long.MaxValue;
    }

    private static long CheckMasks(Tensor masks, Tensor x, string name)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.IsInvalid)
            throw new ObjectDisposedException(nameof(masks), $"Scorers.{name}: the masks tensor was disposed; pass a live tensor");
        if (masks.dim() != x.dim() + 1 || !masks.shape.Skip(1).SequenceEqual(x.shape))
            throw new ArgumentException(
                $"Scorers.{name}: masks have shape [{string.Join(", ", masks.shape)}] but x has shape [{string.Join(", ", x.shape)}]; " +
                $"pass [M, {string.Join(", ", x.shape)}], one mask per region shaped like x", nameof(masks));
        return masks.size(0);
    }

    private static Func<Tensor, Tensor> LiveCall(nn.Module<Tensor, Tensor> model)
    {
        Checks.Live(model, "Scorers");
        return model.call;
    }
}
