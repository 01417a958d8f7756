using AttrDsl.Torch.Native;

namespace AttrDsl.Torch;

// Autograd: requires_grad, backward, .grad, detach.
public unsafe partial class Tensor
{
    /// <summary>Whether operations on this tensor are recorded for differentiation.</summary>
    public bool requires_grad
    {
        get { int r; NativeOps.Check(NativeOps.ad_requires_grad(Handle, &r)); return r != 0; }
        set
        {
            if (value && !dtype.IsFloatingPoint())
                throw new InvalidOperationException($"only floating-point tensors can require gradients; this one is {dtype}. Convert it with .to(ScalarType.Float32) first.");
            NativeOps.requires_grad_(Handle, value ? 1 : 0);
        }
    }

    /// <summary>Sets <see cref="requires_grad"/> and returns this tensor.</summary>
    public Tensor requires_grad_(bool requires_grad = true) { this.requires_grad = requires_grad; return this; }

    /// <summary>
    /// The accumulated gradient (a new handle to it, or null when none has been computed).
    /// Setting null clears it, which is how optimizers zero gradients (PyTorch's set_to_none).
    /// </summary>
    public Tensor? grad
    {
        get { nint h; NativeOps.Check(NativeOps.ad_get_grad(Handle, &h)); return h == 0 ? null : new Tensor(h); }
        set => NativeOps.Check(NativeOps.ad_set_grad(Handle, value?.Handle ?? 0));
    }

    /// <summary>Makes a non-leaf tensor keep its .grad after backward.</summary>
    public void retain_grad() => NativeOps.retain_grad(Handle);

    /// <summary>The same values, cut from the autograd graph (shares storage).</summary>
    public Tensor detach() => new(NativeOps.detach(Handle));

    /// <summary>
    /// Back-propagates from this tensor, accumulating into the .grad of the graph's leaves
    /// (or only of <paramref name="inputs"/>). <paramref name="gradient"/> is required for non-scalars;
    /// <paramref name="create_graph"/> records the backward pass itself, for second-order gradients.
    /// </summary>
    public void backward(Tensor? gradient = null, bool? retain_graph = null, bool create_graph = false, IReadOnlyList<Tensor>? inputs = null)
    {
        if (gradient is null && numel() != 1)
            throw new InvalidOperationException($"backward() without a gradient needs a scalar output; this one has shape [{string.Join(", ", shape)}]. Pass gradient: torch.ones_like(y), or reduce with sum()/mean() first.");
        var h = inputs is null ? [] : Handles(inputs);
        fixed (nint* p = h)
            NativeOps._backward(Handle, p, h.Length, gradient?.Handle ?? 0, retain_graph is null ? -1 : retain_graph.Value ? 1 : 0, create_graph ? 1 : 0);
    }
}
