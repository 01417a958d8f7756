using TorchSharp;
using AttrDsl.Internal;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>Shared plumbing of the gradient and path methods: argument checks, baselines, batched row gradients.</summary>
internal static class PathKit
{
    /// <summary>"[2, 3, 4]".</summary>
    public static string Shape(long[] shape) => Format.Shape(shape);

    /// <summary>"[2, 3, 4]".</summary>
    public static string Shape(Tensor t) => Format.Shape(t);

    /// <summary>Inputs must be a floating-point batch [B, ...].</summary>
    public static void CheckInputs(Tensor inputs, string name = "inputs", string? method = null)
    {
        Checks.Live(inputs, method ?? "attribution", name);
        var prefix = method is null ? "" : method + ": ";
        if (inputs.dim() < 1)
            throw new ArgumentException($"{prefix}{name} must be a batch [B, ...] with the samples along dimension 0, got a 0-dim tensor", name);
        if (!inputs.is_floating_point())
            throw new ArgumentException($"{prefix}{name} must be floating point to be differentiated, got {inputs.dtype}; convert it with .to(float32)", name);
    }

    /// <summary>
    /// The baselines broadcast to the inputs' shape [B, ...] in the inputs' dtype (a new tensor in the current scope);
    /// null means zeros. Accepts one baseline per sample [B, ...], one shaped like a sample [...], a scalar tensor,
    /// or anything else that broadcasts to the inputs (never the other way round).
    /// </summary>
    public static Tensor BroadcastBaselines(Tensor inputs, Tensor? baselines, string? method = null, string name = "baselines")
    {
        if (baselines is null) return zeros_like(inputs);
        Checks.Live(baselines, method ?? "attribution", name);
        Checks.FloatingReference(baselines, inputs.dtype, method ?? "attribution", name);
        var bs = baselines.shape;
        var xs = inputs.shape;
        var ok = bs.Length <= xs.Length;
        for (var i = 1; ok && i <= bs.Length; i++)
            ok = bs[^i] == xs[^i] || bs[^i] == 1;
        if (!ok)
            throw new ArgumentException(
                $"{(method is null ? "" : method + ": ")}{name} of shape {Shape(bs)} cannot be broadcast to the inputs' shape {Shape(xs)}: pass one baseline per sample {Shape(xs)}, " +
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

    /// <summary>A shape [n, 1, 1, ...] of the given rank, for broadcasting a per-row scalar over the features.</summary>
    public static long[] RowShape(long n, long rank)
    {
        var s = new long[rank];
        Array.Fill(s, 1L);
        s[0] = n;
        return s;
    }

    /// <summary>
    /// The checks every public method applies to its batch, in this order, each with the method's name: not null or
    /// empty (<see cref="Checks.NotEmpty"/>), a floating-point batch [B, ...] (<see cref="CheckInputs"/>), finite
    /// (<see cref="Checks.Finite"/>), and per-sample targets, when given, one per sample (<see cref="Checks.TargetCount"/>).
    /// </summary>
    public static void CheckBatch(Tensor inputs, Target target, string method, string name = "inputs")
    {
        CheckInputBatch(inputs, method, name);
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), method);
    }

    /// <summary>The batch checks without a target: not null or empty, a floating-point batch [B, ...], finite.</summary>
    public static void CheckInputBatch(Tensor inputs, string method, string name = "inputs")
    {
        Checks.NotEmpty(inputs, method, name);
        CheckInputs(inputs, name, method);
        Checks.Finite(inputs, method, name);
    }

    /// <summary>
    /// Checks the rows that were drawn from a reference set (a background or baselines distribution) for NaN and
    /// ±Inf. Only the drawn rows are scanned — a full scan of a training-set background on every call would cost
    /// more than the attribution — and a non-finite row is reported, by a scan of the whole set, at its first
    /// non-finite element there.
    /// </summary>
    public static void CheckDrawnFinite(Tensor drawn, Tensor set, string method, string name)
    {
        if (!Checks.AllFinite(drawn)) Checks.Finite(set, method, name);
    }

    /// <summary>
    /// ∂(Σ_r target(f(rows))_r)/∂rows on a fresh leaf, for a <paramref name="target"/> that addresses exactly these
    /// rows. The model's output is checked (<see cref="Checks.Output"/>), and its gradient taken as
    /// <see cref="Gradients.OfSelected"/> takes it (non-differentiable or input-ignoring models are errors).
    /// </summary>
    public static Tensor ChunkGradient(Func<Tensor, Tensor> forward, Tensor rows, Target target, bool createGraph, string method)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var n = rows.size(0);
        var leaf = rows.detach().requires_grad_();
        var output = Checks.Output(forward(leaf), n, method);
        return Gradients.OfSelected(target.Select(output), leaf, createGraph, method).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ∂(Σ_r target(f(points))_r)/∂points for a batch of independent rows [N, ...], each row on a fresh leaf,
    /// pushing at most <paramref name="chunk"/> rows through the model at a time (all at once when null).
    /// <paramref name="target"/> must address all N rows (see <see cref="ChunkGradient"/>).
    /// </summary>
    public static Tensor RowGradients(Func<Tensor, Tensor> forward, Tensor points, Target target, int? chunk, bool createGraph, string method)
    {
        var total = points.size(0);
        if (chunk is { } c && c < 1)
            throw new ArgumentOutOfRangeException(nameof(chunk), c, $"internalBatchSize must be at least 1, got {c}");
        var size = chunk is { } cs && cs < total ? cs : Math.Max(total, 1);
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < total; start += size)
        {
            var n = Math.Min(size, total - start);
            using var slice = points.narrow(0, start, n);
            var rowsTarget = start == 0 && n == total ? target : target.Slice(start, n);
            parts.Add(ChunkGradient(forward, slice, rowsTarget, createGraph, method));
        }
        if (parts.Count == 0) return zeros_like(points).MoveToOuterDisposeScope();
        var result = parts.Count == 1 ? parts[0] : cat(parts);
        return result.MoveToOuterDisposeScope();
    }
}
