namespace AttrDsl.Attribution;

/// <summary>
/// Guided Grad-CAM (Selvaraju et al. 2017; Captum's <c>GuidedGradCam</c>): <see cref="GuidedBackprop"/>'s map times the
/// layer's Grad-CAM map (ReLU applied) upsampled to the input's height and width, the same map for every input channel.
/// </summary>
public sealed class GuidedGradCam
{
    private readonly GuidedBackprop _guided;
    private readonly GradCam _gradCam;

    /// <summary>Guided Grad-CAM of <paramref name="model"/> at the layer with module path <paramref name="layerPath"/> (e.g. "features.10").</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="layerPath"/> is null.</exception>
    /// <exception cref="ArgumentException">The model has no module at <paramref name="layerPath"/>.</exception>
    public GuidedGradCam(nn.Module<Tensor, Tensor> model, string layerPath)
    {
        _guided = new GuidedBackprop(model);
        _gradCam = new GradCam(model, layerPath);
    }

    /// <summary>The guided Grad-CAM map, shaped like <paramref name="inputs"/> [B, C, H, W].</summary>
    /// <param name="inputs">The batch [B, C, H, W], floating point, finite.</param>
    /// <param name="target">Which output to explain.</param>
    /// <param name="interpolateMode">How Grad-CAM's map is resized to the input: "nearest" (default, as Captum) or "bilinear".</param>
    /// <param name="cancellationToken">Checked before the call does any work.</param>
    /// <exception cref="ArgumentException">The inputs are not a finite floating [B, C, H, W] batch, or the layer has no spatial dimensions.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, string interpolateMode = "nearest", CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        const string method = "GuidedGradCam.Attribute";
        PairKit.CheckBatch(inputs, target, method);
        if (inputs.dim() != 4)
            throw new ArgumentException($"{method}: inputs {PathKit.Shape(inputs)} must be images [B, C, H, W] (Grad-CAM's map is resized to H × W).", nameof(inputs));
        using var scope = NewDisposeScope();
        var cam = _gradCam.Attribute(inputs, target, relu: true, upsampleToInput: true, interpolateMode: interpolateMode);
        var guided = _guided.Attribute(inputs, target, cancellationToken);
        return (guided * cam).MoveToOuterDisposeScope();
    }
}
