using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Gradient × input (Shrikumar et al. 2016; Captum's <c>InputXGradient</c>): x ⊙ ∂f/∂x, which equals integrated
/// gradients from a zero baseline for a linear model. One backward pass for the whole batch.
/// </summary>
public sealed class InputXGradient
{
    private readonly Func<Tensor, Tensor> _forward;

    /// <summary>Explains <paramref name="forward"/>, a function from a batch [B, ...] to outputs [B, ...].</summary>
    public InputXGradient(Func<Tensor, Tensor> forward)
    {
        ArgumentNullException.ThrowIfNull(forward);
        _forward = ModelCall.Guard(forward, nameof(InputXGradient));
    }

    /// <summary>Explains <paramref name="model"/>'s <c>forward</c>.</summary>
    public InputXGradient(nn.Module<Tensor, Tensor> model) : this(GradientKit.ModelForward(model)) { }

    /// <summary>x ⊙ ∂f/∂x, shaped like <paramref name="inputs"/>.</summary>
    /// <param name="inputs">The batch to explain [B, ...], floating point.</param>
    /// <param name="target">Which output to explain.</param>
    /// <param name="createGraph">Keep the result differentiable with respect to the model's parameters.</param>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point, or not finite; per-sample targets
    /// do not match the batch.</exception>
    /// <exception cref="InvalidOperationException">The model returned null, a non-floating-point output, or not one row per sample.</exception>
    public Tensor Attribute(Tensor inputs, Target target, bool createGraph = false)
    {
        const string method = "InputXGradient.Attribute";
        PathKit.CheckBatch(inputs, target, method);
        using var scope = NewDisposeScope();
        var g = PathKit.RowGradients(_forward, inputs, target, null, createGraph, method);
        using var x = inputs.detach();
        return (x * g).MoveToOuterDisposeScope();
    }
}
