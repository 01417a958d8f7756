using System.Runtime.CompilerServices;
using AttrDsl.Autograd;
using AttrDsl.Decomposition;
using AttrDsl.Internal;
using Pair = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Attribution;

/// <summary>
/// What the methods that re-read the decomposition rules share: the walk of the model over (input, reference) under an
/// <see cref="Interpretation"/>, the gradient of the selected outputs, and the check that the walk reproduces the
/// model's own forward.
/// </summary>
internal static class PairKit
{
    // Models whose walk was seen to give their own forward's outputs (once per model: the walk's structure does not
    // depend on the values, so a rule that does not reproduce the forward shows on the first batch).
    private static readonly ConditionalWeakTable<nn.Module, object> Verified = new();

    /// <summary>The model, checked alive, for a constructor.</summary>
    internal static nn.Module<Tensor, Tensor> Model(nn.Module<Tensor, Tensor> model, string method)
    {
        ArgumentNullException.ThrowIfNull(model);
        Checks.Live(model, method);
        return model;
    }

    /// <summary>
    /// Runs the walk on a fresh leaf for <paramref name="x"/> and the reference <paramref name="reference"/> (both [N, ...]),
    /// and returns ∂(Σ target(output))/∂x with the selected outputs for the input and the reference ([N] each).
    /// <paramref name="extraLeaves"/> (LRP's z^B bounds) are made leaves too and their gradients returned after x's.
    /// </summary>
    internal static (Tensor[] Gradients, Tensor Output, Tensor ReferenceOutput) Run(
        nn.Module<Tensor, Tensor> model, Interpretation rules, Tensor x, Tensor reference, Target target, string method, params Tensor[] extraLeaves)
    {
        Checks.Live(model, method);
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var leaf = x.detach().requires_grad_();
        Pair result;
        try { result = rules.Walk(model, leaf, reference.detach()); }
        catch (UnsupportedModuleException e)
        {
            throw new UnsupportedModuleException(e.ModulePath, e.ModuleType,
                $"{method} follows the model's forward through the same rules as contextual decomposition, and found no rule: {e.Message}");
        }
        var output = Checks.Output(result.Relevant, x.size(0), method);
        Verify(model, x, output, method);
        var selected = target.Select(output);
        if (!selected.requires_grad)
            throw new InvalidOperationException($"{method}: the model's output does not depend on its input (no gradient path); an attribution would be all zeros.");
        var leaves = new[] { leaf }.Concat(extraLeaves).ToArray();
        var grads = GuardedAutograd.GradOrNull([selected.sum()], leaves, createGraph: false);
        var g = grads.Select((t, i) => (t ?? zeros_like(leaves[i])).MoveToOuterDisposeScope()).ToArray();
        // Finite activations give finite multipliers; a NaN or infinity here is an overflow inside the rules, not a result.
        if (!g.All(Checks.AllFinite))
            throw new InvalidOperationException(
                $"{method}: the propagated multipliers are not finite although the model's activations are (an overflow in a rule's quotient); " +
                "explain the model in float64 (model.to(ScalarType.Float64) and float64 inputs) or with a path method (IntegratedGradients).");
        Tensor fx, f0;
        using (no_grad())
        {
            fx = selected.detach().MoveToOuterDisposeScope();
            f0 = target.Select(result.Irrelevant.detach()).MoveToOuterDisposeScope();
        }
        return (g, fx, f0);
    }

    internal static void Verify(nn.Module<Tensor, Tensor> model, Tensor x, Tensor walked, string method)
    {
        if (Verified.TryGetValue(model, out _)) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var own = model.forward(x.detach()).to(float64);
        var w = walked.detach().to(float64);
        var tolerance = 1e-4 * Math.Max(1.0, own.abs().max().item<double>());
        if (!own.shape.SequenceEqual(w.shape) || (own - w).abs().max().item<double>() > tolerance)
        {
            throw new NotSupportedException(
                $"{method}: following the model's forward through its decomposition rules does not give the model's own output " +
                $"(largest difference {(own.shape.SequenceEqual(w.shape) ? Format.Value((own - w).abs().max()) : "in shape")}): a rule of this model " +
                "(a registered rule, an IDecomposable or a [Decomposable] forward) uses an operation that mixes β and γ in a way only contextual decomposition reads. " +
                "Describe that step with the standard rules (CdFunctional, ActivationRules, ArithmeticRules) or explain the model with a path method (IntegratedGradients).");
        }
        Verified.AddOrUpdate(model, new object());
    }

    /// <summary>The common checks: a live, finite floating batch; a target matching it.</summary>
    internal static void CheckBatch(Tensor inputs, Target target, string method) => PathKit.CheckBatch(inputs, target, method);

    /// <summary>
    /// The checked pair of a reference method (DeepLift at the input, a layer or a neuron): the batch and its target
    /// checked, the baselines (null: zeros) non-empty, finite and broadcast to the inputs; returns (x, x₀), x detached.
    /// </summary>
    internal static (Tensor X, Tensor X0) InputAndReference(Tensor inputs, Target target, Tensor? baselines, string method)
    {
        CheckBatch(inputs, target, method);
        if (baselines is not null)
        {
            Checks.NotEmpty(baselines, method, nameof(baselines));
            Checks.Finite(baselines, method, nameof(baselines));
        }
        var x = inputs.detach();
        return (x, baselines is null ? ZeroReference(x) : PathKit.BroadcastBaselines(x, baselines, method));
    }

    /// <summary>
    /// The zero reference for <paramref name="x"/>: one zero row broadcast over the batch, so the walk runs the reference
    /// through the model once, not once per sample (see <see cref="Interpretation.OnReference(Tensor, Func{Tensor, Tensor})"/>).
    /// </summary>
    internal static Tensor ZeroReference(Tensor x)
    {
        var row = x.shape;
        row[0] = 1;
        using var zero = zeros(row, x.dtype, x.device);
        return zero.expand(x.shape);
    }
}
