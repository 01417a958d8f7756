using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// Grad-CAM (Selvaraju et al. 2017; Captum's <c>LayerGradCam</c>): each channel c of a layer's
/// activations A is weighted by the spatial mean of ∂f/∂A_c, and the map is ReLU(Σ_c w_c A_c),
/// shaped [B, 1, ...spatial]. For a layer without spatial dimensions ([B, C]) the weights are the
/// gradients themselves and the result is [B, 1]. Optionally upsampled to the input's height and width.
/// </summary>
public sealed class GradCam
{
    private const string Name = nameof(GradCam);
    private readonly LayerSplit _split;

    /// <summary>Grad-CAM at the layer between <paramref name="bottom"/> (input → A) and <paramref name="top"/> (A → output).</summary>
    public GradCam(Func<Tensor, Tensor> bottom, Func<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>Grad-CAM at the layer a split is cut at.</summary>
    public GradCam(LayerSplit split) => _split = split ?? throw new ArgumentNullException(nameof(split));

    /// <summary>Grad-CAM at the layer between two modules.</summary>
    public GradCam(torch.nn.Module<Tensor, Tensor> bottom, torch.nn.Module<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>Grad-CAM at the layer of <paramref name="model"/> with module path <paramref name="layerPath"/> (e.g. "layer4"; see <see cref="LayerSplit.At"/>).</summary>
    public GradCam(torch.nn.Module<Tensor, Tensor> model, string layerPath) => _split = LayerSplit.At(model, layerPath);

    /// <summary>The class activation map, [B, 1, ...spatial] (or [B, 1, H, W] of the input when upsampled).</summary>
    /// <param name="inputs">A batch [B, ...].</param>
    /// <param name="target">Which output to explain.</param>
    /// <param name="relu">Apply ReLU to the weighted sum (the Grad-CAM paper; Captum's default is false).</param>
    /// <param name="upsampleToInput">
    /// Resize the map to the input's spatial size with <c>functional.interpolate</c> (needs a
    /// [B, C, H, W] input and a [B, C', h, w] layer).
    /// </param>
    /// <param name="interpolateMode">"bilinear" (default) or "nearest".</param>
    public Tensor Attribute(Tensor inputs, Target target, bool relu = true, bool upsampleToInput = false, string interpolateMode = "bilinear")
    {
        AttributionArgs.CheckBatch(inputs, Name);
        Checks.Finite(inputs, Name, nameof(inputs));
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), Name);
        ArgumentNullException.ThrowIfNull(interpolateMode);
        if (interpolateMode is not ("bilinear" or "nearest"))
            throw new ArgumentException($"{Name}: interpolateMode must be \"bilinear\" or \"nearest\", not \"{interpolateMode}\"", nameof(interpolateMode));

        using var scope = NewDisposeScope();
        var x = inputs.detach();
        var (a, g) = LayerCore.ActivationsAndGradients(_split, x, target, Name);
        if (a.dim() < 2)
            throw new InvalidOperationException($"{Name}: the layer activations have shape {AttributionArgs.Str(a.shape)}; Grad-CAM needs channels [B, C, ...]");
        var weights = a.dim() > 2
            ? g.mean(Enumerable.Range(2, (int)a.dim() - 2).Select(d => (long)d).ToArray(), keepdim: true)
            : g;
        var cam = (weights * a).sum(1, keepdim: true);
        if (relu) cam = cam.relu();
        if (upsampleToInput)
        {
            if (cam.dim() != 4 || x.dim() != 4)
                throw new ArgumentException($"{Name}: upsampling needs a [B, C, H, W] input and a [B, C, h, w] layer, got input {AttributionArgs.Str(x.shape)} and layer {AttributionArgs.Str(a.shape)}", nameof(upsampleToInput));
            cam = nn.functional.interpolate(cam, x.shape[2..], mode: interpolateMode == "bilinear" ? InterpolationMode.Bilinear : InterpolationMode.Nearest, align_corners: interpolateMode == "bilinear" ? false : null);
        }
        return cam.MoveToOuterDisposeScope();
    }
}
