using AttrDsl.Internal;
using AttrDsl.Attribution;

namespace AttrDsl.Decomposition.Penalties;

/// <summary>
/// The expected-gradients penalty compared with CDEP (Erion et al.'s attribution priors, restricted to a region):
/// the mean over samples of the summed absolute expected-gradients attribution inside the mask,
/// <code>(1/B) Σ_b Σ_i |mask_bi · EG_bi|</code>
/// with EG of the labelled class (<see cref="Target.PerSample"/> for int64 labels, the output itself otherwise),
/// k references per sample drawn from the background set with α ~ U(0, 1) (<see cref="InterpolationBatch"/>, from
/// the global generator: seed with <c>torch.manual_seed</c> to reproduce a draw), and create_graph so the penalty is
/// differentiable in the weights.
/// </summary>
public sealed class ExpectedGradientsPenalty : IExplanationPenalty
{
    private const string Method = "ExpectedGradientsPenalty";
    private readonly Tensor _background;

    /// <summary>Creates the penalty.</summary>
    /// <param name="background">The references' data set [N, ...] (usually the training inputs); kept, not copied.</param>
    /// <param name="references">k, references per sample (≥ 1).</param>
    /// <exception cref="ArgumentException">The background set is empty or holds NaN/±Inf.</exception>
    public ExpectedGradientsPenalty(Tensor background, int references = 1)
    {
        ArgumentNullException.ThrowIfNull(background);
        ArgumentOutOfRangeException.ThrowIfLessThan(references, 1);
        Checks.NotEmpty(background, Method, "the background set");
        Checks.Finite(background, Method, "the background set");
        (_background, References) = (background, references);
    }

    /// <summary>k, references per sample.</summary>
    public int References { get; }

    /// <inheritdoc/>
    public string Name => "EG penalty";

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Empty, non-floating or non-finite inputs; samples not shaped like the background's; a mask that does not fit.</exception>
    /// <exception cref="InvalidOperationException">The model's output is unusable (null, integer, 0-dim, wrong rows).</exception>
    public Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Tensor mask)
    {
        Checks.Live(model, Method);
        using var scope = NewDisposeScope();
        var m = PenaltyMasks.Check(x, mask, Method);
        PenaltyMasks.Labels(y, x, Method);
        using var grad = enable_grad();
        var target = y.dtype is ScalarType.Int64 or ScalarType.Int32 ? Target.PerSample(y) : Target.Output;
        using var batch = InterpolationBatch.Sample(x, _background, References, null, false, Method);
        var output = Checks.Output(ModelCall.Call(model, batch.Inputs, Method), batch.Inputs.size(0), Method);
        if (y.dtype is ScalarType.Int64 or ScalarType.Int32) PenaltyMasks.Labels(y, x, Method, PenaltyMasks.Classes(output));
        var eg = batch.Attributions(output, target, createGraph: true, retainGraph: true, Method);
        var b = x.size(0);
        return (m * eg).abs().reshape(b, -1).sum([1]).mean().MoveToOuterDisposeScope();
    }
}
