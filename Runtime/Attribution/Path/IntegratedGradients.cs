using AttrDsl.Internal;
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
        _forward = ModelCall.Guard(forward, nameof(IntegratedGradients));
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
    /// <param name="nSteps">Number of quadrature points n (≥ 1; ≥ 2 for the trapezoid rule; at most
    /// <see cref="IntegrationRule.MaxGaussLegendreSteps"/> = 1024 for Gauss–Legendre and
    /// <see cref="IntegrationRule.MaxRiemannSteps"/> = 1,000,000 for the Riemann rules). Default 50.</param>
    /// <param name="method">The quadrature rule; default Gauss–Legendre, as Captum.</param>
    /// <param name="internalBatchSize">At most this many interpolation points per model call (null: all B·n at once).
    /// On a CPU, chunks of a few dozen to a hundred rows are usually fastest: one huge batch spills the caches and
    /// allocates fresh memory for every activation (docs/benchmarks.md: IG on a CNN ~5× slower in one batch of 800 than in
    /// chunks of 64). The interpolation points are built chunk by chunk, so it also bounds the memory they take.
    /// The result does not depend on it.</param>
    /// <param name="multiplyByInputs">Multiply the integrated gradient by (x − x') (default, "global" attribution);
    /// false returns the path-averaged gradient alone ("local" attribution, Captum's <c>multiply_by_inputs=False</c>).</param>
    /// <param name="cancellationToken">Checked before the call does any work and before every model call (every chunk
    /// of <paramref name="internalBatchSize"/> points): once cancelled, <see cref="OperationCanceledException"/> is thrown
    /// and nothing is returned.</param>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point, or contain NaN/±Inf; the baselines
    /// contain NaN/±Inf or do not broadcast to the inputs; per-sample targets do not give one class per sample.</exception>
    /// <exception cref="ArgumentOutOfRangeException">nSteps outside [1, <see cref="IntegrationRule.MaxSteps"/>(method)],
    /// internalBatchSize &lt; 1, or one model call's interpolation points alone would not fit in memory.</exception>
    /// <exception cref="InvalidOperationException">The model returned null, a non-floating-point output, or not one row per point.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? baselines = null, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.GaussLegendre, int? internalBatchSize = null, bool multiplyByInputs = true,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var (attributions, _, _) = Compute(AttributeName, inputs, target, baselines, nSteps, method, internalBatchSize, multiplyByInputs, cancellationToken);
        return attributions.MoveToOuterDisposeScope();
    }

    private const string AttributeName = "IntegratedGradients.Attribute";
    private const string WithDeltaName = "IntegratedGradients.AttributeWithDelta";

    /// <summary>Integrated gradients with the same scalar baseline for every feature (e.g. 0 or the data mean).</summary>
    /// <inheritdoc cref="Attribute(Tensor, Target, Tensor?, int, IntegrationMethod, int?, bool, CancellationToken)"/>
    public Tensor Attribute(Tensor inputs, Target target, double baselines, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.GaussLegendre, int? internalBatchSize = null, bool multiplyByInputs = true,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Checks.NotEmpty(inputs, AttributeName);
        using var scope = NewDisposeScope();
        using var b = tensor(baselines, inputs.is_floating_point() ? inputs.dtype : null, inputs.device);
        return Attribute(inputs, target, b, nSteps, method, internalBatchSize, multiplyByInputs, cancellationToken).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Integrated gradients (multiplied by inputs) and the convergence delta per sample,
    /// δ_b = Σ_i IG_i(x_b) − (f(x_b) − f(x'_b)) ([B]): by completeness it tends to 0 as the quadrature converges,
    /// so |δ| measures the integration error.
    /// </summary>
    /// <inheritdoc cref="Attribute(Tensor, Target, Tensor?, int, IntegrationMethod, int?, bool, CancellationToken)"/>
    public (Tensor Attributions, Tensor Delta) AttributeWithDelta(Tensor inputs, Target target, Tensor? baselines = null, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.GaussLegendre, int? internalBatchSize = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var (attributions, x, xb) = Compute(WithDeltaName, inputs, target, baselines, nSteps, method, internalBatchSize, multiplyByInputs: true, cancellationToken);
        var delta = CompletenessDelta(_forward, attributions, x, xb, target, WithDeltaName);
        return (attributions.MoveToOuterDisposeScope(), delta.MoveToOuterDisposeScope());
    }

    /// <summary>Integrated gradients and convergence delta with a scalar baseline.</summary>
    /// <inheritdoc cref="AttributeWithDelta(Tensor, Target, Tensor?, int, IntegrationMethod, int?, CancellationToken)"/>
    public (Tensor Attributions, Tensor Delta) AttributeWithDelta(Tensor inputs, Target target, double baselines, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.GaussLegendre, int? internalBatchSize = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Checks.NotEmpty(inputs, WithDeltaName);
        using var scope = NewDisposeScope();
        using var b = tensor(baselines, inputs.is_floating_point() ? inputs.dtype : null, inputs.device);
        var (a, d) = AttributeWithDelta(inputs, target, b, nSteps, method, internalBatchSize, cancellationToken);
        return (a.MoveToOuterDisposeScope(), d.MoveToOuterDisposeScope());
    }

    /// <summary>Σ_i a_i − (f(x) − f(x')) per sample.</summary>
    internal static Tensor CompletenessDelta(Func<Tensor, Tensor> forward, Tensor attributions, Tensor x, Tensor xb, Target target, string method)
    {
        using var scope = NewDisposeScope();
        var fx = Gradients.Outputs(forward, x, target, method);
        var fb = Gradients.Outputs(forward, xb, target, method);
        using var noGrad = no_grad();
        var total = attributions.dim() == 1 ? attributions.detach() : attributions.detach().flatten(1).sum(1);
        var delta = total - (fx - fb).to(total.dtype);
        return delta.MoveToOuterDisposeScope();
    }

    private (Tensor Attributions, Tensor X, Tensor Baselines) Compute(string name, Tensor inputs, Target target, Tensor? baselines, int nSteps,
        IntegrationMethod method, int? internalBatchSize, bool multiplyByInputs, CancellationToken cancellationToken)
    {
        PathKit.CheckBatch(inputs, target, name);
        if (baselines is not null)
        {
            Checks.NotEmpty(baselines, name, nameof(baselines));
            Checks.Finite(baselines, name, nameof(baselines));
        }
        if (!Enum.IsDefined(method))
            throw new ArgumentOutOfRangeException(nameof(method), method, $"{name}: unknown integration method {method}");
        if (nSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(nSteps), nSteps, $"{name}: nSteps must be at least 1, got {nSteps}");
        if (method == IntegrationMethod.RiemannTrapezoid && nSteps < 2)
            throw new ArgumentOutOfRangeException(nameof(nSteps), nSteps, $"{name}: the trapezoid rule needs nSteps ≥ 2 (both end points)");
        var maxSteps = IntegrationRule.MaxSteps(method);
        if (nSteps > maxSteps)
            throw new ArgumentOutOfRangeException(nameof(nSteps), nSteps,
                $"{name}: nSteps = {nSteps} is more than {method} allows ({maxSteps}; see IntegrationRule.MaxSteps). " +
                (method == IntegrationMethod.GaussLegendre
                    ? "Gauss–Legendre is exact for polynomials of degree 2·nSteps − 1, so a few hundred steps suffice for a smooth model; for a non-smooth one use a Riemann rule."
                    : "More steps cannot improve the attribution."));
        if (internalBatchSize is { } ibs && ibs < 1)
            throw new ArgumentOutOfRangeException(nameof(internalBatchSize), ibs, $"{name}: internalBatchSize must be at least 1, got {ibs}");

        var b = inputs.size(0);
        long n = nSteps;
        var total = b * n;                                        // ≤ 2^43 · 10^6: no overflow for any real batch
        var chunk = internalBatchSize is { } c ? Math.Min(c, total) : total;
        if (internalBatchSize is null)
            Checks.FitsInMemory(chunk, inputs, name, nameof(nSteps), nSteps, $"B·nSteps = {b}·{nSteps} = {total} interpolation points in one model call",
                "pass internalBatchSize (e.g. 64) to build and evaluate the points in chunks, or lower nSteps");
        else
            Checks.FitsInMemory(chunk, inputs, name, nameof(internalBatchSize), internalBatchSize.Value, $"{chunk} interpolation points per model call",
                "lower internalBatchSize");
        var (alphas, weights) = IntegrationRule.Get(method, nSteps);

        var x = inputs.detach();
        var xb = PathKit.BroadcastBaselines(x, baselines, name);
        Tensor attributions;
        using (no_grad())
        {
            // The B·n points x' + α_s (x − x') are built chunk by chunk from row indices (row r: sample r / n, step
            // r mod n; sample-major as Captum), and each chunk's weighted gradients are added into its samples' rows,
            // so no tensor of B·n rows exists unless one chunk holds them all.
            using var diff = x - xb;
            using var alphaT = tensor(alphas, [n], x.dtype, x.device);
            using var weightT = tensor(weights, [n], x.dtype, x.device);
            using var one = 1.ToScalar();
            var integrated = zeros_like(x);
            for (long start = 0; start < total; start += chunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var step = NewDisposeScope();
                var len = Math.Min(chunk, total - start);
                var rows = arange(start, start + len, int64, x.device);
                var sample = rows.div(n, RoundingMode.floor);
                var s = rows.remainder(n);
                var rowShape = PathKit.RowShape(len, x.dim());
                var a = alphaT.index_select(0, s).reshape(rowShape);
                var points = xb.index_select(0, sample) + a * diff.index_select(0, sample);
                var g = PathKit.ChunkGradient(_forward, points, target.ForSamples(sample), createGraph: false, name);
                var w = weightT.index_select(0, s).reshape(rowShape);
                integrated.index_add_(0, sample, g * w, one);
            }
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
