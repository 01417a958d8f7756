using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// The paths of Enhanced Integrated Gradients, each returned as [points, ...] from the baseline
/// (row 0) to the sample (last row). Attribution integrates along the actual coordinates
/// (<see cref="PathIntegral"/>), which is what makes non-linear paths correct.
/// </summary>
public static class EigPaths
{
    /// <summary>O-L: the straight line in input space.</summary>
    public static Tensor Linear(Tensor baseline, Tensor sample, int points)
    {
        CheckEndpoints(baseline, sample, points, "EigPaths.Linear");
        using var scope = NewDisposeScope();
        var alphas = linspace(0, 1, points, ScalarType.Float64, sample.device).to(sample.dtype);
        var shape = new long[sample.dim() + 1];
        shape[0] = points;
        for (var i = 1; i < shape.Length; i++) shape[i] = 1;
        var a = alphas.view(shape);
        var diff = sample - baseline;
        return (baseline.unsqueeze(0) + a * diff.unsqueeze(0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// H-L: the straight line between the encodings, decoded to input space. The first and last points are
    /// pinned to the true baseline and sample, so the integral still sums to f(sample) − f(baseline).
    /// </summary>
    public static Tensor Latent(Func<Tensor, Tensor> encoder, Func<Tensor, Tensor> decoder, Tensor baseline, Tensor sample, int points)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(decoder);
        CheckEndpoints(baseline, sample, points, "EigPaths.Latent");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var z = encoder(stack([baseline, sample]));
        var latent = Linear(z[0], z[1], points);
        return Pin(decoder(latent), baseline, sample).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// O-N: through the data. A k-nearest-neighbour graph over <paramref name="data"/> plus the two endpoints,
    /// the Dijkstra shortest path from baseline to sample, the remaining points given one at a time to the
    /// segment that is longest per point, and each segment filled linearly. Every waypoint is a data point.
    /// </summary>
    public static Tensor Neighbors(Tensor data, Tensor baseline, Tensor sample, int points, int k = 5)
    {
        CheckEndpoints(baseline, sample, points, "EigPaths.Neighbors");
        CheckData(data, "EigPaths.Neighbors");
        var nodes = Rows.Of(data).ToList();
        var start = nodes.Count;
        nodes.Add(Rows.Of(baseline.unsqueeze(0))[0]);
        nodes.Add(Rows.Of(sample.unsqueeze(0))[0]);
        if (nodes[0].Length != nodes[start].Length)
            throw new ArgumentException($"data points have {nodes[0].Length} features but the endpoints have {nodes[start].Length}");
        var route = ShortestPath(nodes, start, start + 1, k);
        var waypoints = route.Select(i => nodes[i]).ToList();
        var path = Fill(waypoints, points);
        return Rows.ToTensor(path, sample.shape, sample.dtype, sample.device);
    }

    /// <summary>H-N: the neighbours path in latent space (data encoded), decoded; endpoints pinned as in <see cref="Latent"/>.</summary>
    public static Tensor LatentNeighbors(Func<Tensor, Tensor> encoder, Func<Tensor, Tensor> decoder, Tensor data, Tensor baseline, Tensor sample, int points, int k = 5)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(decoder);
        CheckEndpoints(baseline, sample, points, "EigPaths.LatentNeighbors");
        CheckData(data, "EigPaths.LatentNeighbors");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var zData = encoder(data);
        var z = encoder(stack([baseline, sample]));
        var latent = Neighbors(zData, z[0], z[1], points, k);
        return Pin(decoder(latent), baseline, sample).MoveToOuterDisposeScope();
    }

    /// <summary>Indices (into <paramref name="nodes"/>) of the shortest k-NN-graph path from <paramref name="from"/> to <paramref name="to"/>.</summary>
    internal static List<int> ShortestPath(IReadOnlyList<double[]> nodes, int from, int to, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1");
        var n = nodes.Count;
        var adjacency = new Dictionary<int, double>[n];
        for (var i = 0; i < n; i++) adjacency[i] = [];
        for (var i = 0; i < n; i++)
        {
            var nearest = Enumerable.Range(0, n).Where(j => j != i)
                .Select(j => (j, d: Math.Sqrt(Rows.Distance2(nodes[i], nodes[j]))))
                .OrderBy(p => p.d).Take(k);
            foreach (var (j, d) in nearest)
            {
                adjacency[i][j] = d;   // the graph is made symmetric: an edge if either end is among the other's k nearest
                adjacency[j][i] = d;
            }
        }
        var dist = Enumerable.Repeat(double.PositiveInfinity, n).ToArray();
        var prev = Enumerable.Repeat(-1, n).ToArray();
        dist[from] = 0;
        var queue = new PriorityQueue<int, double>();
        queue.Enqueue(from, 0);
        while (queue.TryDequeue(out var u, out var du))
        {
            if (du > dist[u]) continue;
            if (u == to) break;
            foreach (var (v, w) in adjacency[u])
                if (du + w < dist[v])
                {
                    dist[v] = du + w;
                    prev[v] = u;
                    queue.Enqueue(v, dist[v]);
                }
        }
        if (double.IsPositiveInfinity(dist[to]))
            throw new InvalidOperationException($"the baseline and the sample are not connected in the {k}-nearest-neighbour graph; use a larger k or more data.");
        var route = new List<int>();
        for (var v = to; v != -1; v = prev[v]) route.Add(v);
        route.Reverse();
        return route;
    }

    /// <summary>Spreads <paramref name="points"/> over the polyline through <paramref name="waypoints"/>, keeping every waypoint.</summary>
    internal static List<double[]> Fill(IReadOnlyList<double[]> waypoints, int points)
    {
        if (points < waypoints.Count)
            throw new ArgumentException($"the neighbours path has {waypoints.Count} waypoints; ask for at least that many points (got {points}).");
        var segments = waypoints.Count - 1;
        var lengths = new double[segments];
        for (var s = 0; s < segments; s++) lengths[s] = Math.Sqrt(Rows.Distance2(waypoints[s], waypoints[s + 1]));
        var interior = new int[segments];
        for (var r = points - waypoints.Count; r > 0; r--)
        {
            var best = 0;
            for (var s = 1; s < segments; s++)
                if (lengths[s] / (interior[s] + 1) > lengths[best] / (interior[best] + 1)) best = s;
            interior[best]++;
        }
        var path = new List<double[]> { waypoints[0] };
        for (var s = 0; s < segments; s++)
        {
            for (var j = 1; j <= interior[s]; j++) path.Add(Rows.Lerp(waypoints[s], waypoints[s + 1], (double)j / (interior[s] + 1)));
            path.Add(waypoints[s + 1]);
        }
        return path;
    }

    private static Tensor Pin(Tensor path, Tensor baseline, Tensor sample)
    {
        var p = path.to(sample.dtype).clone();
        p[0] = baseline;
        p[-1] = sample;
        return p;
    }

    private static void CheckEndpoints(Tensor baseline, Tensor sample, int points, string method)
    {
        Checks.Live(baseline, method, nameof(baseline));
        Checks.Live(sample, method, nameof(sample));
        if (points < 2) throw new ArgumentOutOfRangeException(nameof(points), points, $"{method}: a path needs at least 2 points");
        if (!baseline.shape.SequenceEqual(sample.shape))
            throw new ArgumentException($"{method}: baseline shape [{string.Join(", ", baseline.shape)}] differs from sample shape [{string.Join(", ", sample.shape)}]");
        // A NaN endpoint makes every point of a linear path NaN and every distance of a neighbours path NaN.
        Checks.Finite(baseline, method, nameof(baseline));
        Checks.Finite(sample, method, nameof(sample));
        using var one = sample.unsqueeze(0);
        Checks.FitsInMemory(points, one, method, nameof(points), points, $"a path of {points} points", "use fewer points (a few hundred are plenty for the path integral)");
    }

    /// <summary>The points a neighbours path may pass through: a non-empty batch [N, ...] of finite values.</summary>
    private static void CheckData(Tensor data, string method)
    {
        Checks.NotEmpty(data, method, nameof(data));
        if (data.dim() < 1)
            throw new ArgumentException($"{method}: data must be a batch of points [N, ...], got a 0-dim tensor", nameof(data));
        Checks.Finite(data, method, nameof(data));
    }
}
