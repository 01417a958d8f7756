using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Autograd;

namespace AttrDsl.Attribution;

/// <summary>The primitive every gradient method shares: ∂(Σ_b target(f(x))_b)/∂x on a fresh leaf.</summary>
public static class Gradients
{
    /// <summary>
    /// Gradient of the selected outputs with respect to <paramref name="input"/>, taken on a fresh
    /// leaf copy so neither the caller's tensor nor any <c>.grad</c> is touched. With
    /// <paramref name="createGraph"/> the result stays differentiable (to train through it); then the
    /// input must be the leaf you differentiate to, and is used as is.
    /// </summary>
    /// <param name="forward">The function [N, ...] → [N, ...] to differentiate.</param>
    /// <param name="input">The rows to differentiate at, [N, ...]; not empty.</param>
    /// <param name="target">What to differentiate; per-sample targets give one class per row of <paramref name="input"/>.</param>
    /// <param name="createGraph">Keep the result differentiable.</param>
    /// <param name="method">The calling method's name, for error messages.</param>
    /// <exception cref="ArgumentException">An empty input, or per-sample targets that do not match its rows.</exception>
    /// <exception cref="InvalidOperationException">The function returned null, a non-floating-point output, or not one row per input row.</exception>
    public static Tensor Of(Func<Tensor, Tensor> forward, Tensor input, Target target, bool createGraph = false, string method = "Gradients.Of") =>
        Of(forward, input, target, createGraph, method, requireFinite: true, inputChecked: false);

    /// <summary>As the public form; <paramref name="requireFinite"/> false lets the trainer name non-finite weights itself.</summary>
    /// <remarks>
    /// <paramref name="inputChecked"/>: the caller already checked these rows finite (a path built from checked inputs,
    /// activations checked by the layer split, a trainer batch), so the per-chunk scan is skipped.
    /// </remarks>
    internal static Tensor Of(Func<Tensor, Tensor> forward, Tensor input, Target target, bool createGraph, string method, bool requireFinite, bool inputChecked)
    {
        ArgumentNullException.ThrowIfNull(forward);
        Checks.NotEmpty(input, method, nameof(input));
        if (!input.is_floating_point())
            throw new ArgumentException($"{method}: input is {input.dtype}; only floating-point tensors have gradients. Convert it (input.to(ScalarType.Float32)), " +
                                        "or for token ids take gradients at the embeddings (LayerIntegratedGradients at the embedding layer).", nameof(input));
        if (!inputChecked) Checks.Finite(input, method, nameof(input));
        Checks.TargetCount(target, input.dim() == 0 ? 1 : input.size(0), method);
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var leaf = createGraph && input.requires_grad ? input : input.detach().requires_grad_();
        var output = Checks.Output(ModelCall.Guard(forward, method)(leaf), leaf.dim() == 0 ? 1 : leaf.size(0), method, requireFinite);
        return OfSelected(target.Select(output), leaf, createGraph, method).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ∂(Σ selected)/∂leaf for outputs the caller already selected from the model's output on <paramref name="leaf"/>.
    /// Outputs that are not differentiable at all (computed under no_grad or from detached tensors), and outputs with no
    /// gradient path to the leaf (a model that ignores its argument), are errors: both are bugs in the model that would
    /// otherwise show up as all-zero attributions.
    /// </summary>
    internal static Tensor OfSelected(Tensor selected, Tensor leaf, bool createGraph, string method)
    {
        if (!selected.requires_grad)
            throw new InvalidOperationException(
                $"{method}: the selected model output does not require grad, so it cannot be differentiated with respect to the input: " +
                "was it computed under no_grad() or from detached tensors?");
        return GuardedAutograd.GradOrNull([selected.sum()], [leaf], createGraph: createGraph)[0] ?? throw Checks.UnusedInput(method);
    }

    /// <summary>f's selected outputs, one per sample, without recording gradients.</summary>
    /// <param name="forward">The function [N, ...] → [N, ...].</param>
    /// <param name="input">The rows to evaluate, [N, ...]; not empty.</param>
    /// <param name="target">What to select; per-sample targets give one class per row.</param>
    /// <param name="method">The calling method's name, for error messages.</param>
    public static Tensor Outputs(Func<Tensor, Tensor> forward, Tensor input, Target target, string method = "Gradients.Outputs")
    {
        ArgumentNullException.ThrowIfNull(forward);
        Checks.NotEmpty(input, method, nameof(input));
        Checks.Finite(input, method, nameof(input));
        Checks.TargetCount(target, input.dim() == 0 ? 1 : input.size(0), method);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var output = Checks.Output(ModelCall.Guard(forward, method)(input), input.dim() == 0 ? 1 : input.size(0), method);
        return target.Select(output).MoveToOuterDisposeScope();
    }
}
