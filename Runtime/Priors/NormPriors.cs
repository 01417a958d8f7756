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
        PriorChecks.Attributions(attributions, nameof(L1Attribution), 1, "attributions [B, ...]");
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
        PriorChecks.Attributions(attributions, nameof(L2Attribution), 1, "attributions [B, ...]");
        return attributions.square().mean();
    }
}

/// <summary>A prior written as a lambda, for experiments: <c>new CustomPrior("mask", (a, ctx) => (a * mask).square().sum())</c>.</summary>
public sealed class CustomPrior(string name, Func<Tensor, PriorContext, Tensor> loss) : IAttributionPrior
{
    /// <inheritdoc/>
    public string Name => name;
    /// <inheritdoc/>
    public Tensor Loss(Tensor attributions, PriorContext context) => loss(attributions, context);
}
