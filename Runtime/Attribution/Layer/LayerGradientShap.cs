using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Layer GradientSHAP (Captum's <c>LayerGradientShap</c>): GradientSHAP of a layer's output. For each sample,
/// <c>nSamples</c> draws of a noisy input x̂ = x + ε (ε ~ N(0, stdevs²)), a baseline x' from the baselines distribution
/// (uniformly, with replacement) and α ~ U(0, 1); the attribution is the mean over draws of
/// (h(x̂) − h(x')) ⊙ ∂f/∂z at z = h(x' + α(x̂ − x')), h the part of the model up to the layer — as Captum computes it.
/// Where the rest of the model is linear the attributions of a row sum to f(x) − f(x') for every draw, so their mean
/// estimates f(x) − E f(x').
/// </summary>
public sealed class LayerGradientShap
{
    private const string Name = nameof(LayerGradientShap);
    private readonly LayerSplit _split;

    /// <summary>Layer GradientSHAP at the layer between <paramref name="bottom"/> (input → z) and <paramref name="top"/> (z → output).</summary>
    public LayerGradientShap(Func<Tensor, Tensor> bottom, Func<Tensor, Tensor> top) => _split = new LayerSplit(bottom, top);

    /// <summary>Layer GradientSHAP at the layer a split is cut at.</summary>
    public LayerGradientShap(LayerSplit split) => _split = split ?? throw new ArgumentNullException(nameof(split));

    /// <summary>Layer GradientSHAP at the layer of <paramref name="model"/> with module path <paramref name="layerPath"/> (see <see cref="LayerSplit.At"/>).</summary>
    public LayerGradientShap(torch.nn.Module<Tensor, Tensor> model, string layerPath) => _split = LayerSplit.At(model, layerPath);

    /// <summary>
    /// Attributions shaped like the layer's output [B, ...]. Draws come from torch's global generator (baseline indices,
    /// α, then noise), so <c>torch.manual_seed</c> makes the result reproducible.
    /// </summary>
    /// <param name="inputs">A batch [B, ...], floating point.</param>
    /// <param name="target">Which output to explain (one value per sample).</param>
    /// <param name="baselines">The baselines distribution [N, ...], samples shaped like the inputs'.</param>
    /// <param name="nSamples">Draws per sample (≥ 1; default 5, as Captum).</param>
    /// <param name="stdevs">Standard deviation of the input noise (≥ 0; default 0, as Captum).</param>
    /// <param name="multiplyByInputs">Multiply by h(x̂) − h(x') (default); false averages the layer gradients alone.</param>
    /// <param name="cancellationToken">Checked before any work: once it is cancelled, <see cref="OperationCanceledException"/> is thrown.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor baselines, int nSamples = 5, double stdevs = 0.0, bool multiplyByInputs = true,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LayerCore.CheckInputs(inputs, Name);
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), Name);
        InterpolationBatch.CheckBackground(inputs, baselines, Name, nameof(baselines));
        Checks.Finite(baselines, Name, nameof(baselines));
        if (nSamples < 1)
            throw new ArgumentOutOfRangeException(nameof(nSamples), nSamples, $"{Name}: nSamples must be at least 1, got {nSamples}");
        if (!(stdevs >= 0) || double.IsInfinity(stdevs))
            throw new ArgumentOutOfRangeException(nameof(stdevs), stdevs, $"{Name}: stdevs must be a finite number ≥ 0, got {stdevs}");
        var b = inputs.size(0);
        var rows = b * nSamples;
        Checks.FitsInMemory(rows, inputs, Name, nameof(nSamples), nSamples, $"B·nSamples = {b}·{nSamples} = {rows} copies",
            "lower nSamples, or explain the batch in smaller pieces");

        using var scope = NewDisposeScope();
        var x = inputs.detach();
        var background = baselines.detach().to(x.dtype, x.device);
        var pick = randint(background.size(0), [rows], device: x.device);
        var xBase = background.index_select(0, pick);                                        // [B·n, ...]
        var alpha = rand([rows], dtype: x.dtype, device: x.device);
        var xRows = LayerCore.RepeatRows(x, nSamples);
        if (stdevs > 0) xRows = xRows + randn_like(xRows) * stdevs;
        var alphaShaped = alpha.reshape([rows, .. Enumerable.Repeat(1L, (int)x.dim() - 1)]);
        var xMid = xBase + alphaShaped * (xRows - xBase);
        var (_, g) = LayerCore.ActivationsAndGradients(_split, xMid, nSamples == 1 ? target : target.Repeat(nSamples), Name);
        Tensor perDraw = g;
        if (multiplyByInputs)
        {
            var zX = LayerCore.Activations(_split.Bottom, xRows, Name);
            var zBase = LayerCore.Activations(_split.Bottom, xBase, Name);
            perDraw = g * (zX - zBase);
        }
        return perDraw.reshape([b, nSamples, .. perDraw.shape[1..]]).mean([1]).MoveToOuterDisposeScope();
    }
}
