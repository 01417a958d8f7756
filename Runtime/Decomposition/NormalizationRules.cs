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
/// <item>GroupNorm (the LayerNorm rule per group): the channels are split in G groups; the mean and σ of each group of
/// each sample are those of the full value β + γ for σ, while β and γ are each centred by their own group mean; both are
/// divided by σ, the per-channel weight multiplies both and the per-channel bias is shared by <see cref="BiasShare"/>.
/// β' + γ' = GroupNorm(β + γ); a full mask (γ = 0) gives γ' = 0 (and an empty one β' = 0) up to the bias share.</item>
/// <item>InstanceNorm1d/2d: with running statistics in eval mode it is an affine map per channel (the BatchNorm rule);
/// otherwise it normalises each channel of each sample by its own statistics, which is GroupNorm with one group per
/// channel (the rule above).</item>
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
        Interpretation.Refuse("layer normalisation");
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

    /// <summary>
    /// CD of a <see cref="GroupNorm"/> layer (rule in the class remarks: per group, σ from β + γ, each part centred by its
    /// own group mean and divided by σ, weight applied to both, bias shared by <see cref="BiasShare"/>).
    /// </summary>
    public static Decomposition GroupNorm(GroupNorm layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return group_norm(d, layer.num_groups, layer.affine ? layer.weight : null, layer.affine ? layer.bias : null, layer.eps);
    }

    /// <summary>
    /// The functional GroupNorm rule for [N, C, ...] activations: C split in <paramref name="numGroups"/> groups, σ of each
    /// (sample, group) from β + γ (biased variance, as GroupNorm), β and γ centred by their own group means and divided
    /// by σ, then the per-channel <paramref name="weight"/> on both and the per-channel <paramref name="bias"/> shared by
    /// <see cref="BiasShare.Split"/>. β' + γ' = group_norm(β + γ).
    /// </summary>
    /// <exception cref="ArgumentException">The activation has no channel dimension, or C is not a multiple of the group count.</exception>
    public static Decomposition group_norm(Decomposition d, long numGroups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        Interpretation.Refuse("group normalisation");
        var dims = d.Relevant.dim();
        if (dims < 2)
            throw new ArgumentException($"GroupNorm needs [N, C, ...] activations; this one is [{string.Join(", ", d.Relevant.shape)}].");
        var shape = d.Relevant.shape;
        if (numGroups <= 0 || shape[1] % numGroups != 0)
            throw new ArgumentException($"GroupNorm splits the {shape[1]} channels in {numGroups} groups; the channel count must be a positive multiple of the group count.");
        using var scope = NewDisposeScope();
        var grouped = new long[] { shape[0], numGroups, -1 };
        long[] axis = [2];
        var total = (d.Relevant + d.Irrelevant).reshape(grouped);
        var invStd = (total.var(axis, unbiased: false, keepdim: true) + eps).rsqrt();
        var rg = d.Relevant.reshape(grouped);
        var ig = d.Irrelevant.reshape(grouped);
        var r = ((rg - rg.mean(axis, keepdim: true)) * invStd).reshape(shape);
        var i = ((ig - ig.mean(axis, keepdim: true)) * invStd).reshape(shape);
        if (weight is not null)
        {
            var w = LinearRules.ChannelBias(weight, dims);
            r = r * w;
            i = i * w;
        }
        return BiasShare.Split(r, i, bias is null ? null : LinearRules.ChannelBias(bias, dims)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// CD of an InstanceNorm1d/InstanceNorm2d layer: in eval mode with running statistics the BatchNorm rule
    /// (<see cref="batch_norm"/>); otherwise — no running statistics, or training mode, where the layer normalises by the
    /// input's own statistics — the GroupNorm rule with one group per channel (<see cref="instance_norm"/>).
    /// </summary>
    public static Decomposition InstanceNorm(InstanceNorm layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var useRunning = layer.track_running_stats && !layer.training && layer.running_mean is not null && layer.running_var is not null;
        return instance_norm(d, useRunning ? layer.running_mean : null, useRunning ? layer.running_var : null,
                             layer.affine ? layer.weight : null, layer.affine ? layer.bias : null, !useRunning, layer.eps);
    }

    /// <summary>
    /// The functional instance-normalisation rule for [N, C, ...] activations. With <paramref name="useInputStats"/> each
    /// (sample, channel) is normalised by its own statistics: the GroupNorm rule with C groups (σ from β + γ, each part
    /// centred by its own mean); otherwise by <paramref name="runningMean"/>/<paramref name="runningVar"/>, the BatchNorm
    /// rule. The running statistics are never updated.
    /// </summary>
    /// <exception cref="ArgumentException">Input statistics on an activation without spatial dimensions, or running statistics missing.</exception>
    public static Decomposition instance_norm(Decomposition d, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool useInputStats, double eps = 1e-5)
    {
        if (!useInputStats)
        {
            if (runningMean is null || runningVar is null)
                throw new ArgumentException("instance_norm without input statistics needs running_mean and running_var.");
            return batch_norm(d, runningMean, runningVar, weight, bias, eps);
        }
        Interpretation.Refuse("instance normalisation with the input's own statistics");
        if (d.Relevant.dim() < 3)
            throw new ArgumentException($"Instance normalisation with input statistics needs batched [N, C, L...] activations; this one is [{string.Join(", ", d.Relevant.shape)}].");
        return group_norm(d, d.Relevant.shape[1], weight, bias, eps);
    }
}
