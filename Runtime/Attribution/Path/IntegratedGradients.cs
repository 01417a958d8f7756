using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Integrated gradients (Sundararajan et al. 2017; Captum's <c>IntegratedGradients</c>):
/// IG_i(x) = (x_i − x'_i) · Σ_s w_s ∂f/∂x_i(x' + α_s (x − x')), the quadrature of the path integral of the gradient
/// along the straight line from the baseline x' to the input x. All B·n interpolation points go through the model in
/// one batch (sample-major: sample 0's n points first) unless <c>internalBatchSize</c> splits them.
/// </summary>
/// <remarks>
/// Differences from Captum, all deliberate: the Riemann grids are built in double precision, and the trapezoid rule
/// uses the correct weights 1/(n−1) (ends halved) that sum to 1, where Captum's 1/n (ends halved) scales every
/// attribution by (n−1)/n (see <see cref="IntegrationMethod.RiemannTrapezoid"/>).
/// </remarks>
public sealed class IntegratedGradients
{
    private readonly Func<Tensor, Tensor> _forward;

    /// <summary>Explains <paramref name="forward"/>, a function from a batch [B, ...] to outputs [B, ...].</summary>
    public IntegratedGradients(Func<Tensor, Tensor> forward)
    {
        ArgumentNullException.ThrowIfNull(forward);
        _forward = forward;
    }

    /// <summary>Explains <paramref name="model"/>'s <c>forward</c>.</summary>
    public IntegratedGradients(nn.Module<Tensor, Tensor> model) : this(GradientKit.ModelForward(model)) { }

    /// <summary>
    /// Integrated gradients of <paramref name="target"/> for every sample of <paramref name="inputs"/> ([B, ...]);
    /// returns attributions shaped like the inputs.
    /// </summary>
    /// <param name="inputs">The batch to explain, floating point, samples along dimension 0.</param>
    /// <param name="target">Which output to explain (a class, per-sample labels, the max, ...).</param>
    /// <param name="baselines">The reference x': one per sample [B, ...], one shaped like a sample [...], a 0-dim
    /// tensor, or any shape broadcastable to the inputs; null means zeros.</param>
    /// <param name="nSteps">Number of quadrature points n (≥ 1; ≥ 2 for the trapezoid rule). Default 50.</param>
    /// <param name="method">The quadrature rule; default Gauss–Legendre, as Captum.</param>
    /// <param name="internalBatchSize">At most this many interpolation points per model call (null: all B·n at once).
    /// On a CPU, chunks of a few dozen to a hundred rows are usually fastest: one huge batch spills the caches and
    /// allocates fresh memory for every activation (docs/benchmarks.md: IG on a CNN ~5× slower in one batch of 800 than in
    /// chunks of 64).
    /// The result does not depend on it.</param>
    /// <param name="multiplyByInputs">Multiply the integrated gradient by (x − x') (default, "global" attribution);
    /// false returns the path-averaged gradient alone ("local" attribution, Captum's <c>multiply_by_inputs=False</c>).</param>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? baselines = null, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.GaussLegendre, int? internalBatchSize = null, bool multiplyByInputs = true)
    {
        using var scope = NewDisposeScope();
        var (attributions, _, _) = Compute(inputs, target, baselines, nSteps, method, internalBatchSize, multiplyByInputs);
        return attributions.MoveToOuterDisposeScope();
    }

    /// <summary>Integrated gradients with the same scalar baseline for every feature (e.g. 0 or the data mean).</summary>
    /// <inheritdoc cref="Attribute(Tensor, Target, Tensor?, int, IntegrationMethod, int?, bool)"/>
    public Tensor Attribute(Tensor inputs, Target target, double baselines, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.GaussLegendre, int? internalBatchSize = null, bool multiplyByInputs = true)
    {
        using var scope = NewDisposeScope();
        using var b = tensor(baselines, inputs.is_floating_point() ? inputs.dtype : null);
        return Attribute(inputs, target, b, nSteps, method, internalBatchSize, multiplyByInputs).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Integrated gradients (multiplied by inputs) and the convergence delta per sample,
    /// δ_b = Σ_i IG_i(x_b) − (f(x_b) − f(x'_b)) ([B]): by completeness it tends to 0 as the quadrature converges,
    /// so |δ| measures the integration error.
    /// </summary>
    /// <inheritdoc cref="Attribute(Tensor, Target, Tensor?, int, IntegrationMethod, int?, bool)"/>
    public (Tensor Attributions, Tensor Delta) AttributeWithDelta(Tensor inputs, Target target, Tensor? baselines = null, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.GaussLegendre, int? internalBatchSize = null)
    {
        using var scope = NewDisposeScope();
        var (attributions, x, xb) = Compute(inputs, target, baselines, nSteps, method, internalBatchSize, multiplyByInputs: true);
        var delta = CompletenessDelta(_forward, attributions, x, xb, target);
        return (attributions.MoveToOuterDisposeScope(), delta.MoveToOuterDisposeScope());
    }

    /// <summary>Integrated gradients and convergence delta with a scalar baseline.</summary>
    /// <inheritdoc cref="AttributeWithDelta(Tensor, Target, Tensor?, int, IntegrationMethod, int?)"/>
    public (Tensor Attributions, Tensor Delta) AttributeWithDelta(Tensor inputs, Target target, double baselines, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.GaussLegendre, int? internalBatchSize = null)
    {
        using var scope = NewDisposeScope();
        using var b = tensor(baselines, inputs.is_floating_point() ? inputs.dtype : null);
        var (a, d) = AttributeWithDelta(inputs, target, b, nSteps, method, internalBatchSize);
        return (a.MoveToOuterDisposeScope(), d.MoveToOuterDisposeScope());
    }

    /// <summary>Σ_i a_i − (f(x) − f(x')) per sample.</summary>
    internal static Tensor CompletenessDelta(Func<Tensor, Tensor> forward, Tensor attributions, Tensor x, Tensor xb, Target target)
    {
        using var scope = NewDisposeScope();
        var fx = Gradients.Outputs(forward, x, target);
        var fb = Gradients.Outputs(forward, xb, target);
        using var noGrad = no_grad();
        var total = attributions.dim() == 1 ? attributions.detach() : attributions.detach().flatten(1).sum(1);
        var delta = total - (fx - fb).to(total.dtype);
        return delta.MoveToOuterDisposeScope();
    }

    private (Tensor Attributions, Tensor X, Tensor Baselines) Compute(Tensor inputs, Target target, Tensor? baselines, int nSteps,
        IntegrationMethod method, int? internalBatchSize, bool multiplyByInputs)
    {
        PathKit.CheckInputs(inputs);
        ArgumentNullException.ThrowIfNull(target);
        if (nSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(nSteps), nSteps, $"nSteps must be at least 1, got {nSteps}");
        if (method == IntegrationMethod.RiemannTrapezoid && nSteps < 2)
            throw new ArgumentOutOfRangeException(nameof(nSteps), nSteps, "the trapezoid rule needs nSteps ≥ 2 (both end points)");
        if (internalBatchSize is { } ibs && ibs < 1)
            throw new ArgumentOutOfRangeException(nameof(internalBatchSize), ibs, $"internalBatchSize must be at least 1, got {ibs}");
        var (alphas, weights) = IntegrationRule.Get(method, nSteps);

        var x = inputs.detach();
        var xb = PathKit.BroadcastBaselines(x, baselines);
        var b = x.size(0);
        long n = nSteps;
        Tensor attributions;
        using (no_grad())
        {
            using var diff = x - xb;
            using var a = tensor(alphas, PathKit.StepShape(n, x.dim()), x.dtype);
            using var diffU = diff.unsqueeze(1);
            using var xbU = xb.unsqueeze(1);
            using var step = a * diffU;                           // [B, n, ...]
            using var path = xbU + step;
            var flatShape = x.shape;
            flatShape[0] = b * n;
            using var points = path.reshape(flatShape);       // [B·n, ...], sample-major
            using var grads = PathKit.RowGradients(_forward, points, target.Repeat(n), internalBatchSize);
            using var w = tensor(weights, PathKit.StepShape(n, x.dim()), x.dtype);
            using var g = PathKit.SplitRows(grads, b, n);
            using var weighted = g * w;
            var integrated = weighted.sum(1);
            if (multiplyByInputs)
            {
                attributions = integrated * diff;
                integrated.Dispose();
            }
            else attributions = integrated;
        }
        return (attributions, x, xb);
    }
}
