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
    public static Tensor Of(Func<Tensor, Tensor> forward, Tensor input, Target target, bool createGraph = false)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var leaf = createGraph && input.requires_grad ? input : input.detach().requires_grad_();
        var output = forward(leaf);
        var selected = target.Select(output);
        var total = selected.sum();
        var g = GuardedAutograd.Grad([total], [leaf], createGraph: createGraph)[0];
        return g.MoveToOuterDisposeScope();
    }

    /// <summary>f's selected outputs, one per sample, without recording gradients.</summary>
    public static Tensor Outputs(Func<Tensor, Tensor> forward, Tensor input, Target target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return target.Select(forward(input)).MoveToOuterDisposeScope();
    }
}
