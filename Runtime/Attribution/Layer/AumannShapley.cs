using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Aumann–Shapley values of a layer's units (lib-attribution's <c>AumannShapley</c>): integrated
/// gradients in the layer's feature space. With z = bottom(x) and the layer baseline z' (bottom of the
/// input baseline, or given directly), attribution = (z − z') ⊙ Σ_s w_s ∂top/∂z |_{z' + α_s(z − z')}.
/// The path runs through <c>top</c> only, so the attributions sum to top(z) − top(z') up to the
/// quadrature error (completeness in feature space).
/// </summary>
public sealed class AumannShapley
{
    private const string Name = nameof(AumannShapley);
    private readonly LayerSplit _split;

    /// <summary>Aumann–Shapley values at the layer between <paramref name="bottom"/> (input → z) and <paramref name="top"/> (z → output).</summary>
    public AumannShapley(Func<Tensor, Tensor> bottom, Func<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>Aumann–Shapley values at the layer a split is cut at.</summary>
    public AumannShapley(LayerSplit split) => _split = split ?? throw new ArgumentNullException(nameof(split));

    /// <summary>Aumann–Shapley values at the layer between two modules.</summary>
    public AumannShapley(torch.nn.Module<Tensor, Tensor> bottom, torch.nn.Module<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>
    /// Aumann–Shapley values at the layer of <paramref name="model"/> with module path <paramref name="layerPath"/>
    /// (see <see cref="LayerSplit.At"/>). The rest of the model reads the input x at every path point, so with a skip
    /// connection around the layer the attributions sum to f(x; z) − f(x; z'), the model with the layer's output replaced.
    /// </summary>
    public AumannShapley(torch.nn.Module<Tensor, Tensor> model, string layerPath) => _split = LayerSplit.At(model, layerPath);

    /// <summary>Attributions shaped like the layer's activations [B, ...] (or [B, C] when aggregated).</summary>
    /// <param name="inputs">A batch [B, ...] (any dtype bottom accepts, e.g. token ids).</param>
    /// <param name="target">Which output to explain.</param>
    /// <param name="baselines">
    /// An input-space baseline x', broadcastable to the input: z' = bottom(x'). Default: z' = bottom(zeros)
    /// (lib-attribution's default). Give at most one of this and <paramref name="layerBaselines"/>.
    /// </param>
    /// <param name="layerBaselines">The layer baseline z' itself, broadcastable to the activations.</param>
    /// <param name="nSteps">Number of path points (default 50).</param>
    /// <param name="method">The quadrature rule (default Gauss–Legendre; lib-attribution used the right Riemann sum).</param>
    /// <param name="aggregation">Per-channel reduction for [B, C, ...spatial] layers, applied last.</param>
    /// <param name="internalBatchSize">At most this many path rows per forward/backward pass (at least one step for the whole batch).</param>
    /// <param name="cancellationToken">Checked before any work and before every chunk of path rows: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? baselines = null, Tensor? layerBaselines = null, int nSteps = 50,
        IntegrationMethod method = IntegrationMethod.GaussLegendre, ChannelAggregation aggregation = ChannelAggregation.None,
        int? internalBatchSize = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LayerCore.CheckInputs(inputs, Name);
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), Name);
        if (baselines is not null && layerBaselines is not null)
            throw new ArgumentException($"{Name}: give either baselines (input space) or layerBaselines (activation space), not both");
        var (alphas, weights) = LayerCore.Rule(method, nSteps, Name);

        using var scope = NewDisposeScope();
        var x = inputs.detach();
        var z = LayerCore.Activations(_split.Bottom, x, Name);
        Tensor zBase;
        if (layerBaselines is not null)
        {
            Checks.Live(layerBaselines, Name, nameof(layerBaselines));
            AttributionArgs.CheckBroadcastable(layerBaselines.shape, z.shape, $"{Name}: layerBaselines", "the layer activations");
            Checks.Finite(layerBaselines, Name, nameof(layerBaselines));
            zBase = layerBaselines.detach().to(z.dtype).expand(z.shape).contiguous();
        }
        else
        {
            var xBase = baselines is null ? zeros_like(x) : BroadcastInput(x, baselines);
            zBase = LayerCore.Activations(_split.Bottom, xBase, Name);
            if (!zBase.shape.SequenceEqual(z.shape))
                throw new InvalidOperationException($"{Name}: bottom returned {AttributionArgs.Str(zBase.shape)} for the baseline but {AttributionArgs.Str(z.shape)} for the input");
        }

        var avgGrad = LayerCore.LayerPathGradient(_split, x, z, zBase, alphas, weights, target, internalBatchSize, Name, cancellationToken);
        var attr = avgGrad * (z - zBase);
        return LayerCore.Aggregate(attr, aggregation).MoveToOuterDisposeScope();
    }

    private static Tensor BroadcastInput(Tensor x, Tensor baselines)
    {
        Checks.Live(baselines, Name, nameof(baselines));
        Checks.FloatingReference(baselines, x.dtype, Name, nameof(baselines));
        AttributionArgs.CheckBroadcastable(baselines.shape, x.shape, $"{Name}: baselines", "the input");
        Checks.Finite(baselines, Name, nameof(baselines));
        return baselines.detach().to(x.dtype).expand(x.shape).contiguous();
    }
}
