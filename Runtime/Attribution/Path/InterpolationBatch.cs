using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

using AttrDsl.Autograd;

namespace AttrDsl.Attribution;

/// <summary>
/// The expected-gradients interpolation batch — what attributionpriors' "train-EG" switch feeds the model. For inputs
/// x [B, ...], references x' [B, k, ...] and coefficients α [B, k] it holds the flattened, sample-major
/// ([B·k, ...], the k points of sample 0 first) interpolated tensor x̃ = x' + α(x − x') as a <b>fresh leaf</b>
/// (<see cref="Inputs"/>), together with x − x' and α. Usage, in inference or training:
/// <code>
/// using var batch = InterpolationBatch.Sample(x, background, k: 10);
/// var output = model.forward(batch.Inputs);                      // [B·k, classes]
/// var eg = batch.Attributions(output, Target.PerSample(labels), createGraph: true);   // [B, ...]
/// </code>
/// </summary>
/// <remarks>
/// In the reference (attributionpriors) the caller must remember to switch the model's input to the interpolation
/// batch; forgetting it fails with shape errors for k &gt; 1 but for k = 1 silently returns the gradient at α = 1
/// (the plain input) — a wrong answer with no error. Its TF2 version also took the gradient with respect to the raw
/// input instead of the interpolated tensor (issue #3: an extra factor α and gradients mixed across samples). Here
/// both mistakes are errors: <see cref="Attributions(Tensor, Target, bool, bool?)"/> throws when the output's batch size is not B·k, and when the
/// output was not computed from this batch's <see cref="Inputs"/> leaf (e.g. from the plain inputs when k = 1).
/// The gradient is always taken with respect to <see cref="Inputs"/> itself.
/// </remarks>
public sealed class InterpolationBatch : IDisposable
{
    private bool _disposed;

    private InterpolationBatch(long batchSize, long k, Tensor inputs, Tensor differences, Tensor alphas, Tensor references)
    {
        BatchSize = batchSize;
        K = k;
        _inputs = inputs;
        _differences = differences;
        _alphas = alphas;
        _references = references;
    }

    private readonly Tensor _inputs, _differences, _alphas, _references;

    /// <summary>B, the number of samples explained.</summary>
    public long BatchSize { get; }

    /// <summary>k, the number of (reference, α) pairs per sample.</summary>
    public long K { get; }

    /// <summary>
    /// x̃ = x' + α(x − x'), [B·k, ...] sample-major: a leaf that requires grad, detached from whatever x and x' were
    /// computed from. Feed exactly this tensor to the model.
    /// </summary>
    public Tensor Inputs => Alive(_inputs);

    /// <summary>x − x', [B·k, ...] sample-major (row b·k + j: sample b minus its j-th reference).</summary>
    public Tensor Differences => Alive(_differences);

    /// <summary>The interpolation coefficients α, [B, k] (one per sample-reference pair, broadcast over the features).</summary>
    public Tensor Alphas => Alive(_alphas);

    /// <summary>The references x', [B·k, ...] sample-major.</summary>
    public Tensor References => Alive(_references);

    private Tensor Alive(Tensor t) => _disposed ? throw new ObjectDisposedException(nameof(InterpolationBatch)) : t;

    /// <summary>
    /// Builds the batch from explicit references [B, k, ...] (or [B·k, ...], sample-major) and coefficients α of any
    /// shape broadcastable to [B, k] (a 0-dim tensor for one fixed α, [k] for the same grid for every sample, [B, k]).
    /// Deterministic: use it to reproduce a draw exactly (e.g. when differencing a loss on the attributions).
    /// The tensors are created in the caller's dispose scope; disposing the batch frees them earlier.
    /// </summary>
    /// <exception cref="ArgumentException">The inputs are empty or not floating point; inputs, references or α contain
    /// NaN/±Inf; the shapes do not fit.</exception>
    public static InterpolationBatch Create(Tensor inputs, Tensor references, Tensor alphas)
    {
        const string method = "InterpolationBatch.Create";
        PathKit.CheckInputBatch(inputs, method);
        Checks.Live(references, method, nameof(references));
        Checks.Live(alphas, method, nameof(alphas));
        Checks.Finite(references, method, nameof(references));
        Checks.Finite(alphas, method, nameof(alphas));
        using (var outside = alphas.detach().lt(0).logical_or(alphas.detach().gt(1)))
            if (outside.any().item<bool>())
                throw new ArgumentOutOfRangeException(nameof(alphas),
                    $"{method}: alphas must lie in [0, 1] (the fraction of the way from the reference to the input); got a value of {Format.Value(alphas.detach().reshape(-1)[outside.reshape(-1).nonzero()[0, 0]])}");
        return CreateCore(inputs, references, alphas);
    }

