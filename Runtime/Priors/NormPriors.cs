using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Priors;

/// <summary>L1 attribution prior: the mean absolute attribution.</summary>
public sealed class L1Attribution : IAttributionPrior
{
    /// <inheritdoc/>
    public string Name => "L1";
    /// <inheritdoc/>
    public Tensor Loss(Tensor attributions, PriorContext context)
    {
        PriorChecks.Attributions(attributions, context, nameof(L1Attribution), 1, "attributions [B, ...]");
        return attributions.abs().mean();
    }
}

/// <summary>L2 attribution prior: the mean squared attribution.</summary>
public sealed class L2Attribution : IAttributionPrior
{
    /// <inheritdoc/>
    public string Name => "L2";
    /// <inheritdoc/>
    public Tensor Loss(Tensor attributions, PriorContext context)
    {
        PriorChecks.Attributions(attributions, context, nameof(L2Attribution), 1, "attributions [B, ...]");
        return attributions.square().mean();
    }
}

/// <summary>A prior written as a lambda, for experiments: <c>new CustomPrior("mask", (a, ctx) => (a * mask).square().sum())</c>.</summary>
public sealed class CustomPrior : IAttributionPrior
{
    private readonly string _name;
    private readonly Func<Tensor, PriorContext, Tensor> _loss;

    /// <summary>A prior named <paramref name="name"/> computing Ω with <paramref name="loss"/>(attributions, context).</summary>
    /// <exception cref="ArgumentNullException">A null name or loss.</exception>
    public CustomPrior(string name, Func<Tensor, PriorContext, Tensor> loss)
    {
        _name = name ?? throw new ArgumentNullException(nameof(name));
        _loss = loss ?? throw new ArgumentNullException(nameof(loss));
    }

    /// <inheritdoc/>
    public string Name => _name;

    /// <summary>The lambda's Ω, unchecked (the trainer checks it with its own messages); libtorch errors inside it are named.</summary>
    internal Tensor Compute(Tensor attributions, PriorContext context) =>
        AttrDsl.Internal.ModelCall.Run(() => _loss(attributions, context), $"CustomPrior '{_name}'", attributions);

    /// <summary>
    /// Ω from the lambda, on checked attributions (floating point, not empty, finite); its result must be one finite
    /// floating-point value, since the trainer adds λ·Ω to the task loss.
    /// </summary>
    /// <exception cref="InvalidOperationException">The lambda returned null, not one value, an integer or a non-finite value.</exception>
    public Tensor Loss(Tensor attributions, PriorContext context)
    {
        var method = $"CustomPrior '{_name}'";
        PriorChecks.Attributions(attributions, context, method, 1, "attributions [B, ...]");
        var omega = Compute(attributions, context)
                    ?? throw new InvalidOperationException($"{method}: the loss function returned null; return Ω as a 0-dim tensor");
        if (omega.IsInvalid) throw new InvalidOperationException($"{method}: the loss function returned a disposed tensor; return it out of your dispose scope (MoveToOuterDisposeScope())");
        if (omega.numel() != 1)
            throw new InvalidOperationException($"{method}: the loss function returned shape {AttrDsl.Internal.Format.Shape(omega)}; a prior is one value (a scalar) — reduce it, e.g. with .sum() or .mean()");
        if (!omega.is_floating_point())
            throw new InvalidOperationException($"{method}: the loss function returned a {omega.dtype} tensor; return a floating-point Ω computed from the attributions (so it can be differentiated)");
        if (!AttrDsl.Attribution.Checks.AllFinite(omega))
            throw new InvalidOperationException($"{method}: the loss function returned {AttrDsl.Internal.Format.Value(omega.reshape(-1)[0])} for finite attributions; check it for a log or division of zero");
        return omega;
    }
}
