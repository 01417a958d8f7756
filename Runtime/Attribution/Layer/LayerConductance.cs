using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Layer conductance (Dhamdhere et al. 2018; Captum's <c>LayerConductance</c>): the flow of the
/// integrated gradient through each unit of a layer, Σ_k (z(α_{k+1}) − z(α_k)) · ∂f/∂z(α_k), where
/// z(α) = h(x' + α(x − x')) are the layer's activations along the straight input path — finite
/// differences of the activations, so the attributions sum to f(x) − f(x') up to the discretisation.
/// <para>
/// The n + 1 path points are the α's of <c>method</c> for n + 1 points. The default is the trapezoid
/// grid linspace(0, 1, n + 1), whose differences telescope to z(x) − z(x') exactly. Captum's default,
/// Gauss–Legendre, never reaches α = 0 or 1, so its sum also misses the two end segments of the path.
/// </para>
/// </summary>
public sealed class LayerConductance
{
    private const string Name = nameof(LayerConductance);
    private readonly LayerSplit _split;

    /// <summary>Conductance of the layer between <paramref name="bottom"/> (input → z) and <paramref name="top"/> (z → output).</summary>
    public LayerConductance(Func<Tensor, Tensor> bottom, Func<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>Conductance of the layer a split is cut at.</summary>
    public LayerConductance(LayerSplit split) => _split = split ?? throw new ArgumentNullException(nameof(split));

    /// <summary>Conductance of the layer between two modules.</summary>
    public LayerConductance(torch.nn.Module<Tensor, Tensor> bottom, torch.nn.Module<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>Conductance of the layer of <paramref name="model"/> with module path <paramref name="layerPath"/> (see <see cref="LayerSplit.At"/>).</summary>
    public LayerConductance(torch.nn.Module<Tensor, Tensor> model, string layerPath) => _split = LayerSplit.At(model, layerPath);

    /// <summary>
    /// The conductance of every unit, shaped like the layer's activations [B, ...] (or [B, C] when
    /// aggregated); each sample's total approximates f(x) − f(x').
    /// </summary>
    /// <param name="inputs">A floating-point batch [B, ...].</param>
    /// <param name="target">Which output to explain.</param>
    /// <param name="baselines">The path's start x', broadcastable to the input; default zeros.</param>
    /// <param name="nSteps">Number of path segments n (n + 1 points; Captum's default 50).</param>
    /// <param name="method">Where the n + 1 points lie (default trapezoid: α = k/n, k = 0..n).</param>
    /// <param name="aggregation">Per-channel reduction for [B, C, ...spatial] layers (use <see cref="ChannelAggregation.Sum"/> to keep completeness).</param>
    /// <param name="internalBatchSize">At most this many path rows per forward/backward pass (at least one step for the whole batch).</param>
    /// <param name="cancellationToken">Checked before any work and before every chunk of path rows: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? baselines = null, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.RiemannTrapezoid, ChannelAggregation aggregation = ChannelAggregation.None,
        int? internalBatchSize = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AttributionArgs.CheckBatch(inputs, Name);
        Checks.Finite(inputs, Name, nameof(inputs));
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), Name);
        if (!inputs.is_floating_point())
            throw new ArgumentException($"{Name}: inputs must be floating point to interpolate from the baseline, got {inputs.dtype}", nameof(inputs));
        if (nSteps < 1) throw new ArgumentOutOfRangeException(nameof(nSteps), nSteps, $"{Name}: nSteps must be at least 1");
        // The rule has nSteps + 1 points (both ends): check nSteps itself against the limit, before the + 1 can overflow.
        if (nSteps > IntegrationRule.MaxSteps(method) - 1)
            throw new ArgumentOutOfRangeException(nameof(nSteps), nSteps, $"{Name}: nSteps = {nSteps} exceeds the {method} rule's limit of {IntegrationRule.MaxSteps(method) - 1} steps; fewer steps are as accurate for smooth models (50 is the default)");
        var (alphas, _) = LayerCore.Rule(method, nSteps + 1, Name);

        using var scope = NewDisposeScope();
        var x = inputs.detach();
        var b = x.size(0);
        var xBase = LayerCore.InputBaseline(x, baselines, Name);
        var perChunk = LayerCore.StepsPerChunk(internalBatchSize, b, nSteps, Name);
        Tensor? total = null;
        for (var s0 = 0; s0 < nSteps; s0 += perChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var chunkScope = NewDisposeScope();
            var k = Math.Min(perChunk, nSteps - s0);
            // Activations at points s0..s0+k (k + 1 of them), gradients at the first k.
            var rows = LayerCore.PathRows(x, xBase, alphas.AsSpan(s0, k + 1));
            var zAll = LayerCore.Activations(_split.Bottom, rows, Name);
            var zShape = zAll.shape[1..];
            var z = zAll.reshape([b, k + 1, .. zShape]);
            var zStart = z.narrow(1, 0, k);
            var dz = z.narrow(1, 1, k) - zStart;                                         // [B, k, ...]
            var zRows = zStart.reshape([b * k, .. zShape]);
            // The input rows of the same k points: the rest of a split made by LayerSplit.At reads them.
            var xRows = rows.reshape([b, k + 1, .. x.shape[1..]]).narrow(1, 0, k).reshape([b * k, .. x.shape[1..]]);
            var g = LayerCore.TopGradients(_split, xRows, zRows, target, b, k, Name);
            var part = (dz * g).sum(1);
            if (total is null) total = part.MoveToOuterDisposeScope();
            else total.add_(part);
        }
        return LayerCore.Aggregate(total!, aggregation).MoveToOuterDisposeScope();
    }
}
