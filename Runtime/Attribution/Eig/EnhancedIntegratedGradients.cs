using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>The four path kinds of EIG.</summary>
public enum EigPath
{
    /// <summary>O-L: straight line in input space.</summary>
    Linear,
    /// <summary>H-L: straight line in an autoencoder's latent space, decoded.</summary>
    LatentLinear,
    /// <summary>O-N: through nearest data points in input space.</summary>
    Neighbors,
    /// <summary>H-N: through nearest data points in latent space, decoded.</summary>
    LatentNeighbors,
}

/// <summary>How the attributions from several baselines of one sample are combined.</summary>
public enum EigAggregate
{
    /// <summary>Element-wise median (EIG's default).</summary>
    Median,
    /// <summary>Element-wise mean.</summary>
    Mean,
}

/// <summary>
/// Enhanced Integrated Gradients: path attributions from several baselines per sample along linear or
/// data-following paths (in input or latent space), integrated with the trapezoid rule over the path's
/// actual coordinates, combined by median or mean. Defaults follow the paper: 250 points, median.
/// Pair it with <see cref="EigBaselines"/> for baselines and <see cref="Significance"/> for per-feature tests.
/// </summary>
public sealed class EnhancedIntegratedGradients
{
    private const string Name = nameof(EnhancedIntegratedGradients);
    private readonly Func<Tensor, Tensor> _forward;
    private readonly EigPath _path;
    private readonly Func<Tensor, Tensor>? _encoder, _decoder;
    private readonly Tensor? _data;
    private readonly int _neighbors;

    /// <summary>Creates the explainer.</summary>
    /// <param name="forward">The model (output [B, classes] or [B]).</param>
    /// <param name="path">The path kind.</param>
    /// <param name="encoder">Encoder of the autoencoder (latent paths).</param>
    /// <param name="decoder">Decoder of the autoencoder (latent paths).</param>
    /// <param name="data">The points the neighbours paths may pass through (input space; encoded for H-N).</param>
    /// <param name="neighbors">k of the k-nearest-neighbour graph.</param>
    public EnhancedIntegratedGradients(Func<Tensor, Tensor> forward, EigPath path = EigPath.Linear,
        Func<Tensor, Tensor>? encoder = null, Func<Tensor, Tensor>? decoder = null, Tensor? data = null, int neighbors = 5)
    {
        ArgumentNullException.ThrowIfNull(forward);
        Checks.Defined(path, nameof(path), Name);
        if (neighbors < 1) throw new ArgumentOutOfRangeException(nameof(neighbors), neighbors, $"{Name}: neighbors (k of the k-nearest-neighbour graph) must be at least 1");
        if (path is EigPath.LatentLinear or EigPath.LatentNeighbors && (encoder is null || decoder is null))
            throw new ArgumentException($"the {path} path needs an encoder and a decoder");
        if (path is EigPath.Neighbors or EigPath.LatentNeighbors && data is null)
            throw new ArgumentException($"the {path} path needs the data it may pass through");
        (_forward, _path, _data, _neighbors) = (ModelCall.Guard(forward, Name), path, data, neighbors);
        _encoder = encoder is null ? null : ModelCall.Guard(encoder, Name + " (encoder)");
        _decoder = decoder is null ? null : ModelCall.Guard(decoder, Name + " (decoder)");
    }

    /// <summary>The path from <paramref name="baseline"/> to <paramref name="sample"/> with <paramref name="points"/> points.</summary>
    public Tensor Path(Tensor baseline, Tensor sample, int points) => _path switch
    {
        EigPath.Linear => EigPaths.Linear(baseline, sample, points),
        EigPath.LatentLinear => EigPaths.Latent(_encoder!, _decoder!, baseline, sample, points),
        EigPath.Neighbors => EigPaths.Neighbors(_data!, baseline, sample, points, _neighbors),
        _ => EigPaths.LatentNeighbors(_encoder!, _decoder!, _data!, baseline, sample, points, _neighbors),
    };

