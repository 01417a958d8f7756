using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Layer feature ablation (Captum's <c>LayerFeatureAblation</c>): feature ablation of a layer's output. The layer's
/// activations z = h(x) are split into groups by a layer mask; each group in turn is replaced by the layer baseline and
/// the rest of the model is run on the ablated activations; every element of the group is attributed
/// f(z) − f(z with its group ablated), for the selected output. Several groups go through one pass of the rest of the
/// model (<c>perturbationsPerEval</c>).
/// </summary>
public sealed class LayerFeatureAblation
{
    private const string Name = nameof(LayerFeatureAblation);
    private readonly LayerSplit _split;

    /// <summary>Ablation at the layer between <paramref name="bottom"/> (input → z) and <paramref name="top"/> (z → output).</summary>
    public LayerFeatureAblation(Func<Tensor, Tensor> bottom, Func<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>Ablation at the layer a split is cut at.</summary>
    public LayerFeatureAblation(LayerSplit split) => _split = split ?? throw new ArgumentNullException(nameof(split));

    /// <summary>Ablation at the layer of <paramref name="model"/> with module path <paramref name="layerPath"/> (see <see cref="LayerSplit.At"/>).</summary>
    public LayerFeatureAblation(torch.nn.Module<Tensor, Tensor> model, string layerPath) => _split = LayerSplit.At(model, layerPath);

    /// <summary>Attributions shaped like the layer's output [B, ...].</summary>
    /// <param name="inputs">A batch [B, ...] of any dtype the model accepts.</param>
    /// <param name="target">Which output to explain (one value per sample).</param>
    /// <param name="layerMask">Integer group ids (int64, or int32) broadcastable to the layer's output; default: every
    /// element of the layer's output is its own group.</param>
    /// <param name="layerBaselines">What ablated activations become: a constant (default 0) or a tensor broadcastable to the layer's output.</param>
    /// <param name="perturbationsPerEval">How many groups are ablated in one pass of the rest of the model (B·k rows).</param>
    /// <param name="cancellationToken">Checked before any work and before every pass: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? layerMask = null, AblationBaseline layerBaselines = default, int perturbationsPerEval = 1,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LayerCore.CheckInputs(inputs, Name);
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), Name);
        if (perturbationsPerEval < 1)
            throw new ArgumentOutOfRangeException(nameof(perturbationsPerEval), perturbationsPerEval, $"{Name}: perturbationsPerEval must be at least 1");
        layerBaselines.CheckFinite(Name, nameof(layerBaselines));

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.detach();
        var z = LayerCore.Activations(_split.Bottom, x, Name);
        var shape = z.shape;
        var b = shape[0];
        var rank = shape.Length;
        var mask = AblationEngine.ExpandFeatureMask(layerMask, z, Name, nameof(layerMask), "the layer's output");
        var (ids, groupIndex) = AblationEngine.Groups(mask);
        var replacement = layerBaselines.Materialize(z, $"{Name}: {nameof(layerBaselines)}");
        var f0 = AblationEngine.Eval(LayerCore.CheckedTop(_split, x, Name), target, z, Name);
        var accType = AblationEngine.AccumulationType(f0);
        var sum = zeros([b, AttributionArgs.Product(shape[1..])], accType, z.device);

        for (long start = 0; start < ids.Length; start += perturbationsPerEval)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var chunkScope = NewDisposeScope();
            var k = Math.Min(perturbationsPerEval, ids.Length - start);
            var chunk = arange(start, start + k, device: z.device);
            var groupMask = groupIndex.unsqueeze(1).eq(AttributionArgs.AlongDim1(chunk, rank + 1)); // [B, k, ...]
            // The rest of the model reads each input row with each of its k ablated activations (sample-major).
            var top = LayerCore.CheckedTop(_split, LayerCore.RepeatRows(x, k), Name);
            var outputs = AblationEngine.EvalMasked(top, target, z, replacement, groupMask, Name);
            var drop = f0.to(accType).unsqueeze(1) - outputs.to(accType);
            sum.add_(AblationEngine.Spread(drop, groupMask));
        }
        return sum.reshape(shape).MoveToOuterDisposeScope();
    }
}
