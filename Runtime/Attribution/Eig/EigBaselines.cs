using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// EIG's baseline choices. Each returns baselines [K, ...] shared by all samples, except
/// <see cref="Close"/>, which returns [B, K, ...] (its own baselines per sample). Randomised ones take a seed.
/// </summary>
public static class EigBaselines
{
    /// <summary>All-zero baseline(s) shaped like one sample.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="sampleShape"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1 or a size is negative.</exception>
    public static Tensor Zero(long[] sampleShape, ScalarType? dtype = null, int count = 1, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, $"EigBaselines.Zero: count must be at least 1, got {count}");
        if (sampleShape.Any(s => s < 0))
            throw new ArgumentOutOfRangeException(nameof(sampleShape), $"EigBaselines.Zero: sampleShape {Format.Shape(sampleShape)} has a negative size");
        return zeros([count, .. sampleShape], dtype, device);
    }

    /// <summary>The decoder's image of the latent zero (for an autoencoder trained on centred data: the data mean).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="decoder"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="latentSize"/> is below 1.</exception>
    public static Tensor EncodedZero(Func<Tensor, Tensor> decoder, long latentSize, ScalarType? dtype = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        if (latentSize < 1) throw new ArgumentOutOfRangeException(nameof(latentSize), latentSize, $"EigBaselines.EncodedZero: latentSize must be at least 1, got {latentSize}");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var decoded = ModelCall.Guard(decoder, "EigBaselines.EncodedZero (decoder)")(zeros([1, latentSize], dtype, device));
        if (decoded is null) throw new InvalidOperationException("EigBaselines.EncodedZero: the decoder returned null");
        Checks.NonFiniteOutput(decoded, "EigBaselines.EncodedZero (decoder)");
        return decoded.MoveToOuterDisposeScope();
    }

    /// <summary>k-means centroids of the baseline-class points (k-means++ seeding, Lloyd iterations to convergence).</summary>
    /// <param name="data">The baseline-class points [N, ...].</param>
    /// <param name="k">Centroids (1 to N).</param>
    /// <param name="seed">Seed of the k-means++ draws.</param>
    /// <param name="maxIterations">At most this many Lloyd iterations.</param>
    /// <param name="cancellationToken">Checked before any work, before each k-means++ centre and before every Lloyd
    /// iteration: once it is cancelled, <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <returns>The centroids [k, ...], in the data's dtype and on its device.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Tensor KMeans(Tensor data, int k, int seed = 0, int maxIterations = 100, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CheckData(data, "EigBaselines.KMeans");
        var rows = Rows.Of(data);
        if (k < 1 || k > rows.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {rows.Length}] (the number of points)");
        var centers = KMeansPlusPlus(rows, k, new Random(seed), cancellationToken);
        var assign = Enumerable.Repeat(-1, rows.Length).ToArray();
        for (var it = 0; it < maxIterations; it++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var changed = false;
            for (var i = 0; i < rows.Length; i++)
            {
                var best = Nearest(rows[i], centers);
                if (best != assign[i]) { assign[i] = best; changed = true; }
            }
            if (!changed) break;
            for (var c = 0; c < k; c++)
            {
                var members = Enumerable.Range(0, rows.Length).Where(i => assign[i] == c).ToList();
                if (members.Count == 0) continue;   // an empty cluster keeps its centre
                var mean = new double[rows[0].Length];
                foreach (var i in members)
                    for (var j = 0; j < mean.Length; j++) mean[j] += rows[i][j] / members.Count;
                centers[c] = mean;
            }
        }
        return Rows.ToTensor(centers, data.shape[1..], data.dtype, data.device);
    }

    /// <summary>k-means++ seeding: the first centre uniformly, each next one with probability ∝ squared distance to the nearest chosen centre.</summary>
    internal static List<double[]> KMeansPlusPlus(double[][] rows, int k, Random random, CancellationToken cancellationToken = default)
    {
        var centers = new List<double[]> { rows[random.Next(rows.Length)] };
        var d2 = rows.Select(r => Rows.Distance2(r, centers[0])).ToArray();
        while (centers.Count < k)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var total = d2.Sum();
            int next;
            if (total == 0) next = random.Next(rows.Length);   // all points coincide with centres
            else
            {
                var u = random.NextDouble() * total;
                next = 0;
                for (var acc = d2[0]; acc < u && next < rows.Length - 1; acc += d2[++next]) { }
            }
            centers.Add(rows[next]);
            for (var i = 0; i < rows.Length; i++) d2[i] = Math.Min(d2[i], Rows.Distance2(rows[i], rows[next]));
        }
        return centers;
    }

    /// <summary>
    /// The <paramref name="count"/> points closest to the element-wise median. (The reference sorts the
    /// distances descending and takes the farthest points — a bug; this takes the closest.)
    /// </summary>
    public static Tensor Median(Tensor data, int count)
    {
        CheckData(data, "EigBaselines.Median");
        var rows = Rows.Of(data);
        CheckCount(count, rows.Length);
        var dim = rows[0].Length;
        var median = new double[dim];
        for (var j = 0; j < dim; j++)
        {
            var col = rows.Select(r => r[j]).Order().ToArray();
            median[j] = col.Length % 2 == 1 ? col[col.Length / 2] : 0.5 * (col[col.Length / 2 - 1] + col[col.Length / 2]);
        }
        var picked = Enumerable.Range(0, rows.Length).OrderBy(i => Rows.Distance2(rows[i], median)).ThenBy(i => i).Take(count).ToArray();
        using var idx = tensor(picked.Select(i => (long)i).ToArray(), device: data.device);
        return data.index_select(0, idx);
    }

    /// <summary>
    /// For each sample, its <paramref name="count"/> nearest baseline-class points after skipping the
    /// <paramref name="skip"/> very closest (which may be near-duplicates of the sample): [B, count, ...].
    /// </summary>
    public static Tensor Close(Tensor data, Tensor samples, int count, int skip = 1)
    {
        CheckData(data, "EigBaselines.Close");
        CheckData(samples, "EigBaselines.Close", nameof(samples));
        if (skip < 0) throw new ArgumentOutOfRangeException(nameof(skip), skip, "EigBaselines.Close: skip must be ≥ 0");
        if (!samples.shape[1..].SequenceEqual(data.shape[1..]))
            throw new ArgumentException($"EigBaselines.Close: samples {Format.Shape(samples)} and data {Format.Shape(data)} differ in their sample shape; pass samples shaped like the data's rows", nameof(samples));
        var rows = Rows.Of(data);
        CheckCount(count + skip, rows.Length);
        var queries = Rows.Of(samples);
        using var scope = NewDisposeScope();
        var perSample = queries.Select(q =>
        {
            var picked = Enumerable.Range(0, rows.Length).OrderBy(i => Rows.Distance2(rows[i], q)).ThenBy(i => i).Skip(skip).Take(count).Select(i => (long)i).ToArray();
            return data.index_select(0, tensor(picked, device: data.device));
        }).ToList();
        return stack(perSample).MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="count"/> baseline-class points drawn without replacement.</summary>
    public static Tensor Random(Tensor data, int count, int seed = 0)
    {
        CheckData(data, "EigBaselines.Random");
        var n = (int)data.size(0);
        CheckCount(count, n);
        var random = new Random(seed);
        var picked = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(count).Select(i => (long)i).ToArray();
        using var idx = tensor(picked, device: data.device);
        return data.index_select(0, idx);
    }

    private static int Nearest(double[] x, List<double[]> centers)
    {
        var best = 0;
        var bestD = double.PositiveInfinity;
        for (var c = 0; c < centers.Count; c++)
        {
            var d = Rows.Distance2(x, centers[c]);
            if (d < bestD) { bestD = d; best = c; }
        }
        return best;
    }

    /// <summary>Baseline-class points: a non-empty batch [N, ...] of finite values (a NaN point would end up in the baselines or the distances).</summary>
    private static void CheckData(Tensor data, string method, string name = "data")
    {
        Checks.NotEmpty(data, method, name);
        if (data.dim() < 1)
            throw new ArgumentException($"{method}: {name} must be a batch of points [N, ...], got a 0-dim tensor", name);
        Checks.Finite(data, method, name);
    }

    private static void CheckCount(int count, int available)
    {
        if (count < 1 || count > available)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"asked for {count} baseline points but only {available} are available");
    }
}
