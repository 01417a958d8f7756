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
        Checks.NotEmpty(x, method, nameof(x));
        if (!x.is_floating_point())
            throw new ArgumentException($"{method}: the inputs x are a {x.dtype} tensor; pass floating-point inputs", nameof(x));
        Checks.Finite(x, method, nameof(x));
        Checks.Live(mask, method, nameof(mask));
        var xs = x.shape;
        var ms = mask.shape;
        var fits = ms.Length == xs.Length && ms.Zip(xs).All(p => p.First == p.Second || p.First == 1);
        if (!fits)
            throw new ArgumentException(
                $"{method}: the mask of shape {Format.Shape(ms)} does not fit the inputs {Format.Shape(xs)}; give one mask per sample shaped like the inputs, " +
                $"or one shared mask with size 1 along the dimensions it does not vary in (e.g. [1, {string.Join(", ", xs[1..])}])", nameof(mask));
        Checks.Finite(mask, method, nameof(mask));
        return mask.detach().to(x.dtype, x.device);
    }

    /// <summary>
    /// The labels every penalty receives: live, one per sample of <paramref name="x"/>; integer class labels within the
    /// model's outputs once the output is known (<paramref name="classes"/>). A penalty that does not read the labels
    /// still refuses wrong ones: they are the same batch's labels the task loss trains on.
    /// </summary>
    public static void Labels(Tensor y, Tensor x, string method, long? classes = null)
    {
        Checks.Live(y, method, nameof(y));
        if (y.dim() >= 1 && y.size(0) != x.size(0))
            throw new ArgumentException($"{method}: y holds {y.size(0)} labels for a batch x of {x.size(0)} samples; pass one label per sample", nameof(y));
        // One output is a binary model's logit: its labels are 0/1, not indices into the outputs.
        if (classes is { } c && c > 1 && !y.is_floating_point() && y.dtype != ScalarType.Bool)
            Checks.Indices(y, c, method, nameof(y), "the model's outputs");
        if (y.is_floating_point()) Checks.Finite(y, method, nameof(y));
    }

    /// <summary>The number of classes in a model output [B, classes...] (1 for [B]).</summary>
    public static long Classes(Tensor output) => output.dim() < 2 ? 1 : output.numel() / Math.Max(1, output.size(0));

    /// <summary>1 for each sample whose mask marks something, 0 for a sample with an empty mask: [B], x's dtype, no graph.</summary>
    public static Tensor HasRegion(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var b = x.size(0);
        return mask.expand(x.shape).reshape(b, -1).ne(0).any(1).to(x.dtype).MoveToOuterDisposeScope();
    }

}
