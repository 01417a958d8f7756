using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Expected gradients (Erion et al., "Improving performance of deep learning models with axiomatic attribution
/// priors and expected gradients"; attributionprior's <c>AttributionPriorExplainer</c>):
/// EG(x) = E_{x'~D, α~U(0,1)} [(x − x') ⊙ ∂f/∂x̃ |_{x̃ = x' + α(x − x')}], estimated with k references per sample drawn
/// from a background dataset D and one α per (sample, reference) pair, broadcast over the features.
/// Built from the two public pieces of <see cref="InterpolationBatch"/>: the interpolated leaf [B·k, ...] goes
/// through the model in one call, and <see cref="InterpolationBatch.Attributions(Tensor, Target, bool, bool?)"/> turns the output into
/// attributions [B, ...].
/// </summary>
/// <remarks>
/// The gradient is taken with respect to the interpolated tensor itself (a fresh leaf), never the raw input: the
/// reference's TF2 version differentiated the raw input (issue #3), which multiplies by α and mixes samples. Feeding
/// the plain batch instead of the interpolation batch — silently wrong for k = 1 in the reference — is an error here
/// (see <see cref="InterpolationBatch"/>). References are drawn with replacement.
/// </remarks>
public sealed class ExpectedGradients
{
    private readonly Func<Tensor, Tensor> _forward;

    /// <summary>Explains <paramref name="forward"/>, a function from a batch [B, ...] to outputs [B, ...].</summary>
    public ExpectedGradients(Func<Tensor, Tensor> forward)
    {
        ArgumentNullException.ThrowIfNull(forward);
        _forward = ModelCall.Guard(forward, nameof(ExpectedGradients));
    }

    /// <summary>Explains <paramref name="model"/>'s <c>forward</c>.</summary>
    public ExpectedGradients(nn.Module<Tensor, Tensor> model) : this(GradientKit.ModelForward(model)) { }

    /// <summary>
    /// Expected gradients of <paramref name="target"/> for every sample of <paramref name="inputs"/> ([B, ...]);
    /// returns attributions shaped like the inputs. Random draws come from the global generator (references first,
    /// then α), so <c>torch.manual_seed</c> makes the result reproducible.
    /// </summary>
    /// <param name="inputs">The batch to explain [B, ...], floating point.</param>
    /// <param name="target">What to explain; for training priors, the true class per sample (<c>Target.PerSample(labels)</c>).</param>
    /// <param name="background">The reference dataset [N, ...] (e.g. training data), samples shaped like the inputs'.</param>
    /// <param name="k">References (and α draws) per sample; default 10.</param>
    /// <param name="alpha">A fixed α ∈ [0, 1] instead of α ~ U(0, 1) (k = 1, α = 1: gradient × (x − x') at the input).</param>
    /// <param name="alphaGrid">α = linspace(0, 1, k) for every sample instead of random α (attributionpriors' grid).</param>
    /// <param name="createGraph">Keep the attributions differentiable with respect to the model's parameters, so a
    /// loss on them (an attribution prior) can be trained into the weights.</param>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point or contain NaN/±Inf; the background is
    /// empty, not shaped like the inputs, or a drawn reference contains NaN/±Inf (see <see cref="InterpolationBatch.Sample(Tensor, Tensor, int, double?, bool)"/>);
    /// per-sample targets do not give one class per sample.</exception>
    /// <exception cref="ArgumentOutOfRangeException">k &lt; 1 or too large to fit in memory; alpha outside [0, 1].</exception>
    /// <exception cref="InvalidOperationException">The model returned null, a non-floating-point output, or not one row per point.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor background, int k = 10, double? alpha = null,
        bool alphaGrid = false, bool createGraph = false)
    {
        PathKit.CheckBatch(inputs, target, Method);
        using var scope = NewDisposeScope();
        using var batch = InterpolationBatch.Sample(inputs, background, k, alpha, alphaGrid, Method, checkedBackground: false);
        return Attribute(batch, target, createGraph).MoveToOuterDisposeScope();
    }

    private const string Method = "ExpectedGradients.Attribute";

    /// <summary>
    /// Expected gradients over a prepared <see cref="InterpolationBatch"/> (e.g. one built with
    /// <see cref="InterpolationBatch.Create"/> from fixed references and α, for a deterministic estimate).
    /// </summary>
    /// <param name="batch">The interpolation batch of the inputs to explain.</param>
    /// <param name="target">What to explain, for the B samples (repeated k times internally).</param>
    /// <param name="createGraph">Keep the attributions differentiable with respect to the model's parameters.</param>
    /// <exception cref="ArgumentException">Per-sample targets do not give one class per sample of the batch.</exception>
    /// <exception cref="InvalidOperationException">The model returned null, a non-floating-point output, or not one row per point.</exception>
    public Tensor Attribute(InterpolationBatch batch, Target target, bool createGraph = false)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Checks.TargetCount(target, batch.BatchSize, Method);
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var output = Checks.Output(_forward(batch.Inputs), batch.BatchSize * batch.K, Method);
        return batch.Attributions(output, target, createGraph, null, Method).MoveToOuterDisposeScope();
    }
}
