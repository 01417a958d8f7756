using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// GradientSHAP (Lundberg &amp; Lee 2017; Captum's <c>GradientShap</c>): expected gradients with Gaussian noise on the
/// inputs. For each sample, <c>nSamples</c> draws of a noisy input x̂ = x + ε (ε ~ N(0, stdevs²)), a baseline x' from
/// the baselines distribution (uniformly, with replacement) and α ~ U(0, 1); the attribution is the mean over draws of
/// (x̂ − x') ⊙ ∂f/∂x̃ at x̃ = x' + α(x̂ − x'), as Captum computes it (NoiseTunnel's SmoothGrad over its
/// InputBaselineXGradient). All B·nSamples points go through the model in one call via <see cref="InterpolationBatch"/>.
/// </summary>
public sealed class GradientShap
{
    private readonly Func<Tensor, Tensor> _forward;

    /// <summary>Explains <paramref name="forward"/>, a function from a batch [B, ...] to outputs [B, ...].</summary>
    public GradientShap(Func<Tensor, Tensor> forward)
    {
        ArgumentNullException.ThrowIfNull(forward);
        _forward = ModelCall.Guard(forward, nameof(GradientShap));
    }

    /// <summary>Explains <paramref name="model"/>'s <c>forward</c>.</summary>
    public GradientShap(nn.Module<Tensor, Tensor> model) : this(GradientKit.ModelForward(model)) { }

    /// <summary>
    /// GradientSHAP attributions shaped like <paramref name="inputs"/>. Draws come from the global generator (noise,
    /// then baseline indices, then α), so <c>torch.manual_seed</c> makes the result reproducible.
    /// </summary>
    /// <param name="inputs">The batch to explain [B, ...], floating point.</param>
    /// <param name="target">What to explain.</param>
    /// <param name="baselines">The baselines distribution [N, ...], samples shaped like the inputs'.</param>
    /// <param name="nSamples">Draws per sample (≥ 1; default 5, as Captum).</param>
    /// <param name="stdevs">Standard deviation of the input noise (≥ 0; default 0, as Captum).</param>
    /// <param name="multiplyByInputs">Multiply by (x̂ − x') (default); false averages the gradients alone.</param>
    /// <remarks>Baselines that contain NaN or ±Inf are rejected when drawn, as for expected gradients' background.</remarks>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point or contain NaN/±Inf; the baselines are
    /// empty, not shaped like the inputs, or a drawn baseline contains NaN/±Inf; per-sample targets do not give one class
    /// per sample.</exception>
    /// <exception cref="ArgumentOutOfRangeException">nSamples &lt; 1 or too large to fit in memory; stdevs negative or not finite.</exception>
    /// <exception cref="InvalidOperationException">The model returned null, a non-floating-point output, or not one row per point.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor baselines, int nSamples = 5, double stdevs = 0.0, bool multiplyByInputs = true)
    {
        const string method = "GradientShap.Attribute";
        PathKit.CheckBatch(inputs, target, method);
        InterpolationBatch.CheckBackground(inputs, baselines, method, nameof(baselines));
        if (nSamples < 1)
            throw new ArgumentOutOfRangeException(nameof(nSamples), nSamples, $"{method}: nSamples must be at least 1, got {nSamples}");
        if (!(stdevs >= 0) || double.IsInfinity(stdevs))
            throw new ArgumentOutOfRangeException(nameof(stdevs), stdevs, $"{method}: stdevs must be a finite number ≥ 0, got {stdevs}");
        var b = inputs.size(0);
        var rows = b * nSamples;
        Checks.FitsInMemory(rows, inputs, method, nameof(nSamples), nSamples, $"B·nSamples = {b}·{nSamples} = {rows} noisy copies",
            "lower nSamples, or explain the batch in smaller pieces");

        using var scope = NewDisposeScope();
        var x = inputs.detach();
        var repeated = PathKit.RepeatRows(x, nSamples);                       // [B·n, ...]
        var noise = randn(repeated.shape, x.dtype, x.device).mul_(stdevs);
        var noisy = repeated + noise;
        var idx = randint(0, baselines.size(0), [rows], device: baselines.device);
        var refShape = noisy.shape.Prepend(rows).ToArray();
        refShape[1] = 1;
        var refs = baselines.index_select(0, idx).reshape(refShape);           // [B·n, 1, ...]
        PathKit.CheckDrawnFinite(refs, baselines, method, nameof(baselines));
        var alphas = rand([rows, 1], x.dtype, x.device);
        using var batch = InterpolationBatch.CreateCore(noisy, refs, alphas);  // one point per noisy copy
        Tensor perDraw;
        using (enable_grad())
        {
            var output = Checks.Output(_forward(batch.Inputs), rows, method);
            var repeatedTarget = target.Repeat(nSamples);
            perDraw = multiplyByInputs
                ? batch.Attributions(output, repeatedTarget, false, null, method)
                : batch.Gradient(output, repeatedTarget, false, null, method);
        }
        var result = PathKit.SplitRows(perDraw, b, nSamples).mean(1);
        return result.MoveToOuterDisposeScope();
    }
}
