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
    public static Tensor Integrate(Func<Tensor, Tensor> forward, Tensor path, Target target, int? batchSize = null)
    {
        if (path.size(0) < 2) throw new ArgumentException("a path needs at least 2 points");
        using var scope = NewDisposeScope();
        var chunks = batchSize is { } b ? path.split(b) : [path];
        // The target describes one sample (a class, or a one-element per-sample target): repeat it per point.
        var grads = cat(chunks.Select(c => Gradients.Of(forward, c, target.Repeat(c.size(0)))).ToList());
        var m = path.size(0);
        var steps = path.narrow(0, 1, m - 1) - path.narrow(0, 0, m - 1);
        var mid = (grads.narrow(0, 1, m - 1) + grads.narrow(0, 0, m - 1)) * 0.5;
        // dim: named — a literal 0 would bind to sum(ScalarType? type) (0 converts to any enum) and sum everything as Byte.
        return (mid * steps).sum(dim: 0).MoveToOuterDisposeScope();
    }
}
