using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// What the surrogate methods (<see cref="KernelShap"/>, <see cref="Lime"/>) share: the model evaluated at many
/// coalitions of feature groups in few forward passes, and the weighted linear fit.
/// </summary>
internal static class SurrogateEngine
{
    /// <summary>
    /// The selected output at every coalition, float64 [B, n]: coalition j keeps the groups where
    /// <c>coalitions[j][g]</c> is true at the input's values and replaces the others by <paramref name="replacement"/>.
    /// <paramref name="perturbationsPerEval"/> coalitions go through one forward pass (B·k rows, sample-major).
    /// With <paramref name="distance"/> set, also the distance of every perturbed row from its input, [B, n].
    /// </summary>
    internal static (double[,] Outputs, double[,]? Distances) Evaluate(Func<Tensor, Tensor> forward, Target target, Tensor x, Tensor replacement,
        Tensor groupIndex, IReadOnlyList<bool[]> coalitions, int perturbationsPerEval, string method, CancellationToken cancellationToken,
        LimeDistance? distance = null)
    {
        var b = x.size(0);
        var n = coalitions.Count;
        var outputs = new double[b, n];
        var distances = distance is null ? null : new double[b, n];
        var flatIndex = groupIndex.reshape(-1);
        var feat = x.shape[1..];
        for (var start = 0; start < n; start += perturbationsPerEval)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var chunkScope = NewDisposeScope();
            var k = Math.Min(perturbationsPerEval, n - start);
            var flags = new bool[k * coalitions[0].Length];
            for (var j = 0; j < k; j++) Array.Copy(coalitions[start + j], 0, flags, j * coalitions[0].Length, coalitions[0].Length);
            var z = tensor(flags, [k, coalitions[0].Length], device: x.device);                   // [k, G]
            var present = z.index_select(1, flatIndex).reshape([(long)k, b, .. feat]).transpose(0, 1);   // [B, k, ...]
            var mixed = where(present, x.unsqueeze(1), replacement.unsqueeze(1));                // [B, k, ...]
            var rows = mixed.reshape([b * k, .. feat]);
            var selected = AttributionArgs.Select(k == 1 ? target : target.Repeat(k), forward(rows), b * k, method);
            var values = selected.to(ScalarType.Float64).cpu().ToArray<double>();
            for (var r = 0; r < b; r++)
                for (var j = 0; j < k; j++)
                    outputs[r, start + j] = values[r * k + j];
            if (distances is not null)
            {
                var d = Distance(x, mixed, distance!.Value).cpu().ToArray<double>();             // [B, k]
                for (var r = 0; r < b; r++)
                    for (var j = 0; j < k; j++)
                        distances[r, start + j] = d[r * k + j];
            }
        }
        return (outputs, distances);
    }

    /// <summary>
    /// Distance of each perturbed row <paramref name="mixed"/> [B, k, ...] from its input <paramref name="x"/> [B, ...], float64 [B, k]:
    /// Captum's <c>get_exp_kernel_similarity_function</c> distances on the flattened inputs (cosine distance 1 − cos, with
    /// torch's ε = 1e-8 on each norm; or the Euclidean norm of the difference).
    /// </summary>
    private static Tensor Distance(Tensor x, Tensor mixed, LimeDistance distance)
    {
        var b = x.size(0);
        var k = mixed.size(1);
        var xf = x.reshape(b, 1, -1).to(ScalarType.Float64);
        var pf = mixed.reshape(b, k, -1).to(ScalarType.Float64);
        if (distance == LimeDistance.Euclidean)
            return (pf - xf).pow(2).sum(-1).sqrt();
        var dot = (pf * xf).sum(-1);
        var nx = xf.pow(2).sum(-1).sqrt().clamp_min(1e-8);
        var np = pf.pow(2).sum(-1).sqrt().clamp_min(1e-8);
        return 1 - dot / (nx * np);
    }

    /// <summary>The sampling counts both surrogate methods take, checked: each at least 1.</summary>
    internal static void CheckCounts(int nSamples, int perturbationsPerEval, string method)
    {
        if (nSamples < 1)
            throw new ArgumentOutOfRangeException(nameof(nSamples), nSamples, $"{method}: nSamples must be at least 1");
        if (perturbationsPerEval < 1)
            throw new ArgumentOutOfRangeException(nameof(perturbationsPerEval), perturbationsPerEval, $"{method}: perturbationsPerEval must be at least 1");
    }

    /// <summary>
    /// <paramref name="rows"/>(inputs, target, mask, replacement) over the whole batch when every row has the same groups
    /// (the rows then share one set of samples), else over each row alone, in order, concatenated [B, D].
    /// </summary>
    internal static Tensor ByGroups(Tensor x, Target target, Tensor mask, Tensor replacement, Func<Tensor, Target, Tensor, Tensor, Tensor> rows)
    {
        if (SameGroupsInEveryRow(mask)) return rows(x, target, mask, replacement);
        return cat(Enumerable.Range(0, (int)x.size(0)).Select(r =>
            rows(x[r..(r + 1)], target.Slice(r, 1), mask[r..(r + 1)], replacement[r..(r + 1)])).ToArray(), 0);
    }

    /// <summary>
    /// Whether every row of the batch has the same set of group ids (a broadcast mask always does). Only then can the
    /// rows share one set of coalitions; otherwise each row is explained on its own.
    /// </summary>
    internal static bool SameGroupsInEveryRow(Tensor expandedMask)
    {
        var b = expandedMask.size(0);
        if (b == 1) return true;
        var rows = expandedMask.reshape(b, -1);
        var first = rows[0].ToArray<long>().Distinct().Order().ToArray();
        for (var r = 1; r < b; r++)
            if (!rows[r].ToArray<long>().Distinct().Order().SequenceEqual(first)) return false;
        return true;
    }

    /// <summary>
    /// The seed of a method's own random number generator: <paramref name="seed"/> when given, else drawn from torch's
    /// global generator, so that <c>torch.manual_seed</c> makes the method reproducible as it does the other sampling methods.
    /// </summary>
    internal static Random Rng(int? seed)
    {
        if (seed is { } s) return new Random(s);
        using var draw = randint(0, int.MaxValue, [1], dtype: ScalarType.Int64);
        return new Random((int)draw.item<long>());
    }

    /// <summary>A uniformly random subset of <paramref name="size"/> of <paramref name="groups"/> groups (partial Fisher–Yates).</summary>
    internal static bool[] RandomSubset(Random rng, int groups, int size)
    {
        var order = new int[groups];
        for (var i = 0; i < groups; i++) order[i] = i;
        var z = new bool[groups];
        for (var i = 0; i < size; i++)
        {
            var j = rng.Next(i, groups);
            (order[i], order[j]) = (order[j], order[i]);
            z[order[i]] = true;
        }
        return z;
    }

    /// <summary>Attributions [B, D] from per-row group values [B, G]: every element gets its group's value.</summary>
    internal static Tensor Spread(double[,] groupValues, Tensor groupIndex, ScalarType dtype)
    {
        var b = groupValues.GetLength(0);
        var g = groupValues.GetLength(1);
        var flat = new double[b * g];
        Buffer.BlockCopy(groupValues, 0, flat, 0, flat.Length * sizeof(double));
        using var values = tensor(flat, [b, g], device: groupIndex.device);
        using var index = groupIndex.reshape(b, -1);
        using var gathered = values.gather(1, index);
        return gathered.to(dtype);
    }
}
