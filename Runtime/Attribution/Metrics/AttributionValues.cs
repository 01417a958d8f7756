using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>The argument checks and per-sample flattening the faithfulness metrics share.</summary>
internal static class AttributionValues
{
    /// <summary>
    /// Checks that <paramref name="attributions"/> is a live, finite, floating-point batch [B, ...] and returns its rows as
    /// float64 arrays (one per sample): the metrics sort, rank and sum per sample, which is simplest and exact in doubles.
    /// </summary>
    internal static double[][] Rows(Tensor attributions, string method, string name = "attributions")
    {
        AttributionArgs.CheckBatch(attributions, method, name);
        if (!attributions.is_floating_point())
            throw new ArgumentException($"{method}: {name} are {attributions.dtype}; attributions are floating point (the output of an attribution method)", name);
        Checks.Finite(attributions, method, name);
        using var scope = NewDisposeScope();
        var b = attributions.size(0);
        var flat = attributions.detach().to(ScalarType.Float64).cpu().reshape(b, -1);
        var d = (int)flat.size(1);
        var all = flat.data<double>().ToArray();
        var rows = new double[b][];
        for (var i = 0; i < b; i++) rows[i] = all.AsSpan(i * d, d).ToArray();
        return rows;
    }

    /// <summary>Trapezoid area under (x, y) for ascending x.</summary>
    internal static double Trapezoid(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var area = 0.0;
        for (var i = 1; i < x.Count; i++) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
        return area;
    }
}
