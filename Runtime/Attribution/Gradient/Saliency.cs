using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Saliency maps (Simonyan et al. 2013; Captum's <c>Saliency</c>): the gradient of the explained output with respect
/// to the input, |∂f/∂x| by default. One backward pass for the whole batch.
/// </summary>
public sealed class Saliency
{
    private readonly Func<Tensor, Tensor> _forward;

    /// <summary>Explains <paramref name="forward"/>, a function from a batch [B, ...] to outputs [B, ...].</summary>
    public Saliency(Func<Tensor, Tensor> forward)
    {
        ArgumentNullException.ThrowIfNull(forward);
        _forward = ModelCall.Guard(forward, nameof(Saliency));
    }

    /// <summary>Explains <paramref name="model"/>'s <c>forward</c>.</summary>
    public Saliency(nn.Module<Tensor, Tensor> model) : this(GradientKit.ModelForward(model)) { }

    /// <summary>∂f/∂x (its absolute value when <paramref name="abs"/>), shaped like <paramref name="inputs"/>.</summary>
    /// <param name="inputs">The batch to explain [B, ...], floating point.</param>
    /// <param name="target">Which output to explain.</param>
    /// <param name="abs">Return |∂f/∂x| (default, as Captum) instead of the signed gradient.</param>
    /// <param name="createGraph">Keep the result differentiable (e.g. to penalise input gradients during training).</param>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point, or not finite; per-sample targets
    /// do not match the batch.</exception>
    /// <exception cref="InvalidOperationException">The model returned null, a non-floating-point output, or not one row per sample.</exception>
    public Tensor Attribute(Tensor inputs, Target target, bool abs = true, bool createGraph = false)
    {
        const string method = "Saliency.Attribute";
        PathKit.CheckBatch(inputs, target, method);
        using var scope = NewDisposeScope();
        var g = PathKit.RowGradients(_forward, inputs, target, null, createGraph, method);
        var result = abs ? g.abs() : g;
        return result.MoveToOuterDisposeScope();
    }
}

/// <summary>Helpers shared by the gradient methods.</summary>
internal static class GradientKit
{
    /// <summary>
    /// The module, called as TorchSharp users call it: through <c>call</c>, so the model's forward hooks fire (TorchSharp
    /// runs hooks only there, never from <c>forward</c>) — as PyTorch's <c>model(x)</c> does for Captum. Its output is
    /// checked where it is used (<see cref="Checks.Output"/>, by <see cref="PathKit.ChunkGradient"/> and the path
    /// methods), the same way as a plain function's.
    /// </summary>
    public static Func<Tensor, Tensor> ModelForward(nn.Module<Tensor, Tensor> model)
    {
        Checks.Live(model, "the attribution method's constructor");
        return model.call;
    }
}