    /// <summary>
    /// Attributions [B, ...] for <paramref name="inputs"/> [B, ...]. <paramref name="baselines"/> is [K, ...]
    /// (shared) or [B, K, ...] (per sample, e.g. from <see cref="EigBaselines.Close"/>). The target is a
    /// class (or max/comparative) or per-sample classes [B].
    /// </summary>
    /// <param name="inputs">The samples to explain [B, ...].</param>
    /// <param name="baselines">[K, ...] shared by all samples, or [B, K, ...] per sample.</param>
    /// <param name="target">What to explain: a class, max/comparative, or per-sample classes [B].</param>
    /// <param name="points">Points per path (at least 2; the paper's 250).</param>
    /// <param name="aggregate">How the K baselines' attributions of a sample are combined.</param>
    /// <param name="batchSize">At most this many path points per model call (null: a whole path at once).</param>
    /// <param name="cancellationToken">Checked before any work, before every path (one per sample and baseline) and before
    /// every chunk of <paramref name="batchSize"/> points: once it is cancelled, <see cref="OperationCanceledException"/> is
    /// thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Tensor baselines, Target target, int points = 250, EigAggregate aggregate = EigAggregate.Median, int? batchSize = null,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PathKit.CheckInputBatch(inputs, Name);
        Checks.NotEmpty(baselines, Name, nameof(baselines));
        if (baselines.dim() == 0)
            throw new ArgumentException($"{Name}: baselines is a 0-dim tensor (a scalar); pass baselines [K, {string.Join(", ", inputs.shape[1..])}] or [{inputs.size(0)}, K, {string.Join(", ", inputs.shape[1..])}]", nameof(baselines));
        Checks.FloatingReference(baselines, inputs.dtype, Name, nameof(baselines));
        Checks.TargetCount(target, inputs.size(0), Name);
        Checks.Defined(aggregate, nameof(aggregate), Name);
        if (points < 2)
            throw new ArgumentOutOfRangeException(nameof(points), points, $"{Name}: a path needs at least 2 points, got {points}");
        var sampleShape = inputs.shape[1..];
        var perSample = baselines.dim() == inputs.dim() + 1;
        var baseShape = baselines.dim() < 1 ? null : perSample ? baselines.shape[2..] : baselines.shape[1..];
        if (baseShape is null || !baseShape.SequenceEqual(sampleShape) || (perSample && baselines.size(0) != inputs.size(0)))
            throw new ArgumentException($"{Name}: baselines must be [K, {string.Join(", ", sampleShape)}] or [{inputs.size(0)}, K, {string.Join(", ", sampleShape)}], got [{string.Join(", ", baselines.shape)}]", nameof(baselines));
        if (perSample && baselines.size(1) == 0)
            throw new ArgumentException($"{Name}: baselines [{string.Join(", ", baselines.shape)}] hold no baseline per sample (K = 0); pass at least one", nameof(baselines));
        if (batchSize is < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"{Name}: batchSize must be at least 1 (or null for whole paths)");
        Checks.Finite(inputs, Name, nameof(inputs));
        Checks.Finite(baselines, Name, nameof(baselines));
        using var scope = NewDisposeScope();
        var results = new List<Tensor>();
        for (var b = 0; b < inputs.size(0); b++)
        {
            var x = inputs[b];
            var sampleTarget = SampleTarget(target, b);
            var own = perSample ? baselines[b] : baselines;
            var perBaseline = new List<Tensor>();
            for (var k = 0; k < own.size(0); k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                perBaseline.Add(PathIntegral.Integrate(_forward, Path(own[k], x, points), sampleTarget, batchSize, Name, cancellationToken));
            }
            var all = stack(perBaseline);
            results.Add(aggregate == EigAggregate.Mean ? all.mean(0) : Median0(all));
        }
        return stack(results).MoveToOuterDisposeScope();
    }

    // torch's median picks the lower middle value; EIG (numpy) averages the two middle ones.
    private static Tensor Median0(Tensor stacked)
    {
        var k = stacked.size(0);
        var (sorted, _) = stacked.sort(0);
        return k % 2 == 1 ? sorted[k / 2] : (sorted[k / 2 - 1] + sorted[k / 2]) * 0.5;
    }

    private static Target SampleTarget(Target target, int b) => target is IPerSample ps ? ps.Row(b) : target;
}
