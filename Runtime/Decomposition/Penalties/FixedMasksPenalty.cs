using AttrDsl.Attribution;
using AttrDsl.Internal;

namespace AttrDsl.Decomposition.Penalties;

/// <summary>
/// A penalty over a fixed set of regions shared by every sample, summed: Σ_s penalty(x, mask_s). This is how CDEP
/// penalises a cue that is not one region of the image, e.g. ColorMNIST's colour: each single-channel mask
/// (<c>ColorMnist.ChannelMasks()</c>) is one region s. The mask the trainer passes with the batch is ignored.
/// </summary>
public sealed class FixedMasksPenalty : IExplanationPenalty
{
    private readonly IExplanationPenalty _inner;
    private readonly Tensor _masks;

    /// <summary>Creates the penalty.</summary>
    /// <param name="inner">The penalty applied to each region (CDEP, RRR, the EG penalty).</param>
    /// <param name="masks">The regions, [S, ...sample shape]: row s is one mask, broadcast over the batch. Kept, not copied.</param>
    /// <param name="name">The name in reports (default: the inner penalty's name with " (S masks)").</param>
    /// <exception cref="ArgumentException">No masks, or a disposed tensor.</exception>
    public FixedMasksPenalty(IExplanationPenalty inner, Tensor masks, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.IsInvalid) throw new ObjectDisposedException(nameof(masks), "FixedMasksPenalty: the masks were disposed; pass a live tensor");
        if (masks.dim() < 1 || masks.size(0) == 0)
            throw new ArgumentException($"FixedMasksPenalty: masks of shape {Format.Shape(masks.shape)} hold no mask; pass [S ≥ 1, ...] (one mask per row)", nameof(masks));
        Checks.Finite(masks, "FixedMasksPenalty", nameof(masks));
        (_inner, _masks) = (inner, masks);
        Name = name ?? $"{inner.Name} ({masks.size(0)} masks)";
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    /// <remarks><paramref name="mask"/> is ignored: the fixed masks are used instead.</remarks>
    public Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Tensor mask)
    {
        ObjectDisposedException.ThrowIf(_masks.IsInvalid, _masks);
        using var scope = NewDisposeScope();
        // The batch's own mask is not used, but it is the batch's data: one that does not fit x is still a mistake.
        if (mask is not null) PenaltyMasks.Check(x, mask, "FixedMasksPenalty");
        Tensor? total = null;
        for (long s = 0; s < _masks.size(0); s++)
        {
            var region = _masks.narrow(0, s, 1);             // [1, ...]: broadcast over the batch
            var value = _inner.Loss(model, x, y, region);
            total = total is null ? value : total + value;
        }
        return total!.MoveToOuterDisposeScope();
    }
}
