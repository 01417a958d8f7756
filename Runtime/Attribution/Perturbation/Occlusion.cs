using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Occlusion (Zeiler &amp; Fergus; Captum's <c>Occlusion</c>): a window slides over the non-batch
/// dimensions of each input, the covered elements are replaced by a baseline, and every element is
/// attributed the drop of the selected output, f(x) − f(x with the window occluded), averaged over all
/// windows that cover it.
/// <para>
/// Window positions along a dimension of size n with window w and stride s start at 0, s, 2s, ...:
/// ⌈(n − w)/s⌉ + 1 of them, the last one cut off at the border (Captum's layout), so every element is
/// covered at least once. Windows are evaluated <c>perturbationsPerEval</c> at a time, as one batch of
/// B·k rows (sample-major).
/// </para>
/// </summary>
public sealed class Occlusion
{
    private const string Name = nameof(Occlusion);
    private readonly Func<Tensor, Tensor> _forward;

    /// <summary>Occlusion of a model given as a function from a batch to its outputs [B, ...].</summary>
    public Occlusion(Func<Tensor, Tensor> forward) => _forward = ModelCall.Guard(forward ?? throw new ArgumentNullException(nameof(forward)), nameof(Occlusion));

    /// <summary>Occlusion of a module (its <c>forward</c>; set eval mode yourself where dropout or batch norm matter).</summary>
    public Occlusion(torch.nn.Module<Tensor, Tensor> model) : this((model ?? throw new ArgumentNullException(nameof(model))).call) { }

    /// <summary>
    /// Attributions shaped like <paramref name="inputs"/>: for each element the mean, over the windows
    /// covering it, of f(x) − f(x occluded) for the selected output.
    /// </summary>
    /// <param name="inputs">A batch [B, ...].</param>
    /// <param name="target">Which output to explain (one value per sample).</param>
    /// <param name="slidingWindowShapes">The window size along each non-batch dimension (e.g. [1, 3, 3] for a 3×3 patch of one channel of [B, C, H, W]).</param>
    /// <param name="strides">
    /// The step along each non-batch dimension; default 1 everywhere. Where the window is smaller than the dimension the
    /// stride may not exceed the window (elements between windows would never be occluded).
    /// </param>
    /// <exception cref="ArgumentException">
    /// An empty batch, non-finite inputs or baselines, a window or stride that does not fit the input, or a baseline
    /// that does not broadcast.
    /// </exception>
    /// <exception cref="InvalidOperationException">The model returned null, an integer tensor, or not one row per input row.</exception>
    /// <param name="baselines">What occluded elements become: a constant (default 0) or a tensor broadcastable to the input.</param>
    /// <param name="perturbationsPerEval">How many windows are evaluated in one forward pass (B·k rows).</param>
    /// <param name="cancellationToken">Checked before any work and before every forward pass of <paramref name="perturbationsPerEval"/> windows: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, long[] slidingWindowShapes, long[]? strides = null,
        AblationBaseline baselines = default, int perturbationsPerEval = 1, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AttributionArgs.CheckBatch(inputs, Name);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(slidingWindowShapes);
        var shape = inputs.shape;
        var feat = shape[1..];
        var r = feat.Length;
        if (slidingWindowShapes.Length != r)
            throw new ArgumentException($"{Name}: slidingWindowShapes {AttributionArgs.Str(slidingWindowShapes)} has {slidingWindowShapes.Length} entries but the input {AttributionArgs.Str(shape)} has {r} non-batch dimensions; give one window size per non-batch dimension", nameof(slidingWindowShapes));
        strides ??= Enumerable.Repeat(1L, r).ToArray();
        if (strides.Length != r)
            throw new ArgumentException($"{Name}: strides {AttributionArgs.Str(strides)} has {strides.Length} entries but the input {AttributionArgs.Str(shape)} has {r} non-batch dimensions", nameof(strides));
        for (var d = 0; d < r; d++)
        {
            if (slidingWindowShapes[d] < 1)
                throw new ArgumentOutOfRangeException(nameof(slidingWindowShapes), $"{Name}: window sizes must be at least 1, got {AttributionArgs.Str(slidingWindowShapes)}");
            if (slidingWindowShapes[d] > feat[d])
                throw new ArgumentException($"{Name}: the sliding window {AttributionArgs.Str(slidingWindowShapes)} is larger than the input's non-batch shape {AttributionArgs.Str(feat)} in dimension {d + 1} ({slidingWindowShapes[d]} > {feat[d]})", nameof(slidingWindowShapes));
            if (strides[d] < 1)
                throw new ArgumentOutOfRangeException(nameof(strides), $"{Name}: strides must be at least 1, got {AttributionArgs.Str(strides)}");
            // A stride past the window skips the elements between two windows: they are never occluded, their
            // coverage is 0 and their attribution 0/0 = NaN. Captum rejects this too. (A window as large as the
            // dimension has one position whatever the stride, so any stride is fine there.)
            if (strides[d] > slidingWindowShapes[d] && slidingWindowShapes[d] < feat[d])
                throw new ArgumentException(
                    $"{Name}: in dimension {d + 1} (size {feat[d]}) the stride {strides[d]} is larger than the window {slidingWindowShapes[d]}, " +
                    $"so the elements between windows would never be occluded (their attribution would be NaN); use a stride of at most {slidingWindowShapes[d]} there " +
                    $"(window {AttributionArgs.Str(slidingWindowShapes)}, strides {AttributionArgs.Str(strides)})", nameof(strides));
        }
        if (perturbationsPerEval < 1)
            throw new ArgumentOutOfRangeException(nameof(perturbationsPerEval), perturbationsPerEval, $"{Name}: perturbationsPerEval must be at least 1");

        var counts = new long[r];
        for (var d = 0; d < r; d++) counts[d] = (feat[d] - slidingWindowShapes[d] + strides[d] - 1) / strides[d] + 1;
        var windows = AttributionArgs.Product(counts);
        var total = AttributionArgs.Product(feat);
        var featStrides = new long[r];
        for (long d = r - 1, s = 1; d >= 0; s *= feat[d], d--) featStrides[d] = s;

        Checks.Finite(inputs, Name, nameof(inputs));
        baselines.CheckFinite(Name);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.detach();
        var replacement = baselines.Materialize(x, $"{Name}: baselines");
        var f0 = AblationEngine.Eval(_forward, target, x, Name);
        var accType = AblationEngine.AccumulationType(f0);
        var sum = zeros([x.size(0), total], accType, x.device);
        var cover = new double[total];

        for (long start = 0; start < windows; start += perturbationsPerEval)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var chunkScope = NewDisposeScope();
            var k = Math.Min(perturbationsPerEval, windows - start);
            var maskData = new bool[k * total];
            for (long j = 0; j < k; j++)
                FillWindow(maskData, j * total, start + j, counts, slidingWindowShapes, strides, feat, featStrides, cover);
            var mask = tensor(maskData, [1, k, .. feat], device: x.device);
            var outputs = AblationEngine.EvalMasked(_forward, target, x, replacement, mask, Name);
            var drop = f0.to(accType).unsqueeze(1) - outputs.to(accType);                // [B, k]
            sum.add_(AblationEngine.Spread(drop, mask));
        }

        var coverage = tensor(cover).to(accType, x.device);
        return (sum / coverage).reshape(shape).MoveToOuterDisposeScope();
    }

    /// <summary>Marks window number <paramref name="window"/> (last dimension fastest) in a flat mask and counts coverage.</summary>
    private static void FillWindow(bool[] mask, long offset, long window, long[] counts, long[] sizes, long[] strides, long[] feat, long[] featStrides, double[] cover)
    {
        var r = counts.Length;
        var begin = new long[r];
        var end = new long[r];
        var rest = window;
        for (var d = r - 1; d >= 0; d--)
        {
            begin[d] = rest % counts[d] * strides[d];
            end[d] = Math.Min(begin[d] + sizes[d], feat[d]);
            rest /= counts[d];
        }
        var idx = (long[])begin.Clone();
        while (true)
        {
            long flat = 0;
            for (var d = 0; d < r; d++) flat += idx[d] * featStrides[d];
            mask[offset + flat] = true;
            cover[flat] += 1;
            var dd = r - 1;
            while (dd >= 0 && ++idx[dd] == end[dd]) { idx[dd] = begin[dd]; dd--; }
            if (dd < 0) return;
        }
    }
}
