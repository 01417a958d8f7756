using System.Runtime.InteropServices;

namespace AttrDsl.Autograd;

/// <summary>
/// The one way AttrDsl takes gradients: an exact, crash-free replacement for <c>torch.autograd.grad</c>.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <c>autograd.grad</c> has no exception guard: a libtorch error inside it (an unused input, a freed
/// graph, an output without a graph, a second gradient after <c>create_graph</c>) terminates the process instead of
/// throwing. <c>autograd.backward</c> is guarded, so this routes the same computation through it:
/// <c>backward(outputs, gradOutputs, retain_graph, create_graph, inputs)</c>, then reads each input's <c>.grad</c> and
/// puts back what was there before (nothing, for a fresh leaf). That is bit-identical to <c>autograd.grad</c> for first
/// and second order, leaf and non-leaf inputs, and leaves parameters' gradients untouched. Clearing <c>.grad</c>
/// afterwards is not cosmetic: a gradient left on a leaf keeps its graph alive and leaks native memory even inside
/// dispose scopes. Misuse is checked up front where it can be, and any libtorch error that still comes back is
/// rethrown as <see cref="InvalidOperationException"/> naming the likely cause.
/// </remarks>
public static class GuardedAutograd
{
    /// <summary>
    /// Gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/>, as <c>torch.autograd.grad</c>.
    /// </summary>
    /// <param name="outputs">Differentiable outputs; scalars unless <paramref name="gradOutputs"/> are given.</param>
    /// <param name="inputs">Tensors that require grad and that the outputs were computed from.</param>
    /// <param name="gradOutputs">The vector of the vector–Jacobian product, one per output (shape of that output); null for scalar outputs.</param>
    /// <param name="retainGraph">Keep the graph for another gradient; defaults to <paramref name="createGraph"/> (as PyTorch, unlike TorchSharp).</param>
    /// <param name="createGraph">Make the gradients differentiable (to train through them).</param>
    /// <param name="allowUnused">Return zeros for an input the outputs do not depend on, instead of throwing.</param>
    /// <returns>One gradient per input, each shaped like its input.</returns>
    /// <exception cref="ArgumentException">An output or input is disposed, not differentiable, or shapes disagree.</exception>
    /// <exception cref="InvalidOperationException">An input is not used by the outputs (without <paramref name="allowUnused"/>), or libtorch refused the backward pass (freed graph, in-place change of a saved tensor, ...).</exception>
    public static Tensor[] Grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor>? gradOutputs = null,
        bool? retainGraph = null, bool createGraph = false, bool allowUnused = false) =>
        GradCore(outputs, inputs, gradOutputs, retainGraph, createGraph, allowUnused ? Unused.Zeros : Unused.Throw)!;

    /// <summary>As <c>Grad</c>, but with null for an input the outputs do not use (PyTorch's allow_unused), so a caller can tell "unused" from "zero gradient".</summary>
    public static Tensor?[] GradOrNull(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, bool? retainGraph = null, bool createGraph = false) =>
        GradCore(outputs, inputs, null, retainGraph, createGraph, Unused.Null);

    private enum Unused { Throw, Zeros, Null }

    private static Tensor?[] GradCore(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor>? gradOutputs,
        bool? retainGraph, bool createGraph, Unused unused)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        if (outputs.Count == 0) throw new ArgumentException("no outputs to differentiate", nameof(outputs));
        if (inputs.Count == 0) throw new ArgumentException("no inputs to differentiate with respect to", nameof(inputs));
        if (gradOutputs is not null && gradOutputs.Count != outputs.Count)
            throw new ArgumentException($"{gradOutputs.Count} gradient outputs for {outputs.Count} outputs; give one per output (shaped like it)", nameof(gradOutputs));

        for (var i = 0; i < outputs.Count; i++)
        {
            var o = outputs[i];
            if (o is null) throw new ArgumentNullException(nameof(outputs), $"output {i} is null");
            if (o.IsInvalid) throw new ObjectDisposedException(nameof(outputs), $"output {i} was disposed; pass a live tensor");
            if (!o.requires_grad)
                throw new ArgumentException(
                    $"output {i} does not depend on the inputs through a differentiable path (it does not require grad). " +
                    "Check that the model's forward uses its input, does not detach it, and is not run under torch.no_grad().", nameof(outputs));
            if (gradOutputs is null && o.numel() != 1)
                throw new ArgumentException($"output {i} has shape [{string.Join(", ", o.shape)}]; a non-scalar output needs a gradient output of the same shape (or sum it first)", nameof(outputs));
            if (gradOutputs is not null)
            {
                var g = gradOutputs[i];
                if (g is null) throw new ArgumentNullException(nameof(gradOutputs), $"gradient output {i} is null");
                if (g.IsInvalid) throw new ObjectDisposedException(nameof(gradOutputs), $"gradient output {i} was disposed; pass a live tensor");
                if (!g.shape.SequenceEqual(o.shape))
                    throw new ArgumentException($"gradient output {i} has shape [{string.Join(", ", g.shape)}] but output {i} has shape [{string.Join(", ", o.shape)}]", nameof(gradOutputs));
            }
        }
        for (var i = 0; i < inputs.Count; i++)
        {
            var x = inputs[i];
            if (x is null) throw new ArgumentNullException(nameof(inputs), $"input {i} is null");
            if (x.IsInvalid) throw new ObjectDisposedException(nameof(inputs), $"input {i} was disposed; pass a live tensor");
            if (!x.requires_grad)
                throw new ArgumentException($"input {i} does not require grad; call requires_grad_() on it (or on a detached copy) before the forward pass", nameof(inputs));
        }

        // Leaves keep their previous .grad (a parameter's accumulated gradient, or nothing); non-leaf inputs have none
        // unless retain_grad() was called, and reading theirs only warns, so only leaves are saved and restored.
        var previous = new Tensor?[inputs.Count];
        var isLeaf = new bool[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            isLeaf[i] = inputs[i].is_leaf;
            if (isLeaf[i])
            {
                previous[i] = inputs[i].grad;
                inputs[i].grad = null;
            }
        }

        var result = new Tensor?[inputs.Count];
        try
        {
            // libtorch warns (once per process, on stderr) about a reference cycle the first time create_graph backward
            // runs; the cycle never forms here (the input's .grad is cleared below), so that warning is spent silently.
            if (createGraph) CreateGraphWarning.SpendOnce();
            try
            {
                // Always pass retain_graph: Tensor.backward passes false explicitly even with create_graph.
                autograd.backward(outputs.ToList(), gradOutputs?.ToList(), retain_graph: retainGraph ?? createGraph,
                    create_graph: createGraph, inputs: inputs.ToList());
            }
            catch (ExternalException e)
            {
                throw new InvalidOperationException(Explain(e.Message), e);
            }

            for (var i = 0; i < inputs.Count; i++)
            {
                var g = inputs[i].grad;
                if (g is null || g.IsInvalid)
                {
                    if (unused == Unused.Throw)
                        throw new InvalidOperationException(
                            $"input {i} is unused: the outputs do not depend on it (no gradient reached it). " +
                            "Pass the same tensor to the model that you differentiate with respect to; attribution methods do this for you.");
                    result[i] = unused == Unused.Zeros ? zeros_like(inputs[i]) : null;
                }
                else
                {
                    // A fresh handle that the caller owns; the input's .grad is reset below.
                    result[i] = g.alias();
                }
                if (!isLeaf[i])
                    inputs[i].grad = null;
            }
            return result;
        }
        catch
        {
            foreach (var r in result) r?.Dispose();
            throw;
        }
        finally
        {
            for (var i = 0; i < inputs.Count; i++)
                if (isLeaf[i] && !inputs[i].IsInvalid)
                    inputs[i].grad = previous[i];
        }
    }

    /// <summary>The gradient of one scalar output with respect to one input (see the list form).</summary>
    public static Tensor Grad(Tensor output, Tensor input, bool? retainGraph = null, bool createGraph = false, bool allowUnused = false) =>
        Grad([output], [input], null, retainGraph, createGraph, allowUnused)[0];

    private static string Explain(string libtorchMessage)
    {
        var first = libtorchMessage.Split('\n')[0].Trim();
        var hint =
            first.Contains("backward through the graph a second time", StringComparison.Ordinal) ? "The graph was freed by an earlier gradient; run the forward pass again, or keep the graph with retainGraph: true." :
            first.Contains("modified by an inplace operation", StringComparison.Ordinal) ? "The model's forward changes a tensor in place that autograd saved for the backward pass (e.g. x.relu_() or x.add_() on an activation); use the out-of-place form." :
            first.Contains("does not require grad", StringComparison.Ordinal) ? "Part of the computation is detached from the graph; check for detach(), no_grad or integer tensors in the model." :
            "libtorch refused the backward pass.";
        return $"{hint} (libtorch: {first})";
    }
}
