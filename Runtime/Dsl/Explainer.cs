using AttrDsl.Attribution;

namespace AttrDsl;

/// <summary>
/// Runs an attribution method by name with the defaults of the generated <c>Explain</c> members: one switch over the
/// runtime's method classes, usable on any TorchSharp model.
/// </summary>
public static class Explainer
{
    /// <summary>Attributions [B, ...] of <paramref name="x"/> for <paramref name="target"/> by <paramref name="method"/>.</summary>
    /// <param name="model">The model (called through <c>call</c>, so hooks fire).</param>
    /// <param name="x">A batch [B, ...].</param>
    /// <param name="target">What to explain.</param>
    /// <param name="method">The method.</param>
    /// <param name="background">The background set for expected gradients and GradientSHAP; the other methods ignore it.</param>
    /// <exception cref="ArgumentException">The method needs a background set and none was given, or the method's own argument checks failed.</exception>
    public static Tensor Explain(nn.Module<Tensor, Tensor> model, Tensor x, Target target, AttributionMethod method, Tensor? background = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(target);
        return method switch
        {
            AttributionMethod.IntegratedGradients => new IntegratedGradients(model).Attribute(x, target),
            AttributionMethod.ExpectedGradients => new ExpectedGradients(model).Attribute(x, target, NeedBackground(background, method)),
            AttributionMethod.Saliency => new Saliency(model).Attribute(x, target),
            AttributionMethod.InputXGradient => new InputXGradient(model).Attribute(x, target),
            AttributionMethod.SmoothGrad => SmoothGrad(model).Attribute(x, target, NoiseTunnelType.SmoothGrad, nSamples: 16, stdevs: 0.15),
            AttributionMethod.GradientShap => new GradientShap(model).Attribute(x, target, NeedBackground(background, method), nSamples: 16),
            AttributionMethod.Occlusion => new Occlusion(model).Attribute(x, target, Window(x), Window(x)),
            AttributionMethod.FeatureAblation => new FeatureAblation(model).Attribute(x, target),
            AttributionMethod.ShapleyValueSampling => new ShapleyValueSampling(model).Attribute(x, target),
            AttributionMethod.KernelShap => new KernelShap(model).Attribute(x, target, PatchMask(x), nSamples: SurrogateSamples, perturbationsPerEval: SurrogateSamples, seed: 0),
            AttributionMethod.Lime => new Lime(model).Attribute(x, target, PatchMask(x), nSamples: SurrogateSamples, perturbationsPerEval: SurrogateSamples, seed: 0),
            AttributionMethod.FeaturePermutation => new FeaturePermutation(model).Attribute(x, target, seed: 0),
            AttributionMethod.DeepLift => new DeepLift(model).Attribute(x, target),
            AttributionMethod.DeepLiftShap => new DeepLiftShap(model).Attribute(x, target, References(NeedBackground(background, method))),
            AttributionMethod.Lrp => new Lrp(model).Attribute(x, target),
            AttributionMethod.GuidedBackprop => new GuidedBackprop(model).Attribute(x, target),
            AttributionMethod.Deconvolution => new Deconvolution(model).Attribute(x, target),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, $"unknown attribution method {method}"),
        };
    }

    /// <summary>Layer attributions of <paramref name="x"/> at the split point <paramref name="split"/> (activation-shaped; Grad-CAM: [B, 1, H, W] or [B, ...] without the channel).</summary>
    /// <param name="split">The model split at the layer.</param>
    /// <param name="x">A batch [B, ...].</param>
    /// <param name="target">What to explain.</param>
    /// <param name="method">The method.</param>
    /// <param name="background">The background set for layer GradientSHAP (its samples' layer activations are the baselines); the other methods ignore it.</param>
    /// <exception cref="ArgumentException">The method needs a background set and none was given, or the method's own argument checks failed.</exception>
    /// <exception cref="NotSupportedException">
    /// <see cref="LayerAttributionMethod.DeepLift"/> or <see cref="LayerAttributionMethod.Lrp"/> on a split made by hand
    /// from two functions or modules: these methods follow the model's forward through its rules, so they need the model
    /// and the layer's module path (a split made by <see cref="LayerSplit.At"/>, or the overload taking the model and the path).
    /// </exception>
    public static Tensor ExplainLayer(LayerSplit split, Tensor x, Target target, LayerAttributionMethod method, Tensor? background = null)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(target);
        return method switch
        {
            LayerAttributionMethod.GradCam => new GradCam(split).Attribute(x, target),
            LayerAttributionMethod.Activation => new LayerActivation(split).Attribute(x),
            LayerAttributionMethod.InternalInfluence => new InternalInfluence(split).Attribute(x, target),
            LayerAttributionMethod.Conductance => new LayerConductance(split).Attribute(x, target),
            LayerAttributionMethod.IntegratedGradients => new LayerIntegratedGradients(split).Attribute(x, target),
            LayerAttributionMethod.GradientXActivation => new LayerGradientXActivation(split).Attribute(x, target),
            LayerAttributionMethod.FeatureAblation => new LayerFeatureAblation(split).Attribute(x, target),
            LayerAttributionMethod.GradientShap => new LayerGradientShap(split).Attribute(x, target, NeedBackground(background, method.ToString()), nSamples: 16),
            LayerAttributionMethod.DeepLift or LayerAttributionMethod.Lrp => Propagated(Named(split, method), x, target, method),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, $"unknown layer attribution method {method}"),
        };
    }

    /// <summary>
    /// Layer attributions of <paramref name="x"/> at the layer of <paramref name="model"/> with module path
    /// <paramref name="layerPath"/> (e.g. "layer4", "features.28"; see <see cref="LayerSplit.At"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The path names no module of the model (the message lists its paths), or the method's own argument checks failed.</exception>
    /// <param name="model">The model.</param>
    /// <param name="layerPath">The module path of the layer.</param>
    /// <param name="x">A batch [B, ...].</param>
    /// <param name="target">What to explain.</param>
    /// <param name="method">The method.</param>
    /// <param name="background">The background set for layer GradientSHAP; the other methods ignore it.</param>
    public static Tensor ExplainLayer(nn.Module<Tensor, Tensor> model, string layerPath, Tensor x, Target target, LayerAttributionMethod method, Tensor? background = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layerPath);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(target);
        // DeepLift and LRP walk the model's rules and read the layer at its module: no hooks, so no split is made.
        return method is LayerAttributionMethod.DeepLift or LayerAttributionMethod.Lrp
            ? Propagated((model, layerPath), x, target, method)
            : ExplainLayer(LayerSplit.At(model, layerPath), x, target, method, background);
    }

    /// <summary>Layer DeepLift (zero reference) or layer LRP (default rules) at the layer with module path <paramref name="layer"/>.Path.</summary>
    private static Tensor Propagated((nn.Module<Tensor, Tensor> Model, string Path) layer, Tensor x, Target target, LayerAttributionMethod method) =>
        method == LayerAttributionMethod.DeepLift
            ? new LayerDeepLift(layer.Model, layer.Path).Attribute(x, target)
            : new LayerLrp(layer.Model, layer.Path).Attribute(x, target);

    /// <summary>The model and module path behind a split made by <see cref="LayerSplit.At"/>.</summary>
    /// <exception cref="NotSupportedException">A split of two functions or modules: it knows neither.</exception>
    private static (nn.Module<Tensor, Tensor> Model, string Path) Named(LayerSplit split, LayerAttributionMethod method) =>
        split.Named is { } named ? (named.Root, named.Path) : throw new NotSupportedException(
            $"Explainer.ExplainLayer: layer {method} follows the model's forward through its decomposition rules and reads the layer at its module, " +
            "so it needs the model and the layer's module path, which a split made from two functions or modules does not know. " +
            $"Call Explainer.ExplainLayer(model, layerPath, x, target, LayerAttributionMethod.{method}) (or new Layer{method}(model, layerPath)); " +
            "for a split that cannot be named by a module path, use a method that works on the split itself (IntegratedGradients, Conductance, GradientXActivation).");

    private static NoiseTunnel SmoothGrad(nn.Module<Tensor, Tensor> model)
    {
        var saliency = new Saliency(model);
        return new NoiseTunnel((inputs, target) => saliency.Attribute(inputs, target));
    }

    /// <summary>DeepLift SHAP's references: 16 samples of the background set (all of a smaller one), drawn with seed 0.</summary>
    private static Tensor References(Tensor background)
    {
        const int count = 16;
        var n = background.size(0);
        if (n <= count) return background;
        var generator = new Generator(0);
        return background.index_select(0, randperm(n, generator: generator).narrow(0, 0, count).to(background.device));
    }

    // KernelSHAP's and LIME's coalitions per explanation, all evaluated in one forward pass of B·200 rows.
    private const int SurrogateSamples = 200;

    /// <summary>
    /// The interpretable features of KernelSHAP and LIME: 4×4 patches of images [B, C, H, W] (shared by the channels, so
    /// an MNIST digit has 49 features), single elements otherwise — coalitions over 784 single pixels would need far more
    /// samples than a default can afford.
    /// </summary>
    private static Tensor? PatchMask(Tensor x)
    {
        if (x.dim() != 4) return null;
        var (h, w) = (x.size(2), x.size(3));
        var cols = (w + 3) / 4;
        var r = arange(h, dtype: ScalarType.Int64).div(4, rounding_mode: RoundingMode.floor);
        var c = arange(w, dtype: ScalarType.Int64).div(4, rounding_mode: RoundingMode.floor);
        return (r.unsqueeze(1) * cols + c.unsqueeze(0)).reshape(1, 1, h, w).to(x.device);
    }

    private static Tensor NeedBackground(Tensor? background, AttributionMethod method) => NeedBackground(background, method.ToString());

    private static Tensor NeedBackground(Tensor? background, string method) =>
        background is { IsInvalid: true } ? throw new ObjectDisposedException(nameof(background),
            $"{method}: the background set was disposed; pass a live tensor (or call UseBackground(trainInputs) on the model again)") :
        background is { } b ? b : throw new ArgumentException(
            $"{method} draws references from a background set: call UseBackground(trainInputs) on the model first (or pass one to Explainer.Explain)", nameof(background));

    // Occlusion's window: 4×4 over the last two dimensions of images [B, C, H, W], single elements otherwise.
    private static long[] Window(Tensor x)
    {
        var window = new long[x.dim() - 1];
        for (var i = 0; i < window.Length; i++) window[i] = 1;
        if (x.dim() == 4)
        {
            window[^1] = Math.Min(4, x.size(-1));
            window[^2] = Math.Min(4, x.size(-2));
        }
        return window;
    }
}
