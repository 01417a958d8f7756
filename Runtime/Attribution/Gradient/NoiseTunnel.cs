using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>How <see cref="NoiseTunnel"/> aggregates the attributions of the noisy copies (Captum's <c>nt_type</c>).</summary>
public enum NoiseTunnelType
{
    /// <summary>SmoothGrad (Smilkov et al. 2017): the mean of the attributions.</summary>
    SmoothGrad,

    /// <summary>The mean of the squared attributions.</summary>
    SmoothGradSquared,

    /// <summary>VarGrad (Adebayo et al. 2018): the variance of the attributions, E[a²] − E[a]² (population variance, as Captum).</summary>
    VarGrad,
}

/// <summary>
/// Noise tunnel (Captum's <c>NoiseTunnel</c>): runs an attribution method on <c>nSamples</c> copies of every input with
/// Gaussian noise N(0, stdevs²) added, and aggregates per sample (<see cref="NoiseTunnelType"/>). All B·nSamples noisy
/// copies go to the wrapped method in one call (sample-major: sample 0's copies first, with the target repeated
/// accordingly) unless <c>nSamplesBatchSize</c> splits them. The noise is drawn once, up front, from the global
/// generator, so the result is the same whatever the batch size and reproducible with <c>torch.manual_seed</c>.
/// </summary>
public sealed class NoiseTunnel
{
    private readonly Func<Tensor, Target, Tensor> _attribute;

    /// <summary>
    /// Wraps an attribution method given as <c>(inputs, target) → attributions</c>, e.g.
    /// <c>new NoiseTunnel((x, t) =&gt; ig.Attribute(x, t, nSteps: 20))</c>. The method sees B·nSamples rows: anything
    /// per-sample it closes over (baselines [B, ...]) must be given per sample-and-copy or broadcastable instead.
    /// </summary>
    public NoiseTunnel(Func<Tensor, Target, Tensor> attribute)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        _attribute = attribute;
    }

    /// <summary>SmoothGrad / SmoothGrad² / VarGrad of the wrapped method; returns attributions shaped like <paramref name="inputs"/>.</summary>
    /// <param name="inputs">The batch to explain [B, ...], floating point.</param>
    /// <param name="target">Which output to explain (repeated for the noisy copies).</param>
    /// <param name="type">The aggregate; default SmoothGrad.</param>
    /// <param name="nSamples">Noisy copies per sample (≥ 1; default 5, as Captum).</param>
    /// <param name="stdevs">Standard deviation of the Gaussian noise, in input units (≥ 0; default 1, as Captum).</param>
    /// <param name="nSamplesBatchSize">At most this many copies per sample in one call of the wrapped method (null: all).</param>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point or contain NaN/±Inf; per-sample
    /// targets do not give one class per sample.</exception>
    /// <exception cref="ArgumentOutOfRangeException">nSamples &lt; 1 or its noise too large to fit in memory; stdevs
    /// negative or not finite; nSamplesBatchSize &lt; 1; an unknown type.</exception>
    /// <exception cref="InvalidOperationException">The wrapped method returned null, a non-floating-point tensor, or a
    /// tensor not shaped like its inputs.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <param name="cancellationToken">Checked before any work and before every call of the wrapped method (every <paramref name="nSamplesBatchSize"/> copies): once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    public Tensor Attribute(Tensor inputs, Target target, NoiseTunnelType type = NoiseTunnelType.SmoothGrad, int nSamples = 5,
        double stdevs = 1.0, int? nSamplesBatchSize = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        const string method = "NoiseTunnel.Attribute";
        PathKit.CheckBatch(inputs, target, method);
        if (nSamples < 1)
            throw new ArgumentOutOfRangeException(nameof(nSamples), nSamples, $"{method}: nSamples must be at least 1, got {nSamples}");
        if (!(stdevs >= 0) || double.IsInfinity(stdevs))
            throw new ArgumentOutOfRangeException(nameof(stdevs), stdevs, $"{method}: stdevs must be a finite number ≥ 0, got {stdevs}");
        if (nSamplesBatchSize is { } nb && nb < 1)
            throw new ArgumentOutOfRangeException(nameof(nSamplesBatchSize), nb, $"{method}: nSamplesBatchSize must be at least 1, got {nb}");
        if (!Enum.IsDefined(type))
            throw new ArgumentOutOfRangeException(nameof(type), type, $"{method}: unknown noise tunnel type {type}");
        // The noise for all copies is drawn up front (so the result does not depend on nSamplesBatchSize).
        Checks.FitsInMemory(inputs.size(0) * nSamples, inputs, method, nameof(nSamples), nSamples,
            $"B·nSamples = {inputs.size(0)}·{nSamples} = {inputs.size(0) * nSamples} noisy copies", "lower nSamples, or explain the batch in smaller pieces");

        using var scope = NewDisposeScope();
        var x = inputs.detach();
        var b = x.size(0);
        var noiseShape = x.shape.Prepend(b).ToArray();
        noiseShape[1] = nSamples;
        var noise = randn(noiseShape, x.dtype, x.device).mul_(stdevs);       // [B, n, ...], one draw for every batch size
        var xu = x.unsqueeze(1);
        var chunk = Math.Min(nSamplesBatchSize ?? nSamples, nSamples);
        var parts = new List<Tensor>();
        for (var start = 0; start < nSamples; start += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var len = Math.Min(chunk, nSamples - start);
            var flatShape = x.shape;
            flatShape[0] = b * len;
            using var piece = noise.narrow(1, start, len);
            using var noisyU = xu + piece;
            var noisy = noisyU.reshape(flatShape);               // [B·len, ...], sample-major
            var attributions = _attribute(noisy, target.Repeat(len))
                ?? throw new InvalidOperationException($"{method}: the wrapped attribution method returned null; it must return attributions shaped like its inputs");
            if (attributions.IsInvalid)
                throw new InvalidOperationException($"{method}: the wrapped attribution method returned a disposed tensor; return the attributions alive (move them out of its dispose scope)");
            if (!attributions.shape.SequenceEqual(flatShape))
                throw new InvalidOperationException(
                    $"{method}: the wrapped attribution method returned shape {PathKit.Shape(attributions)} for noisy inputs of shape {PathKit.Shape(flatShape)}; it must return attributions shaped like its inputs");
            // Checked here, not left to var(): TorchSharp's var on an integer tensor terminates the process.
            if (!attributions.is_floating_point())
                throw new InvalidOperationException(
                    $"{method}: the wrapped attribution method returned a {attributions.dtype} tensor; attributions must be floating point (convert them with .to(float32))");
            if (!Checks.AllFinite(attributions))
                throw new InvalidOperationException(
                    $"{method}: the wrapped attribution method returned NaN or ±Inf attributions for the noisy inputs; their mean would be NaN. Check the wrapped method and the model (or lower the noise's stdevs)");
            parts.Add(PathKit.SplitRows(attributions, b, len));
        }
        var all = parts.Count == 1 ? parts[0] : cat(parts, 1);    // [B, n, ...]
        var result = type switch
        {
            NoiseTunnelType.SmoothGrad => all.mean(1),
            NoiseTunnelType.SmoothGradSquared => all.square().mean(1),
            _ => all.var(1, unbiased: false),
        };
        return result.MoveToOuterDisposeScope();
    }
}
