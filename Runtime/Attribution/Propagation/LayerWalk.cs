using AttrDsl.Autograd;
using AttrDsl.Decomposition;
using AttrDsl.Internal;
using Pair = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Attribution;

/// <summary>
/// Reads the rule walk of <see cref="PairKit"/> at one named layer: the layer and neuron variants of DeepLift, LRP and
/// guided backpropagation. The walk's <see cref="Interpretation.Tap"/> sees every module's output pair; at the
/// layer it keeps the (input, reference) activations and, for a layer method, cuts the graph there with a fresh leaf, so
/// the gradient at that leaf is the method's multiplier from the output back to the layer.
/// </summary>
internal sealed class LayerTap(NamedLayer layer, bool cut, string method) : IDisposable
{
    /// <summary>The layer's activation for the input: a leaf when cut, else a copy inside the graph from the input.</summary>
    internal Tensor? Activation { get; private set; }

    /// <summary>The layer's activation for the reference, detached.</summary>
    internal Tensor? Reference { get; private set; }

    /// <summary>The tap the interpretation calls for every module's output.</summary>
    internal Pair Visit(nn.Module module, Pair output)
    {
        // The module itself, not its path: a module registered under two names and called at both has two paths but no
        // single activation (as for the hook-based layer methods).
        if (!ReferenceEquals(module, layer.Module)) return output;
        if (Activation is not null)
            throw new InvalidOperationException(
                $"{method}: the layer \"{layer.Path}\" runs more than once in the model's forward (a module used at several places), " +
                "so it has no single activation to attribute to. Choose a layer whose module runs once per forward, or give each use its own module; " +
                "to explain one of the calls, use a method that splits the forward at that call (layer integrated gradients, conductance or " +
                "gradient × activation on a LayerSplit, or a generated model's Explain(layer, ...) with one of them).");
        // Copies, kept out of the walk's dispose scopes (the rules' scopes would free them on the way out) and safe from
        // in-place ReLUs after the layer.
        Reference = output.Irrelevant.detach().clone().DetachFromDisposeScope();
        if (!cut)
        {
            Activation = output.Relevant.clone().DetachFromDisposeScope();
            return output;
        }
        var leaf = output.Relevant.detach().clone().requires_grad_().DetachFromDisposeScope();
        Activation = leaf;
        return new Pair(leaf, output.Irrelevant);
    }

    /// <summary>Frees the copies.</summary>
    public void Dispose()
    {
        Activation?.Dispose();
        Reference?.Dispose();
    }
}

/// <summary>Runs the walk with a <see cref="LayerTap"/> and takes the gradients the layer and neuron methods need.</summary>
internal static class LayerWalk
{
    /// <summary>The model and its layer at <paramref name="layerPath"/>, checked, for a constructor.</summary>
    internal static NamedLayer Resolve(nn.Module<Tensor, Tensor> model, string layerPath, string method) =>
        NamedLayer.Resolve(PairKit.Model(model, method), layerPath);

    /// <summary>
    /// Walks the model over (x, reference) under <paramref name="rules"/> (whose tap is <paramref name="tap"/>, cutting at
    /// the layer) and returns ∂Σ target/∂z at the layer's activation z, z and z₀ ([B, ...]), and the selected outputs for
    /// the input and the reference ([B]).
    /// </summary>
    internal static (Tensor Gradient, Tensor Activation, Tensor ReferenceActivation, Tensor Output, Tensor ReferenceOutput) AtLayer(
        NamedLayer layer, Interpretation rules, LayerTap tap, Tensor x, Tensor reference, Target target, string method)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var result = Walk(layer, rules, tap, x, reference, method, out var z, out var z0);
        var output = Checks.Output(result.Relevant, x.size(0), method);
        PairKit.Verify(layer.Root, x, output, method);
        var selected = target.Select(output);
        if (!selected.requires_grad)
            throw new InvalidOperationException($"{method}: the model's output does not depend on the layer \"{layer.Path}\"; an attribution would be all zeros.");
        var g = GuardedAutograd.GradOrNull([selected.sum()], [z], createGraph: false)[0] ?? zeros_like(z);
        Tensor fx, f0, zOut, z0Out;
        using (no_grad())
        {
            fx = selected.detach().MoveToOuterDisposeScope();
            f0 = target.Select(result.Irrelevant.detach()).MoveToOuterDisposeScope();
            zOut = z.detach().clone().MoveToOuterDisposeScope();
            z0Out = z0.clone().MoveToOuterDisposeScope();
        }
        return (g.MoveToOuterDisposeScope(), zOut, z0Out, fx, f0);
    }

    /// <summary>
    /// Walks the model over (x, reference) under <paramref name="rules"/> (whose tap does not cut) and returns
    /// ∂(Σ neuron)/∂x with the neuron's values for the input and the reference ([B] each).
    /// </summary>
    internal static (Tensor Gradient, Tensor Neuron, Tensor ReferenceNeuron) OfNeuron(
        NamedLayer layer, Interpretation rules, LayerTap tap, Tensor x, Tensor reference, long[] neuronIndex, string method)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var leaf = x.detach().requires_grad_();
        var result = Walk(layer, rules, tap, leaf, reference, method, out var z, out var z0);
        // The whole walk ran, so it is checked against the model's own forward like the input methods.
        PairKit.Verify(layer.Root, x, Checks.Output(result.Relevant, x.size(0), method), method);
        var n = Neuron.Select(z, neuronIndex, method);
        var g = n.requires_grad ? GuardedAutograd.GradOrNull([n.sum()], [leaf], createGraph: false)[0] ?? zeros_like(leaf) : zeros_like(leaf);
        Tensor v, v0;
        using (no_grad())
        {
            v = n.detach().reshape(-1).MoveToOuterDisposeScope();
            v0 = Neuron.Select(z0, neuronIndex, method).reshape(-1).MoveToOuterDisposeScope();
        }
        return (g.MoveToOuterDisposeScope(), v, v0);
    }

    private static Pair Walk(NamedLayer layer, Interpretation rules, LayerTap tap, Tensor x, Tensor reference, string method, out Tensor z, out Tensor z0)
    {
        Checks.Live(layer.Root, method);
        Pair result;
        try { result = rules.Walk(layer.Root, x.requires_grad ? x : x.detach().requires_grad_(), reference.detach()); }
        catch (UnsupportedModuleException e)
        {
            throw new UnsupportedModuleException(e.ModulePath, e.ModuleType,
                $"{method} follows the model's forward through the same rules as contextual decomposition, and found no rule: {e.Message}");
        }
        z = tap.Activation ?? throw new InvalidOperationException(
            $"{method}: following the model's forward through its decomposition rules never reaches the layer \"{layer.Path}\" as a module of its own " +
            "(the rule of a module around it computes it inline); choose that enclosing module or another layer.");
        z0 = tap.Reference!;
        return result;
    }
}