    /// <summary><see cref="Create"/> for arguments the caller has checked (a non-empty, finite, floating-point batch; finite references and α).</summary>
    internal static InterpolationBatch CreateCore(Tensor inputs, Tensor references, Tensor alphas)
    {
        var xs = inputs.shape;
        var b = xs[0];
        var feature = xs[1..];
        var rs = references.shape;
        long k;
        if (rs.Length == xs.Length + 1 && rs[0] == b && rs[2..].SequenceEqual(feature)) k = rs[1];
        else if (rs.Length == xs.Length && b > 0 && rs[0] % b == 0 && rs[0] > 0 && rs[1..].SequenceEqual(feature)) k = rs[0] / b;
        else
            throw new ArgumentException(
                $"references of shape {PathKit.Shape(rs)} do not match inputs of shape {PathKit.Shape(xs)}: expected [B, k, ...] = " +
                $"{PathKit.Shape(new[] { b, -1 }.Concat(feature).ToArray())} or [B·k, ...] with samples of shape {PathKit.Shape(feature)}", nameof(references));
        if (k < 1)
            throw new ArgumentException($"references of shape {PathKit.Shape(rs)} hold no reference per sample (k = 0)", nameof(references));
        var a = alphas.shape;
        var alphaOk = a.Length <= 2 && (a.Length < 1 || a[^1] == k || a[^1] == 1) && (a.Length < 2 || a[0] == b || a[0] == 1);
        if (!alphaOk)
            throw new ArgumentException($"alphas of shape {PathKit.Shape(a)} cannot be broadcast to [B, k] = {PathKit.Shape([b, k])}", nameof(alphas));

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.detach();
        var flatShape = (long[])xs.Clone();
        flatShape[0] = b * k;
        var refs = references.detach().to(x.dtype).reshape(flatShape).contiguous();    // [B·k, ...]
        var alpha = alphas.detach().to(x.dtype).expand(b, k).contiguous();             // [B, k]
        using var xr = PathKit.RepeatRows(x, k);
        var diff = (xr - refs).contiguous();
        using var alphaRows = alpha.reshape(PathKit.RowShape(b * k, xs.Length));
        using var step = alphaRows * diff;
        var interpolated = (refs + step).requires_grad_();                           // a fresh leaf
        return new InterpolationBatch(b, k,
            interpolated.MoveToOuterDisposeScope(), diff.MoveToOuterDisposeScope(),
            alpha.MoveToOuterDisposeScope(), refs.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Draws k references per sample uniformly, with replacement, from <paramref name="background"/> ([N, ...], same
    /// sample shape as the inputs) and the coefficients α, all from the global generator (reproducible with
    /// <c>torch.manual_seed</c>; the reference indices are drawn first, then α):
    /// α ~ U(0, 1) per (sample, reference) pair by default; the fixed <paramref name="alpha"/> when given (k = 1 with
    /// α = 1 is gradient × (x − x') at the input, attributionpriors' "random α off"); or, with
    /// <paramref name="alphaGrid"/>, the grid linspace(0, 1, k) for every sample (their k &gt; 1 "random α off" variant:
    /// equal weights 1/k on a grid that includes both ends, so not a consistent quadrature for small k — use
    /// <see cref="IntegratedGradients"/> for proper rules).
    /// </summary>
    /// <remarks>
    /// Rows of the background that contain NaN or ±Inf are rejected when they are drawn (scanning a training-set
    /// background in full on every call would cost more than the attribution): the error then names the first
    /// non-finite element of the background.
    /// </remarks>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point or not finite; the background is
    /// empty, not shaped like the inputs, or a drawn reference is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">k &lt; 1, or the B·k interpolated rows alone would not fit in memory;
    /// alpha outside [0, 1].</exception>
    public static InterpolationBatch Sample(Tensor inputs, Tensor background, int k, double? alpha = null, bool alphaGrid = false) =>
        Sample(inputs, background, k, alpha, alphaGrid, "InterpolationBatch.Sample", checkedBackground: false);

    /// <summary><see cref="Sample(Tensor, Tensor, int, double?, bool)"/>, with errors in the name of <paramref name="method"/>.</summary>
    /// <remarks>With <c>checkedBackground</c> the caller checked the whole background finite once (a trainer or penalty that
    /// keeps it for every step): only the drawn rows are checked then. Otherwise the whole background is checked, so a
    /// NaN row is reported even when this draw misses it.</remarks>
    internal static InterpolationBatch Sample(Tensor inputs, Tensor background, int k, double? alpha, bool alphaGrid, string method, bool checkedBackground = true)
    {
        PathKit.CheckInputBatch(inputs, method);
        CheckBackground(inputs, background, method);
        if (!checkedBackground) Checks.Finite(background, method, nameof(background));
        if (k < 1)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"{method}: k (references per sample) must be at least 1, got {k}");
        if (alpha is { } fixedAlpha && !(fixedAlpha >= 0 && fixedAlpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), fixedAlpha, $"{method}: alpha must lie in [0, 1], got {fixedAlpha}");
        if (alpha is not null && alphaGrid)
            throw new ArgumentException($"{method}: give either a fixed alpha or alphaGrid, not both", nameof(alphaGrid));
        var b = inputs.size(0);
        Checks.FitsInMemory(b * k, inputs, method, nameof(k), k, $"B·k = {b}·{k} = {b * k} interpolated rows",
            "lower k, or explain the batch in smaller pieces");

        using var scope = NewDisposeScope();
        var n = background.size(0);
        var idx = randint(0, n, [b * k], device: background.device);
        var picked = background.index_select(0, idx);
        PathKit.CheckDrawnFinite(picked, background, method, nameof(background));
        var dtype = inputs.dtype;
        Tensor alphas;
        var device = inputs.device; // references, α and the interpolated rows live on the model's (the inputs') device
        if (alpha is { } v) alphas = full([b, k], v, dtype, device);
        else if (alphaGrid) alphas = linspace(0, 1, k, dtype, device);
        else alphas = rand([b, k], dtype, device);
        var batch = CreateCore(inputs, picked, alphas);
        scope.MoveToOuter(batch._inputs, batch._differences, batch._alphas, batch._references);
        return batch;
    }

    /// <summary>
    /// The background must be a non-empty batch of references [N ≥ 1, ...] whose samples are shaped like the inputs'
    /// (emptiness by the one empty-batch rule, <see cref="Checks.NotEmpty"/>). Finiteness is checked on the rows drawn.
    /// </summary>
    internal static void CheckBackground(Tensor inputs, Tensor background, string method, string name = "background")
    {
        Checks.NotEmpty(background, method, name);
        Checks.FloatingReference(background, inputs.dtype, method, name);
        var xs = inputs.shape;
        var bs = background.shape;
        if (bs.Length != xs.Length || !bs[1..].SequenceEqual(xs[1..]))
            throw new ArgumentException(
                $"{method}: {name} of shape {PathKit.Shape(bs)} does not hold samples shaped like the inputs' {PathKit.Shape(xs[1..])} (inputs {PathKit.Shape(xs)}): " +
                $"expected [N, {string.Join(", ", xs[1..])}]", name);
    }

    /// <summary>The target for the B·k rows of this batch (<paramref name="target"/> repeated k times per sample).</summary>
    public Target RepeatTarget(Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, BatchSize, "InterpolationBatch.RepeatTarget");
        return target.Repeat(K);
    }

    /// <summary>Tiles a per-sample tensor [B, ...] (labels, weights) to the batch's rows [B·k, ...], sample-major.</summary>
    public Tensor RepeatRows(Tensor perSample)
    {
        ArgumentNullException.ThrowIfNull(perSample);
        if (perSample.dim() < 1 || perSample.size(0) != BatchSize)
            throw new ArgumentException($"expected a per-sample tensor with {BatchSize} rows, got shape {PathKit.Shape(perSample)}", nameof(perSample));
        return PathKit.RepeatRows(perSample, K);
    }

    /// <summary>
    /// ∂(Σ_r target(output)_r)/∂<see cref="Inputs"/>, [B·k, ...]: the gradient at every interpolation point.
    /// <paramref name="target"/> addresses the B samples and is repeated k times here.
    /// </summary>
    /// <exception cref="InvalidOperationException">The output does not have B·k rows, or was not computed from
    /// <see cref="Inputs"/>.</exception>
    public Tensor Gradient(Tensor output, Target target, bool createGraph = false, bool? retainGraph = null) =>
        Gradient(output, target, createGraph, retainGraph, "InterpolationBatch.Gradient");

    /// <summary><see cref="Gradient(Tensor, Target, bool, bool?)"/>, with errors in the name of <paramref name="method"/>.</summary>
    internal Tensor Gradient(Tensor output, Target target, bool createGraph, bool? retainGraph, string method)
    {
        ArgumentNullException.ThrowIfNull(output);
        Checks.TargetCount(target, BatchSize, method);
        var leaf = Inputs;
        var rows = BatchSize * K;
        if (!output.IsInvalid && (output.dim() < 1 || output.size(0) != rows))
            throw new InvalidOperationException(
                $"{method}: the model output has shape {PathKit.Shape(output)} but this interpolation batch has B·k = {BatchSize}·{K} = {rows} rows: " +
                $"compute the output from InterpolationBatch.Inputs (shape {PathKit.Shape(leaf)}), not from the plain inputs [B, ...] " +
                "(attributionpriors' forgotten train-EG flag)");
        Checks.Output(output, rows, method);
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var selected = target.Repeat(K).Select(output);
        if (!selected.requires_grad)
            throw new InvalidOperationException(
                $"{method}: the model output does not require grad, so it was not computed from this batch's Inputs leaf (or was computed under no_grad()): " +
                "feed InterpolationBatch.Inputs to the model with gradients enabled");
        var total = selected.sum();
        var g = GuardedAutograd.GradOrNull([total], [leaf], retainGraph, createGraph)[0]
            ?? throw new InvalidOperationException(
                $"{method}: the model output was not computed from this batch's Inputs leaf (e.g. the plain inputs were fed to the model, which for k = 1 " +
                "would silently give the gradient at α = 1 in attributionpriors, or the raw input was differentiated instead of the interpolated " +
                "tensor as in its TF2 version): feed InterpolationBatch.Inputs to the model");
        return g.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Expected-gradients attributions [B, ...] from the model output for this batch: the gradient with respect to the
    /// interpolated leaf, times (x − x'), averaged over the k pairs of each sample. <paramref name="target"/> addresses
    /// the B samples (e.g. <c>Target.PerSample(labels)</c> with labels [B]) and is repeated k times here.
    /// With <paramref name="createGraph"/> the attributions are differentiable with respect to the model's parameters,
    /// so a prior on them can be trained.
    /// </summary>
    /// <param name="output">The model's output for <see cref="Inputs"/>, [B·k, ...].</param>
    /// <param name="target">What to explain, for the B samples.</param>
    /// <param name="createGraph">Keep the result differentiable (for training an attribution prior).</param>
    /// <param name="retainGraph">Keep the forward graph for another backward pass (default: as <paramref name="createGraph"/>).</param>
    /// <exception cref="InvalidOperationException">The output does not have B·k rows, or was not computed from
    /// <see cref="Inputs"/> — the mistakes that are silent in the reference.</exception>
    public Tensor Attributions(Tensor output, Target target, bool createGraph = false, bool? retainGraph = null) =>
        Attributions(output, target, createGraph, retainGraph, "InterpolationBatch.Attributions");

    /// <summary><see cref="Attributions(Tensor, Target, bool, bool?)"/>, with errors in the name of <paramref name="method"/>.</summary>
    internal Tensor Attributions(Tensor output, Target target, bool createGraph, bool? retainGraph, string method)
    {
        using var scope = NewDisposeScope();
        var g = Gradient(output, target, createGraph, retainGraph, method);
        var weighted = g * Differences;
        var perPair = PathKit.SplitRows(weighted, BatchSize, K);
        return perPair.mean(1).MoveToOuterDisposeScope();
    }

    /// <summary>Frees the batch's tensors now (they would otherwise be freed with the dispose scope they were created in).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _inputs.Dispose();
        _differences.Dispose();
        _alphas.Dispose();
        _references.Dispose();
    }
}
