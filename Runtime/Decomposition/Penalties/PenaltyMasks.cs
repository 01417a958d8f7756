using AttrDsl.Attribution;

using AttrDsl.Internal;

namespace AttrDsl.Decomposition.Penalties;

/// <summary>The mask rules every explanation penalty shares.</summary>
internal static class PenaltyMasks
{
    /// <summary>
    /// Checks that <paramref name="mask"/> is a live, finite tensor broadcastable to the batch <paramref name="x"/>
    /// (same number of dimensions, each of x's size or 1) and returns it in x's dtype, on x's device, without a graph:
    /// a mask is data, not something to train.
    /// </summary>
    public static Tensor Check(Tensor x, Tensor mask, string method)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(mask);
        Checks.NotEmpty(x, method, "inputs");
        if (!x.is_floating_point())
            throw new ArgumentException($"{method}: the inputs are a {x.dtype} tensor; pass floating-point inputs", nameof(x));
        Checks.Live(mask, method, nameof(mask));
        var xs = x.shape;
        var ms = mask.shape;
        var fits = ms.Length == xs.Length && ms.Zip(xs).All(p => p.First == p.Second || p.First == 1);
        if (!fits)
            throw new ArgumentException(
                $"{method}: the mask of shape {Format.Shape(ms)} does not fit the inputs {Format.Shape(xs)}; give one mask per sample shaped like the inputs, " +
                $"or one shared mask with size 1 along the dimensions it does not vary in (e.g. [1, {string.Join(", ", xs[1..])}])", nameof(mask));
        Checks.Finite(mask, method, "the mask");
        return mask.detach().to(x.dtype, x.device);
    }

    /// <summary>1 for each sample whose mask marks something, 0 for a sample with an empty mask: [B], x's dtype, no graph.</summary>
    public static Tensor HasRegion(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var b = x.size(0);
        return mask.expand(x.shape).reshape(b, -1).ne(0).any(1).to(x.dtype).MoveToOuterDisposeScope();
    }

}
