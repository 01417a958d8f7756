using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Layer integrated gradients (Captum's <c>LayerIntegratedGradients</c>, attributing the layer's output): with
/// z = h(x) and z' = h(x') the layer's outputs for the input and for the baseline input,
/// attribution = (z − z') ⊙ Σ_s w_s ∂f/∂z |_{z' + α_s (z − z')}, where the gradient at each path point is taken
/// through the rest of the model run on the input x with the layer's output replaced by the interpolated activation.
/// </summary>
/// <remarks>
/// <para>
/// The baselines are inputs, of the input's dtype, so the path never interpolates the inputs themselves: this is what
/// explains a text model, whose inputs are integer token ids [B, T] (the baseline e.g. all padding ids) and whose
/// embedding layer's output is the first floating-point, differentiable quantity. Only the layer's output must be
/// floating point.
/// </para>
/// <para>
/// The attributions sum to f(x; z) − f(x; z') up to the quadrature error, where f(x; ·) is the model on x with the
/// layer's output replaced. When the output depends on the input only through the layer, that is f(x) − f(x') and the
/// convergence delta of <see cref="AttributeWithDelta"/> measures the quadrature error; with a skip connection around
/// the layer (a split made by <see cref="LayerSplit.At"/> on a residual model) the delta also holds what the skip
/// contributes, as Captum's.
/// </para>
/// </remarks>
public sealed class LayerIntegratedGradients
{
    private const string Name = nameof(LayerIntegratedGradients);
    private const string WithDeltaName = "LayerIntegratedGradients.AttributeWithDelta";
    private readonly LayerSplit _split;

    /// <summary>Layer integrated gradients at the layer between <paramref name="bottom"/> (input → z) and <paramref name="top"/> (z → output).</summary>
    public LayerIntegratedGradients(Func<Tensor, Tensor> bottom, Func<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>Layer integrated gradients at the layer a split is cut at.</summary>
    public LayerIntegratedGradients(LayerSplit split) => _split = split ?? throw new ArgumentNullException(nameof(split));

    /// <summary>Layer integrated gradients at the layer between two modules.</summary>
    public LayerIntegratedGradients(torch.nn.Module<Tensor, Tensor> bottom, torch.nn.Module<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>
    /// Layer integrated gradients at the layer of <paramref name="model"/> with module path <paramref name="layerPath"/>
    /// (e.g. "embedding", "layer4"; see <see cref="LayerSplit.At"/>).
    /// </summary>
    public LayerIntegratedGradients(torch.nn.Module<Tensor, Tensor> model, string layerPath) => _split = LayerSplit.At(model, layerPath);

    /// <summary>Attributions shaped like the layer's output [B, ...].</summary>
    /// <param name="inputs">A batch [B, ...] of any dtype the model accepts (e.g. int64 token ids), samples along dimension 0.</param>
    /// <param name="target">Which output to explain.</param>
    /// <param name="baselines">
    /// The baseline input x', of the input's dtype (integer baselines for integer inputs), broadcastable to the inputs;
    /// null means zeros (for token ids: all id 0, commonly the padding id).
    /// </param>
    /// <param name="nSteps">Number of quadrature points (default 50).</param>
    /// <param name="method">The quadrature rule; default Gauss–Legendre, as <see cref="IntegratedGradients"/> and Captum.</param>
    /// <param name="internalBatchSize">At most this many path rows per forward/backward pass (at least one step for the whole batch).</param>
    /// <param name="multiplyByInputs">
    /// Multiply the path-averaged gradient by z − z' (default); false returns the average gradient alone (Captum's
    /// <c>multiply_by_inputs=False</c>).
    /// </param>
    /// <exception cref="ArgumentException">
    /// The inputs are empty, 0-dim or non-finite; the baselines are non-finite, do not broadcast to the inputs, or are
    /// floating point for integer inputs.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">nSteps outside the rule's range, or internalBatchSize &lt; 1.</exception>
    /// <exception cref="InvalidOperationException">
    /// The layer's output is not floating point or differs in shape between input and baseline, or the model returned
    /// null, a non-floating-point output, or not one row per input row.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <param name="cancellationToken">Checked before any work and before every chunk of path rows: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? baselines = null, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.GaussLegendre, int? internalBatchSize = null, bool multiplyByInputs = true,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var (attributions, _, _) = Compute(Name, inputs, target, baselines, nSteps, method, internalBatchSize, multiplyByInputs, cancellationToken);
        return attributions.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Layer integrated gradients (multiplied by z − z') and the convergence delta per sample,
    /// δ_b = Σ attributions_b − (f(x_b) − f(x'_b)) ([B]), as <see cref="IntegratedGradients.AttributeWithDelta(Tensor, Target, Tensor?, int, IntegrationMethod, int?, CancellationToken)"/>:
    /// it tends to 0 as the quadrature converges when the output depends on the input only through the layer.
    /// </summary>
    /// <inheritdoc cref="Attribute(Tensor, Target, Tensor?, int, IntegrationMethod, int?, bool, CancellationToken)"/>
    public (Tensor Attributions, Tensor Delta) AttributeWithDelta(Tensor inputs, Target target, Tensor? baselines = null, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.GaussLegendre, int? internalBatchSize = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var (attributions, x, xBase) = Compute(WithDeltaName, inputs, target, baselines, nSteps, method, internalBatchSize, multiplyByInputs: true, cancellationToken);
        var delta = IntegratedGradients.CompletenessDelta(_split.Model, attributions, x, xBase, target, WithDeltaName);
        return (attributions.MoveToOuterDisposeScope(), delta.MoveToOuterDisposeScope());
    }

    private (Tensor Attributions, Tensor X, Tensor Baselines) Compute(string name, Tensor inputs, Target target, Tensor? baselines, int nSteps,
        IntegrationMethod method, int? internalBatchSize, bool multiplyByInputs, CancellationToken cancellationToken)
    {
        LayerCore.CheckInputs(inputs, name);
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), name);
        if (baselines is not null)
        {
            Checks.NotEmpty(baselines, name, nameof(baselines));
            // Rounding 0.5 to a token id would make up a baseline nobody chose.
            if (!inputs.is_floating_point() && (baselines.is_floating_point() || baselines.is_complex()))
                throw new ArgumentException(
                    $"{name}: the baselines are {baselines.dtype} but the inputs are {inputs.dtype}; the baselines are inputs too " +
                    "(for token ids: the ids of a reference text, e.g. all padding ids), so give them the inputs' dtype", nameof(baselines));
            if (inputs.is_floating_point()) Checks.FloatingReference(baselines, inputs.dtype, name, nameof(baselines));
        }
        var (alphas, weights) = LayerCore.Rule(method, nSteps, name);

        var x = inputs.detach();
        var xBase = LayerCore.InputBaseline(x, baselines, name);
        var z = LayerCore.Activations(_split.Bottom, x, name);
        var zBase = LayerCore.Activations(_split.Bottom, xBase, name);
        if (!zBase.shape.SequenceEqual(z.shape))
            throw new InvalidOperationException(
                $"{name}: the layer's output is {AttributionArgs.Str(zBase.shape)} for the baseline but {AttributionArgs.Str(z.shape)} for the input; " +
                "the path between them needs one shape (give baselines shaped like the inputs)");

        var avgGrad = LayerCore.LayerPathGradient(_split, x, z, zBase, alphas, weights, target, internalBatchSize, name, cancellationToken);
        if (!multiplyByInputs) return (avgGrad, x, xBase);
        var attributions = avgGrad * (z - zBase);
        avgGrad.Dispose();
        return (attributions, x, xBase);
    }
}
