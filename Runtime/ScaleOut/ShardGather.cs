using System.Text.Json;
using AttrDsl.Checkpoints;

namespace AttrDsl.ScaleOut;

/// <summary>One shard file of a gathered run.</summary>
/// <param name="Path">The file.</param>
/// <param name="Shard">Its shard index.</param>
/// <param name="FirstSample">Its first global sample index.</param>
/// <param name="Rows">Its number of samples.</param>
public sealed record GatheredShard(string Path, int Shard, long FirstSample, long Rows);

/// <summary>A complete, consistent run: every sample 0..N−1 exactly once, in shard files of one model and one set of options.</summary>
/// <param name="Manifest">The run's manifest (that of shard 0).</param>
/// <param name="Shards">The shard files, in shard order (and so in sample order).</param>
/// <param name="IndexPath">The index written beside them, <c>_index.json</c>.</param>
/// <param name="ContentDigest">
/// <c>"sha256:"</c> and the lower-case hex SHA-256 of the run's rows in global sample order: per row, little-endian and
/// without separators, <c>sample_id</c>, <c>label</c> and <c>prediction</c> (int64), then per method in column order its
/// attribution's float32 values and, for integrated gradients, its delta (float64). It depends on the rows alone, not on
/// how the run was split into shards: two runs of the same model, options and data with the same libtorch thread count
/// give the same digest however they were sharded, and any changed value gives another. Also in <c>_index.json</c> as
/// <c>content_digest</c>.
/// </param>
public sealed record GatherResult(ShardManifest Manifest, IReadOnlyList<GatheredShard> Shards, string IndexPath, string ContentDigest);

/// <summary>
/// Checks that a directory written by <see cref="DatasetExplainer.ExplainShard"/> holds a whole run and writes its index.
/// </summary>
/// <remarks>
/// The shard files are left as they are and indexed rather than merged into one file: copying hundreds of thousands of
/// attribution rows again would double the disk and time for nothing, since pyarrow and pandas already read the directory
/// as one table (<c>pandas.read_parquet(dir)</c>, in shard and so sample order). The index, <c>_index.json</c>, names
/// every file with its sample range and the run's manifest; pyarrow skips names starting with '_' or '.', so it (and
/// any temporary file) never disturbs that read.
/// </remarks>
public static class ShardGather
{
    private const string Method = "ShardGather.Gather";

    /// <summary>The index file's name in the shard directory.</summary>
    public const string IndexFileName = "_index.json";

    /// <summary>
    /// Reads every shard file of <paramref name="directory"/>, checks that all come from one run (same model hash,
    /// options, shard count, sample count and versions), that every shard is there and that every sample 0..N−1 is
    /// present exactly once, computes the run's <see cref="GatherResult.ContentDigest"/>, then writes
    /// <see cref="IndexFileName"/> (atomically) and returns it.
    /// </summary>
    /// <remarks>The digest reads every shard file once more, one file and one row group (chunk) at a time, so memory
    /// stays that of one chunk's rows however large the run is.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="directory"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="InvalidDataException">No shard files; a file is not a readable shard; shards of different runs
    /// (naming the odd file and the field that differs); a missing shard; a sample missing or present twice; a file
    /// whose rows are not in sample order or whose attribution columns are malformed.</exception>
    public static GatherResult Gather(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (string.IsNullOrWhiteSpace(directory))
            throw new ArgumentException($"{Method}: directory is empty; pass the directory the shards were written to", nameof(directory));
        var dir = Path.GetFullPath(directory);
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"{Method}: the directory '{dir}' does not exist; pass the directory the shards were written to");
        var files = Directory.EnumerateFiles(dir).Where(f => ShardFile.IsShardName(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new InvalidDataException($"{Method}: '{dir}' holds no shard files (shard-*.parquet); run DatasetExplainer.ExplainShard for every shard first");

        var read = files.Select(f => (Path: f, Data: ShardFile.ReadIds(f))).ToList();
        var reference = read[0];
        foreach (var (path, (manifest, _)) in read.Skip(1))
            if (manifest.DifferenceFrom(reference.Data.Manifest) is { } diff)
                throw new InvalidDataException($"{Method}: '{Path.GetFileName(path)}' comes from another run than '{Path.GetFileName(reference.Path)}' ({diff}). " +
                                               "Delete the shards of the run you do not want, or write each run to its own directory.");
        var run = reference.Data.Manifest;
        var byShard = new SortedDictionary<int, (string Path, long[] Ids)>();
        foreach (var (path, (manifest, ids)) in read)
        {
            if (Path.GetFileName(path) != ShardFile.Name(manifest.Shard, manifest.Shards))
                throw new InvalidDataException($"{Method}: '{Path.GetFileName(path)}' holds shard {manifest.Shard} of {manifest.Shards} by its manifest; a renamed file? Expected the name {ShardFile.Name(manifest.Shard, manifest.Shards)}.");
            byShard[manifest.Shard] = (path, ids);
        }
        var missing = Enumerable.Range(0, run.Shards).Where(s => !byShard.ContainsKey(s)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{Method}: {missing.Count} of {run.Shards} shard(s) have no file in '{dir}': {string.Join(", ", missing.Take(20))}{(missing.Count > 20 ? ", …" : "")}. Run them (again) and gather once they finish.");

        var seen = new bool[run.SampleCount];
        var shards = new List<GatheredShard>();
        foreach (var (shard, (path, ids)) in byShard)
        {
            foreach (var id in ids)
            {
                if (id < 0 || id >= run.SampleCount)
                    throw new InvalidDataException($"{Method}: '{Path.GetFileName(path)}' holds sample id {id}, outside [0, {run.SampleCount}); delete it and run shard {shard} again");
                if (seen[id])
                    throw new InvalidDataException($"{Method}: sample {id} is present twice (again in '{Path.GetFileName(path)}'); delete that file and run shard {shard} again");
                seen[id] = true;
            }
            shards.Add(new GatheredShard(path, shard, ids.Length > 0 ? ids.Min() : 0, ids.Length));
        }
        var absent = Array.IndexOf(seen, false);
        if (absent >= 0)
            throw new InvalidDataException($"{Method}: sample {absent} is in no shard file ({seen.Count(s => !s)} sample(s) missing); delete the shard that should hold it and run it again");

        // Shard order is sample order (each shard is a contiguous range of the plan), so the files are hashed in turn.
        string digest;
        using (var content = new ShardContentDigest(run))
        {
            foreach (var s in shards) content.Add(s.Path);
            digest = content.Finish();
        }

        var indexPath = Path.Combine(dir, IndexFileName);
        var index = new
        {
            manifest = JsonDocument.Parse(run.ToJson()).RootElement,
            content_digest = digest,
            shards = shards.Select(s => new { file = Path.GetFileName(s.Path), shard = s.Shard, first_sample = s.FirstSample, rows = s.Rows }),
        };
        AtomicFile.Write(indexPath, stream => JsonSerializer.Serialize(stream, index, new JsonSerializerOptions { WriteIndented = true }));
        return new GatherResult(run, shards, indexPath, digest);
    }
}
