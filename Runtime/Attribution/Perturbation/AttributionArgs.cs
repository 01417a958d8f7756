using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>Argument checks and shape helpers shared by the perturbation, layer and metric methods.</summary>
internal static class AttributionArgs
{
    internal static string Str(long[] shape) => Format.Shape(shape);

    internal static long Product(IEnumerable<long> sizes)
    {
        long n = 1;
        foreach (var s in sizes) n *= s;
        return n;
    }

    /// <summary>Throws unless <paramref name="from"/> broadcasts to <paramref name="to"/> (right-aligned, each size equal or 1).</summary>
    internal static void CheckBroadcastable(long[] from, long[] to, string what, string toWhat)
    {
        if (from.Length > to.Length)
            throw new ArgumentException($"{what} of shape {Str(from)} cannot be broadcast to {toWhat} of shape {Str(to)}: it has more dimensions ({from.Length} > {to.Length})");
        for (var i = 1; i <= from.Length; i++)
        {
            var f = from[^i];
            var t = to[^i];
            if (f != t && f != 1)
                throw new ArgumentException($"{what} of shape {Str(from)} cannot be broadcast to {toWhat} of shape {Str(to)}: dimension {to.Length - i} has size {f}, expected 1 or {t}");
        }
    }

    /// <summary>
    /// Throws unless <paramref name="inputs"/> is a batch: at least [B, features], B ≥ 1. The empty batch goes through
    /// <see cref="Checks.NotEmpty"/> first, so every method words that rule the same way.
    /// </summary>
    internal static void CheckBatch(Tensor inputs, string method, string name = "inputs")
    {
        Checks.NotEmpty(inputs, method, name);
        if (inputs.dim() < 2)
            throw new ArgumentException($"{method}: {name} must be a batch [B, ...] with at least one feature dimension, got shape {Str(inputs.shape)}", name);
    }

    /// <summary>
    /// target.Select(output) as [rows], after <see cref="Checks.Output"/> has checked what the model returned (not null,
    /// floating point, one output row per input row: a model that reduces over the batch would otherwise fail deep
    /// inside the target).
    /// </summary>
    internal static Tensor Select(Target target, Tensor? output, long rows, string method)
    {
        Checks.Output(output, rows, method);
        using var selected = target.Select(output!);
        return PerRow(selected, rows, method);
    }

    /// <summary>Checks that a target selection returned one value per row and returns it as [rows].</summary>
    internal static Tensor PerRow(Tensor selected, long rows, string method)
    {
        if (selected.numel() != rows)
            throw new InvalidOperationException($"{method}: the target selected {selected.numel()} values (shape {Str(selected.shape)}) from a batch of {rows} rows; the model must return one row per input row");
        return selected.reshape(rows);
    }

    /// <summary>A view of <paramref name="t"/> ([n]) shaped to broadcast along dimension 1 of a rank-<paramref name="rank"/> tensor.</summary>
    internal static Tensor AlongDim1(Tensor t, long rank)
    {
        var shape = new long[rank];
        Array.Fill(shape, 1L);
        shape[1] = t.numel();
        return t.reshape(shape);
    }
}
