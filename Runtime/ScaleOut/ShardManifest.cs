using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AttrDsl.ScaleOut;

/// <summary>
/// What a shard file was computed from, stored as JSON in its Parquet key-value metadata under
/// <see cref="MetadataKey"/>: the model, the options, the shard, the data set and the software versions. A rerun
/// skips a shard whose file has the same manifest (<see cref="SameRunAs"/> and the same shard); <see cref="ShardGather"/>
/// requires all shards to share one.
/// </summary>
public sealed record ShardManifest
{
    /// <summary>The Parquet key-value metadata key holding the manifest.</summary>
    public const string MetadataKey = "attrdsl.manifest";

    /// <summary>The manifest format; "attrdsl-shard/1".</summary>
    public string Format { get; init; } = "attrdsl-shard/1";

    /// <summary>SHA-256 (lower-case hex) of the model's parameters and buffers (<see cref="DatasetExplainer.ModelHash"/>).</summary>
    public required string ModelHash { get; init; }

    /// <summary>The methods' column names, in column order.</summary>
    public required IReadOnlyList<string> Methods { get; init; }

    /// <summary>"label" or "predicted".</summary>
    public required string Target { get; init; }

    /// <summary>Integrated gradients' quadrature points.</summary>
    public required int Steps { get; init; }

    /// <summary>Samples per chunk.</summary>
    public required int ChunkSize { get; init; }

    /// <summary>This shard's index, from 0.</summary>
    public required int Shard { get; init; }

    /// <summary>The number of shards.</summary>
    public required int Shards { get; init; }

    /// <summary>N, the number of samples in the whole data set.</summary>
    public required long SampleCount { get; init; }

    /// <summary>The shape of one sample (the inputs' shape less its first dimension).</summary>
    public required IReadOnlyList<long> SampleShape { get; init; }

    /// <summary>The AttrDsl version that wrote the file.</summary>
    public required string AttrDslVersion { get; init; }

    /// <summary>The TorchSharp version that computed the attributions.</summary>
    public required string TorchSharpVersion { get; init; }

    /// <summary>
    /// The first field in which this manifest's run differs from <paramref name="other"/>'s, as "field: a vs b", or null
    /// when both are shards of the same run (everything but the shard index equal; versions included, as another
    /// library version may change the bits).
    /// </summary>
    public string? DifferenceFrom(ShardManifest other)
    {
        ArgumentNullException.ThrowIfNull(other);
        static string L<T>(IEnumerable<T> xs) => "[" + string.Join(", ", xs) + "]";
        (string Name, string A, string B)[] fields =
        [
            (nameof(Format), Format, other.Format),
            (nameof(ModelHash), ModelHash, other.ModelHash),
            (nameof(Methods), L(Methods), L(other.Methods)),
            (nameof(Target), Target, other.Target),
            (nameof(Steps), Steps.ToString(), other.Steps.ToString()),
            (nameof(ChunkSize), ChunkSize.ToString(), other.ChunkSize.ToString()),
            (nameof(Shards), Shards.ToString(), other.Shards.ToString()),
            (nameof(SampleCount), SampleCount.ToString(), other.SampleCount.ToString()),
            (nameof(SampleShape), L(SampleShape), L(other.SampleShape)),
            (nameof(AttrDslVersion), AttrDslVersion, other.AttrDslVersion),
            (nameof(TorchSharpVersion), TorchSharpVersion, other.TorchSharpVersion),
        ];
        foreach (var (name, a, b) in fields)
            if (a != b) return $"{name}: {a} vs {b}";
        return null;
    }

    /// <summary>Whether <paramref name="other"/> is a shard of the same run (see <see cref="DifferenceFrom"/>).</summary>
    public bool SameRunAs(ShardManifest other) => DifferenceFrom(other) is null;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };

    /// <summary>The manifest as JSON (snake-case keys).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a manifest written by <see cref="ToJson"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="FormatException">The text is not a shard manifest.</exception>
    public static ShardManifest FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<ShardManifest>(json, Json)
                   ?? throw new FormatException("ShardManifest.FromJson: the JSON is 'null', not a shard manifest");
        }
        catch (JsonException e)
        {
            throw new FormatException($"ShardManifest.FromJson: not a shard manifest ({e.Message})", e);
        }
    }

    internal static string AttrDslVersionNow { get; } = VersionOf(typeof(ShardManifest).Assembly);
    internal static string TorchSharpVersionNow { get; } = VersionOf(typeof(torch).Assembly);

    private static string VersionOf(Assembly a)
    {
        var v = a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? a.GetName().Version?.ToString() ?? "unknown";
        var plus = v.IndexOf('+');   // drop the source-commit suffix: the same package built twice is the same version
        return plus >= 0 ? v[..plus] : v;
    }
}
