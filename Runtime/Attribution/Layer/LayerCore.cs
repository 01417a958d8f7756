using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>Pieces the layer methods share: activations, top gradients along a path, aggregation.</summary>
internal static class LayerCore
{
    /// <summary>bottom(x) without recording gradients, checked to keep the batch dimension.</summary>
    internal static Tensor Activations(Func<Tensor, Tensor> bottom, Tensor x, string method)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var z = bottom(x);
        if (z is null)
            throw new InvalidOperationException($"{method}: the bottom part returned null; it must return the layer's activations [B, ...]");
        if (z.dim() < 1 || z.size(0) != x.size(0))
            throw new InvalidOperationException($"{method}: the bottom part returned activations of shape {AttributionArgs.Str(z.shape)} for a batch of {x.size(0)} rows; it must keep the batch dimension first");
        if (!z.is_floating_point())
            throw new InvalidOperationException($"{method}: the layer activations are {z.dtype}; gradients need floating-point activations");
        return z.detach().MoveToOuterDisposeScope();
    }

    /// <summary>Rows base + α(x − base) for the given alphas, sample-major: [B·k, ...].</summary>
    internal static Tensor PathRows(Tensor x, Tensor xBase, ReadOnlySpan<double> alphas)
    {
        using var scope = NewDisposeScope();
        var k = alphas.Length;
        var a = tensor(alphas.ToArray()).to(x.dtype, x.device);
        var aShaped = AttributionArgs.AlongDim1(a, x.dim() + 1);                 // [1, k, 1, ...]
        var delta = (x - xBase).unsqueeze(1);                                    // [B, 1, ...]
        var rows = xBase.unsqueeze(1) + aShaped * delta;                         // [B, k, ...]
        return rows.reshape([x.size(0) * k, .. x.shape[1..]]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ∂Σ target(rest(x, z))/∂z for activation rows z [B·k, ...] holding k path points per sample (sample-major), as
    /// [B, k, ...]; <paramref name="xRows"/> are the matching input rows, which the rest of a split made by
    /// <see cref="LayerSplit.At"/> reads (a hand-made split ignores them).
    /// </summary>
    internal static Tensor TopGradients(LayerSplit split, Tensor xRows, Tensor zRows, Target target, long b, long k, string method)
    {
        using var scope = NewDisposeScope();
        var g = Gradients.Of(CheckedTop(split, xRows, method), zRows, k == 1 ? target : target.Repeat(k), createGraph: false, method, requireFinite: true, inputChecked: true);
        return g.reshape([b, k, .. zRows.shape[1..]]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The rest of the model at input rows <paramref name="xRows"/> as a function of the activations, with its output
    /// checked by <see cref="Checks.Output"/> (not null, floating point, one row per activation row): it is the model's
    /// output, and a null or integer one would otherwise surface as a NullReferenceException or a misleading "does not
    /// require grad" from the gradient.
    /// </summary>
    internal static Func<Tensor, Tensor> CheckedTop(LayerSplit split, Tensor xRows, string method) =>
        z => Checks.Output(split.Forward(xRows, z), z.size(0), method);

    /// <summary>
    /// The layer's activations at <paramref name="x"/> and ∂Σ target/∂activations there ([B, ...] each). A split made by
    /// name does it in one forward (the layer's output becomes the leaf the gradient is taken for); a split of two
    /// functions runs the bottom, then the top with gradients.
    /// </summary>
    internal static (Tensor Activations, Tensor Gradients) ActivationsAndGradients(LayerSplit split, Tensor x, Target target, string method)
    {
        if (split.Named is { } layer) return ModelCall.Run(() => layer.ActivationsAndGradients(x, target, method), method, x, layer.Root);
        using var scope = NewDisposeScope();
        var z = Activations(split.Bottom, x, method);
        var g = Gradients.Of(CheckedTop(split, x, method), z, target, createGraph: false, method, requireFinite: true, inputChecked: true);
        return (z.MoveToOuterDisposeScope(), g.MoveToOuterDisposeScope());
    }

    /// <summary>Each row of <paramref name="x"/> [B, ...] repeated <paramref name="k"/> times, sample-major: [B·k, ...].</summary>
    internal static Tensor RepeatRows(Tensor x, long k)
    {
        if (k == 1) return x.alias();
        using var scope = NewDisposeScope();
        var shape = x.shape;
        var expanded = x.unsqueeze(1).expand([shape[0], k, .. shape[1..]]);
        return expanded.reshape([shape[0] * k, .. shape[1..]]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The argument rules every layer method applies to its inputs: a non-empty batch (<see cref="Checks.NotEmpty"/>)
    /// with a batch dimension, and finite values (NaN or ±Inf would make every attribution NaN).
    /// </summary>
    internal static void CheckInputs(Tensor inputs, string method)
    {
        Checks.NotEmpty(inputs, method);
        if (inputs.dim() < 1)
            throw new ArgumentException($"{method}: inputs must be a batch [B, ...], got a 0-dim tensor", nameof(inputs));
        Checks.Finite(inputs, method, nameof(inputs));
    }

    /// <summary>
    /// Σ_s w_s ∂f/∂z at z' + α_s (z − z'): the gradient averaged along the straight path in the layer's space, [B, ...].
    /// The rest of the model reads the input x itself at every point (Captum's forward on the inputs with the layer's
    /// output replaced), repeated per point in the same sample-major order; at most <paramref name="internalBatchSize"/>
    /// rows per pass.
    /// </summary>
    internal static Tensor LayerPathGradient(LayerSplit split, Tensor x, Tensor z, Tensor zBase, double[] alphas, double[] weights,
        Target target, int? internalBatchSize, string method, CancellationToken cancellationToken)
    {
        var b = x.size(0);
        var nSteps = alphas.Length;
        var perChunk = StepsPerChunk(internalBatchSize, b, nSteps, method);
        Tensor? avgGrad = null;
        for (var s0 = 0; s0 < nSteps; s0 += perChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var chunkScope = NewDisposeScope();
            var k = Math.Min(perChunk, nSteps - s0);
            var rows = PathRows(z, zBase, alphas.AsSpan(s0, k));
            var g = TopGradients(split, RepeatRows(x, k), rows, target, b, k, method);
            var part = WeightedSum(g, weights.AsSpan(s0, k));
            if (avgGrad is null) avgGrad = part.MoveToOuterDisposeScope();
            else avgGrad.add_(part);
        }
        return avgGrad!;
    }

    /// <summary>Σ_s w_s g[:, s] for g [B, k, ...] and k weights.</summary>
    internal static Tensor WeightedSum(Tensor g, ReadOnlySpan<double> weights)
    {
        using var scope = NewDisposeScope();
        var w = tensor(weights.ToArray()).to(g.dtype, g.device);
        return (g * AttributionArgs.AlongDim1(w, g.dim())).sum(1).MoveToOuterDisposeScope();
    }

    /// <summary>Path steps evaluated per forward/backward pass for a batch of <paramref name="b"/> under an internal batch size.</summary>
    internal static int StepsPerChunk(int? internalBatchSize, long b, int nSteps, string method)
    {
        if (internalBatchSize is null) return nSteps;
        if (internalBatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(internalBatchSize), internalBatchSize, $"{method}: internalBatchSize must be at least 1");
        return (int)Math.Clamp(internalBatchSize.Value / b, 1, nSteps);
    }

    /// <summary>The (α, w) rule for <paramref name="n"/> points.</summary>
    internal static (double[] Alphas, double[] Weights) Rule(IntegrationMethod method, int n, string method_, string what = "nSteps")
    {
        if (n < 1) throw new ArgumentOutOfRangeException(what, n, $"{method_}: {what} must be at least 1");
        var max = IntegrationRule.MaxSteps(method);
        if (n > max)
            throw new ArgumentOutOfRangeException(what, n, $"{method_}: {what} = {n} exceeds the {method} rule's limit of {max} points; fewer points are as accurate for smooth models (50 is the default)");
        return IntegrationRule.Get(method, n);
    }

    /// <summary>Reduces [B, C, ...spatial] to [B, C] per <paramref name="aggregation"/>; tensors of rank ≤ 2 are returned unchanged.</summary>
    internal static Tensor Aggregate(Tensor attr, ChannelAggregation aggregation)
    {
        Checks.Defined(aggregation, nameof(aggregation));
        if (aggregation == ChannelAggregation.None || attr.dim() <= 2) return attr.alias();
        var dims = Enumerable.Range(2, (int)attr.dim() - 2).Select(d => (long)d).ToArray();
        return aggregation switch
        {
            ChannelAggregation.Max => attr.amax(dims),
            ChannelAggregation.Mean => attr.mean(dims),
            ChannelAggregation.Sum => attr.sum(dims),
            _ => throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, $"unknown channel aggregation {aggregation}"),
        };
    }

    /// <summary>The baseline input: zeros when null, else checked to broadcast to <paramref name="x"/> and expanded.</summary>
    internal static Tensor InputBaseline(Tensor x, Tensor? baselines, string method)
    {
        if (baselines is null) return zeros_like(x);
        Checks.Live(baselines, method, nameof(baselines));
        if (x.is_floating_point()) Checks.FloatingReference(baselines, x.dtype, method, nameof(baselines));
        AttributionArgs.CheckBroadcastable(baselines.shape, x.shape, $"{method}: baselines", "the input");
        Checks.Finite(baselines, method, nameof(baselines));
        using var converted = baselines.detach().to(x.dtype);
        using var expanded = converted.expand(x.shape);
        return expanded.contiguous();
    }
}
