namespace AttrDsl.Decomposition;

/// <summary>
/// CD rules for normalisation layers.
/// <list type="bullet">
/// <item>BatchNorm1d/2d in eval mode (ALGORITHMS.md §5): an affine map per channel, y = s·x + t with s = w/√(var+eps)
/// and t = bias − mean·s; r = s·β, i = s·γ, and the constant t is shared like a linear layer's bias.</item>
/// <item>LayerNorm (the literature gives no single rule; this one keeps β + γ exact and follows CD-T's treatment of
/// normalisation statistics): the centring x − mean(x) is linear and is applied to β and γ separately; the standard
/// deviation σ is computed from the full input β + γ and both parts are divided by it (a constant scale given the
/// input); then the elementwise weight multiplies both and the elementwise bias is shared like a linear layer's bias.
/// So β' = w·(β − mean β)/σ + b·s, γ' = w·(γ − mean γ)/σ + b·(1 − s), β' + γ' = LayerNorm(β + γ). A full mask
/// (γ = 0) gives γ' = 0.</item>
/// </list>
/// </summary>
public static class NormalizationRules
{
    /// <summary>CD of a BatchNorm1d/BatchNorm2d layer; it must be in eval mode and track running statistics.</summary>
    public static Decomposition BatchNorm(NormBase layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.training)
            throw new InvalidOperationException($"{layer.GetType().Name} is in training mode, where it normalises with the batch's own statistics and β, γ have no exact split; call model.eval() before decomposing.");
        if (layer.running_mean is null || layer.running_var is null)
            throw new InvalidOperationException($"{layer.GetType().Name} was built with track_running_stats: false, so even in eval mode it uses batch statistics; CD needs running statistics (track_running_stats: true).");
        return batch_norm(d, layer.running_mean, layer.running_var, layer.weight, layer.bias, layer.eps);
    }

    /// <summary>Functional eval-mode batch normalisation over channel dimension 1 with the given running statistics.</summary>
    public static Decomposition batch_norm(Decomposition d, Tensor runningMean, Tensor runningVar, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(runningMean);
        ArgumentNullException.ThrowIfNull(runningVar);
        using var scope = NewDisposeScope();
        var scale = (runningVar + eps).rsqrt();
        if (weight is not null) scale = scale * weight;
        var shift = -runningMean * scale;
        if (bias is not null) shift = shift + bias;
        var dims = d.Relevant.dim();
        var s = LinearRules.ChannelBias(scale, dims);
        var r = d.Relevant * s;
        var i = d.Irrelevant * s;
        return BiasShare.Split(r, i, LinearRules.ChannelBias(shift, dims)).MoveToOuterDisposeScope();
    }

    /// <summary>CD of a <see cref="LayerNorm"/> layer (rule in the class remarks: σ from β + γ, centring and weight linear, bias shared).</summary>
    public static Decomposition LayerNorm(LayerNorm layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return layer_norm(d, layer.normalized_shape, layer.elementwise_affine ? layer.weight : null, layer.elementwise_affine ? layer.bias : null, layer.eps);
    }

    /// <summary>The functional LayerNorm rule over the last <paramref name="normalizedShape"/>.Length dimensions.</summary>
    public static Decomposition layer_norm(Decomposition d, long[] normalizedShape, Tensor? weight, Tensor? bias, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        var dims = d.Relevant.dim();
        if (normalizedShape.Length == 0 || normalizedShape.Length > dims)
            throw new ArgumentException($"LayerNorm normalises the last {normalizedShape.Length} dimension(s) but the activation has {dims}; give a normalized_shape of 1..{dims} trailing dimensions.");
        using var scope = NewDisposeScope();
        var axes = Enumerable.Range((int)dims - normalizedShape.Length, normalizedShape.Length).Select(a => (long)a).ToArray();
        var total = d.Relevant + d.Irrelevant;
        // The biased variance, as LayerNorm itself uses.
        var invStd = (total.var(axes, unbiased: false, keepdim: true) + eps).rsqrt();
        var r = (d.Relevant - d.Relevant.mean(axes, keepdim: true)) * invStd;
        var i = (d.Irrelevant - d.Irrelevant.mean(axes, keepdim: true)) * invStd;
        if (weight is not null) { r = r * weight; i = i * weight; }
        return BiasShare.Split(r, i, bias).MoveToOuterDisposeScope();
    }
}
