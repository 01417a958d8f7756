using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Autograd;

namespace AttrDsl.Attribution;

/// <summary>Shared plumbing of the gradient and path methods: argument checks, baselines, batched row gradients.</summary>
internal static class PathKit
{
    /// <summary>"[2, 3, 4]".</summary>
    public static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>"[2, 3, 4]".</summary>
    public static string Shape(Tensor t) => Shape(t.shape);

    /// <summary>Inputs must be a floating-point batch [B, ...].</summary>
    public static void CheckInputs(Tensor inputs, string name = "inputs")
    {
        ArgumentNullException.ThrowIfNull(inputs, name);
        if (inputs.dim() < 1)
            throw new ArgumentException($"{name} must be a batch [B, ...] with the samples along dimension 0, got a 0-dim tensor", name);
        if (!inputs.is_floating_point())
            throw new ArgumentException($"{name} must be floating point to be differentiated, got {inputs.dtype}", name);
    }

    /// <summary>
    /// The baselines broadcast to the inputs' shape [B, ...] in the inputs' dtype (a new tensor in the current scope);
    /// null means zeros. Accepts one baseline per sample [B, ...], one shaped like a sample [...], a scalar tensor,
    /// or anything else that broadcasts to the inputs (never the other way round).
    /// </summary>
    public static Tensor BroadcastBaselines(Tensor inputs, Tensor? baselines, string name = "baselines")
    {
        if (baselines is null) return zeros_like(inputs);
        var bs = baselines.shape;
        var xs = inputs.shape;
        var ok = bs.Length <= xs.Length;
        for (var i = 1; ok && i <= bs.Length; i++)
            ok = bs[^i] == xs[^i] || bs[^i] == 1;
        if (!ok)
            throw new ArgumentException(
                $"{name} of shape {Shape(bs)} cannot be broadcast to the inputs' shape {Shape(xs)}: pass one baseline per sample {Shape(xs)}, " +
                $"one shaped like a single sample {Shape(xs[1..])}, a scalar, or any shape that broadcasts to {Shape(xs)}", name);
        using var cast = baselines.to(inputs.dtype);
        using var expanded = cast.expand(xs);
        return expanded.detach();
    }

    /// <summary>[B, ...] → [B·times, ...], each row repeated <paramref name="times"/> times in a row (sample-major).</summary>
    public static Tensor RepeatRows(Tensor x, long times)
    {
        if (times == 1) return x.alias();
        var shape = x.shape;
        var expandedShape = new long[shape.Length + 1];
        expandedShape[0] = shape[0];
        expandedShape[1] = times;
        Array.Copy(shape, 1, expandedShape, 2, shape.Length - 1);
        var flatShape = (long[])shape.Clone();
        flatShape[0] = shape[0] * times;
        using var u = x.unsqueeze(1);
        using var e = u.expand(expandedShape);
        return e.reshape(flatShape);
    }

    /// <summary>[B·k, ...] → [B, k, ...].</summary>
    public static Tensor SplitRows(Tensor x, long b, long k)
    {
        var shape = x.shape;
        var s = new long[shape.Length + 1];
        s[0] = b;
        s[1] = k;
        Array.Copy(shape, 1, s, 2, shape.Length - 1);
        return x.reshape(s);
    }

    /// <summary>[1, n, 1, ...] with <paramref name="inputRank"/> − 1 trailing ones: a per-step value broadcast over [B, n, ...].</summary>
    public static long[] StepShape(long n, long inputRank)
    {
        var s = new long[inputRank + 1];
        Array.Fill(s, 1L);
        s[1] = n;
        return s;
    }

    /// <summary>A shape [n, 1, 1, ...] of the given rank, for broadcasting a per-row scalar over the features.</summary>
    public static long[] RowShape(long n, long rank)
    {
        var s = new long[rank];
        Array.Fill(s, 1L);
        s[0] = n;
        return s;
    }

    /// <summary>
    /// Selects <paramref name="target"/> from the output rows [start, start + n) of a batch of <paramref name="total"/>
    /// rows, through <see cref="Target.Slice"/> (per-sample labels are narrowed to the chunk).
    /// </summary>
    public static Tensor SelectRows(Tensor output, Target target, long start, long total)
    {
        var n = output.size(0);
        return start == 0 && n == total ? target.Select(output) : target.Slice(start, n).Select(output);
    }

    /// <summary>
    /// ∂(Σ_r target(f(points))_r)/∂points for a batch of independent rows [N, ...], each row on a fresh leaf,
    /// pushing at most <paramref name="chunk"/> rows through the model at a time (all at once when null).
    /// <paramref name="target"/> must address all N rows. A selected output that does not depend on the input gives
    /// zeros; one that is not differentiable at all (computed under no_grad) throws.
    /// </summary>
    public static Tensor RowGradients(Func<Tensor, Tensor> forward, Tensor points, Target target, int? chunk, bool createGraph = false)
    {
        var total = points.size(0);
        if (chunk is { } c && c < 1)
            throw new ArgumentOutOfRangeException(nameof(chunk), c, $"internalBatchSize must be at least 1, got {c}");
        var size = chunk is { } cs && cs < total ? cs : Math.Max(total, 1);
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var parts = new List<Tensor>();
        for (long start = 0; start < total; start += size)
        {
            var n = Math.Min(size, total - start);
            using var inner = NewDisposeScope();
            using var slice = points.narrow(0, start, n);
            var leaf = slice.detach().requires_grad_();
            var output = forward(leaf);
            if (output.dim() < 1 || output.size(0) != n)
                throw new InvalidOperationException(
                    $"the model returned an output of shape {Shape(output)} for a batch of {n} rows of shape {Shape(leaf)}: its first dimension must be the batch");
            var selected = SelectRows(output, target, start, total);
            if (!selected.requires_grad)
                throw new InvalidOperationException(
                    "the selected model output does not require grad, so it cannot be differentiated with respect to the input: was it computed under no_grad() or from detached tensors?");
            var sum = selected.sum();
            var g = GuardedAutograd.Grad([sum], [leaf], createGraph: createGraph, allowUnused: true)[0];
            parts.Add(g.MoveToOuterDisposeScope());
        }
        if (parts.Count == 0) return zeros_like(points).MoveToOuterDisposeScope();
        var result = parts.Count == 1 ? parts[0] : cat(parts);
        return result.MoveToOuterDisposeScope();
    }
}
