using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// The attribution of an arbitrary path: the trapezoid rule on ∫ ∂f/∂x_j dx_j over the path's actual
/// coordinates, Σ_k ½(g_k + g_{k+1}) ⊙ (p_{k+1} − p_k). Sums to f(end) − f(start) up to discretisation.
/// </summary>
public static class PathIntegral
{
    /// <summary>Attributions (shaped like one point) along <paramref name="path"/> [m, ...]; gradients in batches of <paramref name="batchSize"/> points.</summary>
    public static Tensor Integrate(Func<Tensor, Tensor> forward, Tensor path, Target target, int? batchSize = null) =>
        Integrate(forward, path, target, batchSize, nameof(PathIntegral));

    /// <summary>As the public form, with errors worded for <paramref name="method"/> (the method that built the path).</summary>
    internal static Tensor Integrate(Func<Tensor, Tensor> forward, Tensor path, Target target, int? batchSize, string method,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(target);
        Checks.NotEmpty(path, method, nameof(path));
        if (path.dim() < 1 || path.size(0) < 2) throw new ArgumentException($"{method}: a path needs at least 2 points, got shape [{string.Join(", ", path.shape)}]", nameof(path));
        if (batchSize is < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"{method}: batchSize must be at least 1 (or null for the whole path at once)");
        Checks.Finite(path, method, nameof(path));
        using var scope = NewDisposeScope();
        var chunks = batchSize is { } b ? path.split(b) : [path];
        // The model's output is checked where it is produced: null, integer or batch-reduced outputs get one clear message.
        var guarded = ModelCall.Guard(forward, method);
        Func<Tensor, Tensor> checkedForward = x => Checks.Output(guarded(x), x.size(0), method);
        // The target describes one sample (a class, or a one-element per-sample target): repeat it per point.
        var grads = cat(chunks.Select(c =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Gradients.Of(checkedForward, c, target.Repeat(c.size(0)), createGraph: false, method, requireFinite: true, inputChecked: true);
        }).ToList());
        var m = path.size(0);
        var steps = path.narrow(0, 1, m - 1) - path.narrow(0, 0, m - 1);
        var mid = (grads.narrow(0, 1, m - 1) + grads.narrow(0, 0, m - 1)) * 0.5;
        // dim: named — a literal 0 would bind to sum(ScalarType? type) (0 converts to any enum) and sum everything as Byte.
        return (mid * steps).sum(dim: 0).MoveToOuterDisposeScope();
    }
}
