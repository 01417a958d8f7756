using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// A perturbation for <see cref="Infidelity"/>: given inputs [N, ...] (each sample repeated), returns the
/// perturbations I and the perturbed inputs x − I, both shaped like the inputs (Captum's <c>perturb_func</c>).
/// </summary>
public delegate (Tensor Perturbation, Tensor PerturbedInputs) InfidelityPerturbation(Tensor inputs);

/// <summary>
/// Infidelity (Yeh et al. 2019; Captum's <c>infidelity</c>): how badly an attribution predicts the
/// model's response to perturbations, E_I[(Σ_i attr_i·I_i − (f(x) − f(x − I)))²], estimated with
/// <c>nPerturbSamples</c> perturbations per sample. Lower is better; attributions that are exactly the
/// gradient of a linear model score 0 for every perturbation.
/// </summary>
public static class Infidelity
{
    private const string Name = nameof(Infidelity);

    /// <summary>The default σ of <see cref="GaussianNoise"/> (the value Captum's infidelity tutorial uses).</summary>
    public const double DefaultNoiseStd = 0.003;

    /// <summary>I ~ N(0, σ²) elementwise from the global generator (seed with <c>torch.manual_seed</c>); returns (I, x − I).</summary>
    public static InfidelityPerturbation GaussianNoise(double std = DefaultNoiseStd)
    {
        if (!(std > 0) || double.IsInfinity(std))
            throw new ArgumentOutOfRangeException(nameof(std), std, "the noise standard deviation must be positive and finite");
        return inputs =>
        {
            var noise = randn_like(inputs).mul_(std);
            return (noise, inputs - noise);
        };
    }

