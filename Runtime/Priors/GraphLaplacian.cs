using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Priors;

/// <summary>
/// Graph prior (attribution priors, drug response): with φ = mean over the batch of |attributions|
/// (one value per feature), Ω = φᵀ L φ for the Laplacian L = D − A of a weighted feature graph, computed
/// edge-wise as Σ_edges w_ij (φ_i − φ_j)² so large sparse graphs never build a dense matrix.
/// </summary>
public sealed class GraphLaplacian : IAttributionPrior, IDisposable
{
    private readonly Tensor _from, _to, _weights;
    private bool _disposed;

    /// <summary>Number of features (graph nodes).</summary>
    public long Features { get; }

    /// <summary>From an undirected edge list: each (i, j, w) counted once (do not list (j, i) again).</summary>
    public GraphLaplacian(long features, IEnumerable<(long i, long j, double w)> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, $"GraphLaplacian: the graph needs at least one feature (node), got {features}");
        var list = edges.ToList();
        foreach (var (i, j, w) in list)
        {
            if (i < 0 || j < 0 || i >= features || j >= features) throw new ArgumentOutOfRangeException(nameof(edges), $"edge ({i}, {j}) refers to a feature outside [0, {features})");
            if (!(w >= 0) || double.IsInfinity(w)) throw new ArgumentOutOfRangeException(nameof(edges), $"edge ({i}, {j}) has weight {w}; weights must be finite and ≥ 0");
        }
        Features = features;
        _from = tensor(list.Select(e => e.i).ToArray()).DetachFromDisposeScope();
        _to = tensor(list.Select(e => e.j).ToArray()).DetachFromDisposeScope();
        _weights = tensor(list.Select(e => e.w).ToArray()).DetachFromDisposeScope();
    }

    /// <summary>From a symmetric adjacency matrix [D, D] (the upper triangle is used; the diagonal is ignored).</summary>
    public static GraphLaplacian FromAdjacency(Tensor adjacency)
    {
        AttrDsl.Attribution.Checks.Live(adjacency, "GraphLaplacian.FromAdjacency", nameof(adjacency));
        if (adjacency.dim() != 2 || adjacency.size(0) != adjacency.size(1))
            throw new ArgumentException($"GraphLaplacian.FromAdjacency: adjacency must be square [D, D], got {AttrDsl.Internal.Format.Shape(adjacency)}", nameof(adjacency));
        AttrDsl.Attribution.Checks.Finite(adjacency, "GraphLaplacian.FromAdjacency", nameof(adjacency));
        using (var asymmetry = (adjacency - adjacency.t()).abs().max())
        using (var scale = adjacency.abs().max())
            if (asymmetry.to(ScalarType.Float64).item<double>() > 1e-6 * Math.Max(1, scale.to(ScalarType.Float64).item<double>()))
                throw new ArgumentException(
                    "GraphLaplacian.FromAdjacency: adjacency is not symmetric (A[i, j] ≠ A[j, i]); an undirected graph's adjacency is symmetric. " +
                    "Symmetrise it ((A + Aᵀ) / 2) or list the edges with the edge-list constructor.", nameof(adjacency));
        var d = adjacency.size(0);
        using var dbl = adjacency.to(ScalarType.Float64);
        var a = dbl.ToArray<double>();
        var edges = new List<(long, long, double)>();
        for (long i = 0; i < d; i++)
        for (var j = i + 1; j < d; j++)
            if (a[i * d + j] != 0) edges.Add((i, j, a[i * d + j]));
        return new GraphLaplacian(d, edges);
    }

    /// <inheritdoc/>
    public string Name => "graph Laplacian";

    /// <summary>φᵀLφ of a feature vector φ [D].</summary>
    public Tensor Quadratic(Tensor phi)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        AttrDsl.Attribution.Checks.Live(phi, "GraphLaplacian.Quadratic", nameof(phi));
        if (phi.dim() != 1 || phi.size(0) != Features)
            throw new ArgumentException($"GraphLaplacian.Quadratic: expected one value per feature [{Features}], got {AttrDsl.Internal.Format.Shape(phi)}", nameof(phi));
        if (!phi.is_floating_point())
            throw new ArgumentException($"GraphLaplacian.Quadratic: needs floating-point values, got {phi.dtype}", nameof(phi));
        using var scope = NewDisposeScope();
        // The edge list lives on the CPU until the attributions show which device the model runs on.
        var diff = phi.index_select(0, _from.to(phi.device)) - phi.index_select(0, _to.to(phi.device));
        return (diff.square() * _weights.to(phi.dtype, phi.device)).sum().MoveToOuterDisposeScope();
    }

    /// <summary>The graph has one node per input feature: each sample must hold <see cref="Features"/> values.</summary>
    /// <exception cref="ArgumentException">The samples hold another number of values.</exception>
    public void CheckSampleShape(IReadOnlyList<long> sampleShape)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        long values = 1;
        foreach (var s in sampleShape) values *= s;
        if (values != Features)
            throw new ArgumentException(
                $"the graph Laplacian prior has {Features} features (graph nodes), but each sample holds {values} values (shape [{string.Join(", ", sampleShape)}]); " +
                "build the graph over the inputs' features (one node per value of a flattened sample)", nameof(sampleShape));
    }

    /// <inheritdoc/>
    public Tensor Loss(Tensor attributions, PriorContext context)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        PriorChecks.Attributions(attributions, context, nameof(GraphLaplacian), 2, $"attributions [B, ...] with {Features} values per sample");
        using var scope = NewDisposeScope();
        var phi = attributions.reshape(attributions.size(0), -1).abs().mean(0);
        return Quadratic(phi).MoveToOuterDisposeScope();
    }

    /// <summary>Frees the edge tensors.</summary>
    public void Dispose()
    {
        _disposed = true;
        _from.Dispose();
        _to.Dispose();
        _weights.Dispose();
    }
}
