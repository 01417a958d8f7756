using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Internal influence (Leino et al. 2018; Captum's <c>InternalInfluence</c>): the gradient of the
/// selected output with respect to a layer's activations z = h(x), averaged along the straight input
/// path x' + α(x − x'): Σ_s w_s ∂f/∂z |_{z = h(x' + α_s(x − x'))} (Captum's step-weighted sum).
/// <para>
/// lib-attribution's options: <c>multiplyByActivationDelta</c> multiplies the influence by z − z'
/// (z' = h(x'); with x' = 0 and a linear layer this is lib-attribution's "influence · activation"), and
/// <see cref="ChannelAggregation"/> reduces each feature map of a convolutional layer to one unit
/// (lib-attribution's default is <see cref="ChannelAggregation.Max"/>; the default here keeps the
/// layer's shape, as Captum).
/// </para>
/// </summary>
public sealed class InternalInfluence
{
    private const string Name = nameof(InternalInfluence);
    private readonly LayerSplit _split;

    /// <summary>Internal influence at the layer between <paramref name="bottom"/> (input → z) and <paramref name="top"/> (z → output).</summary>
    public InternalInfluence(Func<Tensor, Tensor> bottom, Func<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>Internal influence at the layer a split is cut at.</summary>
    public InternalInfluence(LayerSplit split) => _split = split ?? throw new ArgumentNullException(nameof(split));

    /// <summary>Internal influence at the layer between two modules.</summary>
    public InternalInfluence(torch.nn.Module<Tensor, Tensor> bottom, torch.nn.Module<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>Internal influence at the layer of <paramref name="model"/> with module path <paramref name="layerPath"/> (see <see cref="LayerSplit.At"/>).</summary>
    public InternalInfluence(torch.nn.Module<Tensor, Tensor> model, string layerPath) => _split = LayerSplit.At(model, layerPath);

    /// <summary>
    /// The path-averaged gradient ∂f/∂z, shaped like the layer's activations [B, ...] (or [B, C] when
    /// aggregated), optionally times z − z'.
    /// </summary>
    /// <param name="inputs">A floating-point batch [B, ...].</param>
    /// <param name="target">Which output to explain (lib-attribution's quantity of interest).</param>
    /// <param name="baselines">The path's start x', broadcastable to the input; default zeros.</param>
    /// <param name="nSteps">Number of path points (Captum's default 50).</param>
    /// <param name="method">The quadrature rule (Captum's default Gauss–Legendre).</param>
    /// <param name="multiplyByActivationDelta">Multiply the influence by z − z' (lib-attribution's <c>multiply_activation</c>).</param>
    /// <param name="aggregation">Per-channel reduction for [B, C, ...spatial] layers, applied last.</param>
    /// <param name="internalBatchSize">At most this many path rows per forward/backward pass (at least one step for the whole batch).</param>
    /// <param name="cancellationToken">Checked before any work and before every chunk of path rows: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? baselines = null, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.GaussLegendre, bool multiplyByActivationDelta = false,
        ChannelAggregation aggregation = ChannelAggregation.None, int? internalBatchSize = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AttributionArgs.CheckBatch(inputs, Name);
        Checks.Finite(inputs, Name, nameof(inputs));
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), Name);
        if (!inputs.is_floating_point())
            throw new ArgumentException($"{Name}: inputs must be floating point to interpolate from the baseline, got {inputs.dtype}", nameof(inputs));
        var (alphas, weights) = LayerCore.Rule(method, nSteps, Name);

        using var scope = NewDisposeScope();
        var x = inputs.detach();
        var b = x.size(0);
        var xBase = LayerCore.InputBaseline(x, baselines, Name);
        var perChunk = LayerCore.StepsPerChunk(internalBatchSize, b, nSteps, Name);
        Tensor? influence = null;
        for (var s0 = 0; s0 < nSteps; s0 += perChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var chunkScope = NewDisposeScope();
            var k = Math.Min(perChunk, nSteps - s0);
            var rows = LayerCore.PathRows(x, xBase, alphas.AsSpan(s0, k));
            var z = LayerCore.Activations(_split.Bottom, rows, Name);
            var g = LayerCore.TopGradients(_split, rows, z, target, b, k, Name);
            var part = LayerCore.WeightedSum(g, weights.AsSpan(s0, k));
            if (influence is null) influence = part.MoveToOuterDisposeScope();
            else influence.add_(part);
        }

        var result = influence!;
        if (multiplyByActivationDelta)
        {
            var z1 = LayerCore.Activations(_split.Bottom, x, Name);
            var z0 = LayerCore.Activations(_split.Bottom, xBase, Name);
            result = result * (z1 - z0);
        }
        return LayerCore.Aggregate(result, aggregation).MoveToOuterDisposeScope();
    }
}