    /// <summary>
    /// The infidelity of <paramref name="attributions"/> for each sample, [B] (in the outputs' dtype).
    /// </summary>
    /// <param name="forward">The model, batch → outputs.</param>
    /// <param name="inputs">The explained batch [B, ...].</param>
    /// <param name="attributions">Attributions shaped like <paramref name="inputs"/>.</param>
    /// <param name="target">The output the attributions explain.</param>
    /// <param name="perturb">Draws (I, x − I) for the repeated inputs [B·n, ...] (sample-major); default <see cref="GaussianNoise"/>.</param>
    /// <param name="nPerturbSamples">Perturbations per sample (Captum's default 10).</param>
    /// <param name="normalize">
    /// Rescale the attributions per sample by the β minimising the expected squared error,
    /// β = E[Σ attr·I · Δf] / E[(Σ attr·I)²] (β = 0 where the denominator is 0), as Captum's <c>normalize</c>;
    /// the score is then insensitive to the attributions' scale.
    /// </param>
    /// <param name="maxExamplesPerBatch">At most this many perturbed rows per forward pass (at least one perturbation of every sample).</param>
    /// <param name="cancellationToken">Checked before any work and before every forward pass of perturbed rows: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Tensor Compute(Func<Tensor, Tensor> forward, Tensor inputs, Tensor attributions, Target target,
        InfidelityPerturbation? perturb = null, int nPerturbSamples = 10, bool normalize = false, int? maxExamplesPerBatch = null,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(forward);
        AttributionArgs.CheckBatch(inputs, Name);
        Checks.Live(attributions, Name, nameof(attributions));
        forward = ModelCall.Guard(forward, Name);
        ArgumentNullException.ThrowIfNull(target);
        Checks.ShapedLikeInputs(attributions, inputs, Name);
        if (nPerturbSamples < 1)
            throw new ArgumentOutOfRangeException(nameof(nPerturbSamples), nPerturbSamples, $"{Name}: nPerturbSamples must be at least 1");
        // A NaN in either would make the score NaN, which reads as "no information" rather than as bad data.
        Checks.Finite(inputs, Name, nameof(inputs));
        Checks.Finite(attributions, Name, nameof(attributions));
        perturb ??= GaussianNoise();
        var b = inputs.size(0);
        if (!attributions.is_floating_point())
            throw new ArgumentException($"{Name}: attributions are {attributions.dtype}; attributions are floating point (the output of an attribution method)", nameof(attributions));
        var perChunk = SamplesPerChunk(maxExamplesPerBatch, b, nPerturbSamples, Name);
        Checks.FitsInMemory((long)perChunk * b, inputs, Name, nameof(nPerturbSamples), nPerturbSamples, $"B·nPerturbSamples = {b}·{perChunk} perturbed rows at once",
            "lower nPerturbSamples, or set maxExamplesPerBatch to evaluate them in pieces");

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.detach();
        var attr = attributions.detach();
        var fx = AblationEngine.Eval(forward, target, x, Name);
        var accType = AblationEngine.AccumulationType(fx);
        var attrSums = new List<Tensor>();   // [B, k] chunks of Σ attr·I
        var drops = new List<Tensor>();      // [B, k] chunks of f(x) − f(x − I)
        for (var s0 = 0; s0 < nPerturbSamples; s0 += perChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var chunkScope = NewDisposeScope();
            var k = Math.Min(perChunk, nPerturbSamples - s0);
            var repeated = RepeatRows(x, k);
            var (perturbation, perturbed) = perturb(repeated);
            if (perturbation is null || perturbed is null)
                throw new InvalidOperationException($"{Name}: the perturbation function returned null");
            if (!Checks.AllFinite(perturbation) || !Checks.AllFinite(perturbed))
                throw new InvalidOperationException($"{Name}: the perturbation function perturb returned NaN or ±Inf values; return a finite perturbation I and perturbed inputs x − I");
            if (!perturbation.shape.SequenceEqual(repeated.shape) || !perturbed.shape.SequenceEqual(repeated.shape))
                throw new InvalidOperationException($"{Name}: the perturbation function must return the perturbation and the perturbed inputs shaped like its input {AttributionArgs.Str(repeated.shape)}, got {AttributionArgs.Str(perturbation.shape)} and {AttributionArgs.Str(perturbed.shape)}");
            var fPerturbed = AttributionArgs.Select(k == 1 ? target : target.Repeat(k), forward(perturbed), b * k, Name).to(accType).view(b, k);
            drops.Add((fx.to(accType).unsqueeze(1) - fPerturbed).MoveToOuterDisposeScope());
            var attrRows = RepeatRows(attr, k).to(accType);
            attrSums.Add((attrRows * perturbation.to(accType)).reshape(b, k, -1).sum(2).MoveToOuterDisposeScope());
        }
        var predicted = cat(attrSums, 1);   // [B, n]
        var actual = cat(drops, 1);
        if (normalize)
        {
            var num = (predicted * actual).mean(1, keepdim: true);
            var den = predicted.square().mean(1, keepdim: true);
            var safeDen = where(den.eq(0), ones_like(den), den);
            var beta = where(den.eq(0), zeros_like(num), num / safeDen);
            predicted = predicted * beta;
        }
        return (predicted - actual).square().mean(1).MoveToOuterDisposeScope();
    }

    /// <summary>Infidelity for a module's <c>forward</c>.</summary>
    /// <inheritdoc cref="Compute(Func{Tensor, Tensor}, Tensor, Tensor, Target, InfidelityPerturbation?, int, bool, int?, CancellationToken)"/>
    public static Tensor Compute(torch.nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor attributions, Target target,
        InfidelityPerturbation? perturb = null, int nPerturbSamples = 10, bool normalize = false, int? maxExamplesPerBatch = null,
        CancellationToken cancellationToken = default) =>
        Compute((model ?? throw new ArgumentNullException(nameof(model))).call, inputs, attributions, target, perturb, nPerturbSamples, normalize, maxExamplesPerBatch, cancellationToken);

    /// <summary>Each row repeated k times, sample-major: [B·k, ...].</summary>
    internal static Tensor RepeatRows(Tensor x, long k)
    {
        using var scope = NewDisposeScope();
        var b = x.size(0);
        var feat = x.shape[1..];
        var rows = x.unsqueeze(1).expand([b, k, .. feat]).reshape([b * k, .. feat]);
        return rows.MoveToOuterDisposeScope();
    }

    /// <summary>Perturbations per sample in one forward pass under a row limit.</summary>
    internal static int SamplesPerChunk(int? maxExamplesPerBatch, long b, int n, string method)
    {
        if (maxExamplesPerBatch is null) return n;
        if (maxExamplesPerBatch < 1)
            throw new ArgumentOutOfRangeException(nameof(maxExamplesPerBatch), maxExamplesPerBatch, $"{method}: maxExamplesPerBatch must be at least 1");
        return (int)Math.Clamp(maxExamplesPerBatch.Value / b, 1, n);
    }
}
