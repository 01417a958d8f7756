namespace AttrDsl.Decomposition.Acd;

/// <summary>
/// ACD's agglomeration on any tiling (Singh, Murdoch &amp; Yu 2019, <c>agg_2d.agglomerate</c> / <c>agg_1d</c>):
/// seed components from the tiles above a percentile, grow them by the gain score(C ∪ u) − score(C) of their free
/// neighbours u, then merge the pair with the largest score(C1 ∪ C2) − max(score(C1), score(C2)) until one component
/// is left. Every step gathers all the regions it needs and scores them in as few scorer calls as the options allow
/// (the reference scores one region per forward).
/// </summary>
internal sealed class Agglomerator
{
    private readonly RegionScorer _scorer;
    private readonly Tiling _tiling;
    private readonly AcdOptions _options;
    private readonly string _who;
    private readonly CancellationToken _cancellationToken;
    private readonly Dictionary<string, double> _cache = [];
    private int _calls;
    private long _regions;

    public Agglomerator(RegionScorer scorer, Tiling tiling, AcdOptions options, string who, CancellationToken cancellationToken = default)
    {
        _cancellationToken = cancellationToken;
        _scorer = scorer;
        _tiling = tiling;
        _options = options;
        _who = who;
    }

    public static void CheckOptions(AcdOptions options, string who)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.Percentile > 0 && options.Percentile < 100))
            throw new ArgumentOutOfRangeException(nameof(options), options.Percentile,
                $"{who}: Percentile {options.Percentile} is outside (0, 100); pass e.g. 99 (MNIST) or 95 (ImageNet)");
        if (options.Iterations < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.Iterations, $"{who}: Iterations must be 0 or more (the reference uses 5)");
        if (options.RegionsPerCall is { } r && r < 1)
            throw new ArgumentOutOfRangeException(nameof(options), r, $"{who}: RegionsPerCall must be at least 1 (or null for all regions of a step in one call)");
    }

    public AcdResult Run()
    {
        var n = _tiling.Count;
        var singles = new List<int[]>(n);
        for (var t = 0; t < n; t++) singles.Add([t]);
        var tileScores = Score(singles);

        var tileLevels = Enumerable.Repeat(-1, n).ToArray();
        var included = new bool[n];
        var levels = new List<AcdLevel>();

        // Seed: the tiles whose own score reaches the percentile.
        Join(tileScores, included, tileLevels, level: 0);
        var comps = Components(included);
        var compScores = Score(comps);
        levels.Add(Level(0, AcdLevelKind.Seed, comps, compScores));

        for (var it = 1; it <= _options.Iterations && included.Contains(false); it++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            // Free tiles keep their own score unless they border a component: then they carry their best gain.
            var track = (double[])tileScores.Clone();
            var pairs = new List<(int Comp, int Tile)>();
            for (var c = 0; c < comps.Count; c++)
            {
                var seen = new HashSet<int>();
                foreach (var t in comps[c])
                    foreach (var u in _tiling.Neighbours[t])
                        if (!included[u] && seen.Add(u)) pairs.Add((c, u));
            }
            var grown = Score([.. pairs.Select(p => Union(comps[p.Comp], [p.Tile]))]);
            var best = new Dictionary<int, double>();
            for (var i = 0; i < pairs.Count; i++)
            {
                var gain = grown[i] - compScores[pairs[i].Comp];
                if (!best.TryGetValue(pairs[i].Tile, out var g) || gain > g) best[pairs[i].Tile] = gain;
            }
            foreach (var (u, g) in best) track[u] = g;
            Join(track, included, tileLevels, it);
            comps = Components(included);
            compScores = Score(comps);
            levels.Add(Level(levels.Count, AcdLevelKind.Growth, comps, compScores));
        }

        Merge(comps, compScores, levels);
        return new AcdResult(_tiling, levels, tileScores, tileLevels, _calls, _regions);
    }

    private void Merge(List<int[]> comps, double[] compScores, List<AcdLevel> levels)
    {
        // Live components by id. A pair's gain never changes while both halves live (their scores are fixed), so the
        // pairs wait in a queue by gain (ties: the older pair first) and those with a merged-away half are skipped when
        // they surface; each merge scores only the new component's pairs, all in one batch.
        var live = new List<(int Id, int[] Tiles, double Score)>();
        for (var c = 0; c < comps.Count; c++) live.Add((c, comps[c], compScores[c]));
        var alive = new HashSet<int>(live.Select(l => l.Id));
        var queue = new PriorityQueue<(int A, int B, double Score), (double NegGain, long Order)>();
        long order = 0;
        void Enqueue(List<((int Id, int[] Tiles, double Score) A, (int Id, int[] Tiles, double Score) B)> pairs)
        {
            var scores = Score([.. pairs.Select(p => Union(p.A.Tiles, p.B.Tiles))]);
            for (var k = 0; k < pairs.Count; k++)
            {
                var gain = scores[k] - Math.Max(pairs[k].A.Score, pairs[k].B.Score);
                queue.Enqueue((pairs[k].A.Id, pairs[k].B.Id, scores[k]), (-gain, order++));
            }
        }
        Enqueue([.. from i in Enumerable.Range(0, live.Count) from j in Enumerable.Range(i + 1, live.Count - i - 1) select (live[i], live[j])]);
        var nextId = comps.Count;
        while (live.Count > 1)
        {
            // Between levels: a cancelled run stops before its next merge (and before every scorer call, in Score).
            _cancellationToken.ThrowIfCancellationRequested();
            var (a, b, score) = queue.Dequeue();
            if (!alive.Contains(a) || !alive.Contains(b)) continue;
            var first = live.Single(l => l.Id == a);
            var second = live.Single(l => l.Id == b);
            live.RemoveAll(l => l.Id == a || l.Id == b);
            alive.Remove(a);
            alive.Remove(b);
            var merged = (Id: nextId++, Tiles: Union(first.Tiles, second.Tiles), Score: score);
            Enqueue([.. live.Select(l => (l, merged))]);
            live.Add(merged);
            alive.Add(merged.Id);
            levels.Add(Level(levels.Count, AcdLevelKind.Merge, [.. live.Select(l => l.Tiles)], [.. live.Select(l => l.Score)]));
        }
    }

    /// <summary>Adds every free tile whose tracked score reaches the percentile of the free tiles' tracked scores.</summary>
    private void Join(double[] track, bool[] included, int[] tileLevels, int level)
    {
        var free = Enumerable.Range(0, track.Length).Where(t => !included[t]).ToArray();
        var threshold = Percentile([.. free.Select(t => track[t])], _options.Percentile);
        foreach (var t in free)
            if (track[t] >= threshold)
            {
                included[t] = true;
                tileLevels[t] = level;
            }
    }

    /// <summary>numpy's default (linear) percentile.</summary>
    internal static double Percentile(double[] values, double p)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        var pos = p / 100 * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>Connected components of the included tiles, each ascending, ordered by their first tile.</summary>
    private List<int[]> Components(bool[] included)
    {
        var label = Enumerable.Repeat(-1, included.Length).ToArray();
        var comps = new List<int[]>();
        for (var s = 0; s < included.Length; s++)
        {
            if (!included[s] || label[s] >= 0) continue;
            var members = new List<int>();
            var queue = new Queue<int>();
            label[s] = comps.Count;
            queue.Enqueue(s);
            while (queue.Count > 0)
            {
                var t = queue.Dequeue();
                members.Add(t);
                foreach (var u in _tiling.Neighbours[t])
                    if (included[u] && label[u] < 0)
                    {
                        label[u] = comps.Count;
                        queue.Enqueue(u);
                    }
            }
            members.Sort();
            comps.Add([.. members]);
        }
        return comps;
    }

    private static int[] Union(int[] a, int[] b) => [.. a.Concat(b).Distinct().Order()];

    private static AcdLevel Level(int index, AcdLevelKind kind, List<int[]> comps, double[] scores)
    {
        var ordered = comps.Select((c, i) => new AcdComponent(c, scores[i]))
            .OrderByDescending(c => c.Score).ThenBy(c => c.Tiles[0]).ToArray();
        return new AcdLevel(index, kind, ordered);
    }

    /// <summary>
    /// Scores the regions, at most <see cref="AcdOptions.RegionsPerCall"/> per scorer call. A region already scored
    /// (a seed component that is a single tile, a grown component that was a growth candidate) is taken from the
    /// cache: the scorer is a function of the mask, so asking again would only repeat the forward.
    /// </summary>
    private double[] Score(List<int[]> regions)
    {
        var keys = regions.Select(r => string.Join(",", r)).ToArray();
        var todo = new List<int>();
        var queued = new HashSet<string>();
        for (var i = 0; i < regions.Count; i++)
            if (!_cache.ContainsKey(keys[i]) && queued.Add(keys[i])) todo.Add(i);
        var n = _tiling.Count;
        // Unbounded means "as many as a 2^26-element mask batch holds" (256 MiB of float32): all of a step for MNIST-sized
        // inputs, while an all-pairs merge of many components on a large image cannot build its masks all at once.
        var maskElements = _tiling.InputShape.Aggregate(1L, (a, d) => a * d);
        var per = _options.RegionsPerCall ?? (int)Math.Clamp((1L << 26) / maskElements, 1, int.MaxValue);
        for (var start = 0; start < todo.Count; start += per)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var m = Math.Min(per, todo.Count - start);
            var sel = new float[(long)m * n];
            for (var i = 0; i < m; i++)
                foreach (var t in regions[todo[start + i]]) sel[(long)i * n + t] = 1;
            using var scope = NewDisposeScope();
            var masks = _tiling.Masks(sel, m);
            var scores = ScoreChecks.Scores(_scorer(masks), m, _who);
            _calls++;
            _regions += m;
            var values = scores.detach().to(float64).cpu().data<double>().ToArray();
            for (var i = 0; i < m; i++) _cache[keys[todo[start + i]]] = values[i];
        }
        return [.. keys.Select(k => _cache[k])];
    }
}
