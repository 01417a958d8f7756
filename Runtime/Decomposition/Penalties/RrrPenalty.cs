using AttrDsl.Internal;
using AttrDsl.Attribution;
using AttrDsl.Autograd;

namespace AttrDsl.Decomposition.Penalties;

/// <summary>
/// "Right for the right reasons" (Ross, Hughes and Doshi-Velez 2017): the squared input gradient of the summed
/// log-probabilities inside the mask,
/// <code>Σ_b Σ_i (mask_bi · ∂(Σ_k log softmax(f(x_b))_k) / ∂x_bi)²</code>
/// summed over the batch as in the reference (so, as there, λ scales with the batch size). The gradient is taken
/// through <see cref="GuardedAutograd"/> with create_graph, so the penalty is differentiable in the weights.
/// </summary>
public sealed class RrrPenalty : IExplanationPenalty
{
    private const string Method = "RrrPenalty";

    /// <inheritdoc/>
    public string Name => "RRR";

    /// <inheritdoc/>
    /// <remarks>The labels are not used: RRR penalises the gradient of the log-probabilities of all classes.</remarks>
    /// <exception cref="ArgumentException">Empty or non-floating inputs; a mask that does not fit or holds NaN/±Inf.</exception>
    /// <exception cref="InvalidOperationException">The model's output is unusable (null, integer, 0-dim, wrong rows) or does not depend on the input.</exception>
    public Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Tensor mask)
    {
        Checks.Live(model, Method);
        using var scope = NewDisposeScope();
        var m = PenaltyMasks.Check(x, mask, Method);
        PenaltyMasks.Labels(y, x, Method);
        using var grad = enable_grad();
        var leaf = x.detach().requires_grad_();
        var output = Checks.Output(ModelCall.Call(model, leaf, Method), x.size(0), Method);
        PenaltyMasks.Labels(y, x, Method, PenaltyMasks.Classes(output));
        var logits = output.reshape(output.size(0), -1);
        var logProbabilities = nn.functional.log_softmax(logits, 1).sum();
        var g = GuardedAutograd.Grad(logProbabilities, leaf, retainGraph: true, createGraph: true);
        return (m * g).pow(2).sum().MoveToOuterDisposeScope();
    }
}
