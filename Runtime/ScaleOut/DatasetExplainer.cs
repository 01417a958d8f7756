using System.Security.Cryptography;
using AttrDsl.Attribution;
using AttrDsl.Checkpoints;
using AttrDsl.Internal;
using Parquet;
using Parquet.Schema;

namespace AttrDsl.ScaleOut;

/// <summary>How far a shard has got: reported after every chunk.</summary>
/// <param name="Shard">The shard's index.</param>
/// <param name="SamplesDone">Samples of this shard explained so far.</param>
/// <param name="SamplesTotal">Samples in this shard.</param>
public readonly record struct ShardProgress(int Shard, long SamplesDone, long SamplesTotal);

/// <summary>What <see cref="DatasetExplainer.ExplainShard"/> did.</summary>
/// <param name="Path">The shard's Parquet file.</param>
/// <param name="Skipped">True when a complete file of the same run was already there and nothing was computed.</param>
/// <param name="Rows">Samples in the file.</param>
/// <param name="Manifest">The file's manifest.</param>
public sealed record ShardResult(string Path, bool Skipped, long Rows, ShardManifest Manifest);

/// <summary>
/// Explains one shard of a data set with several attribution methods and writes it as one Parquet file, atomically, so
/// that shards run as independent processes (job-array tasks, indexed jobs) and a shard killed midway is simply run again.
/// </summary>
/// <remarks>
/// <para>
/// The shard's samples (<see cref="ShardPlan"/>) are explained chunk by chunk, each chunk inside its own dispose scope
/// (memory is bounded by one chunk's attributions) and written as one Parquet row group. Columns: <c>sample_id</c>
/// (int64 global index), <c>label</c>, <c>prediction</c> (int64 arg-max of the model's output), per method its flattened
/// attribution (list&lt;float&gt;, named by <see cref="DatasetExplainOptions.ColumnName"/>) and, for integrated
/// gradients, <c>integrated_gradients_delta</c> (double). The <see cref="ShardManifest"/> is in the file's key-value
/// metadata. Python reads a finished directory with <c>pandas.read_parquet(dir)</c>.
/// </para>
/// <para>
/// The file is written through a temporary file renamed into place only when complete, so a file named
/// <c>shard-i-of-N.parquet</c> is always whole. A rerun skips a shard whose file exists with the same manifest; a file of
/// another run (other model, options or data-set size) is recomputed and replaced; temporary files of writers that died
/// are removed.
/// </para>
/// <para>
/// Call <c>model.eval()</c> first: dropout or batch-norm statistics that change per batch would make attributions depend on
/// the run. The model and inputs may be on any device; the file holds float32 values.
/// </para>
/// </remarks>
public static class DatasetExplainer
{
    private const string Method = "DatasetExplainer.ExplainShard";

    /// <summary>The file name of shard <paramref name="shard"/> of <paramref name="shards"/> (e.g. <c>shard-00002-of-00004.parquet</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shards"/> &lt; 1 or <paramref name="shard"/> outside [0, shards).</exception>
    public static string ShardFileName(int shard, int shards)
    {
        if (shards < 1) throw new ArgumentOutOfRangeException(nameof(shards), shards, $"DatasetExplainer.ShardFileName: shards must be at least 1, got {shards}");
        if (shard < 0 || shard >= shards) throw new ArgumentOutOfRangeException(nameof(shard), shard, $"DatasetExplainer.ShardFileName: shard must be in [0, {shards}), got {shard}; shards are numbered from 0");
        return ShardFile.Name(shard, shards);
    }

    /// <summary>
    /// SHA-256 (lower-case hex) of the model: for each parameter, then each buffer, in registration order, its name,
    /// dtype, shape and raw bytes. Two models with the same architecture and weights hash the same on any device.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> was disposed.</exception>
    public static string ModelHash(nn.Module model)
    {
        Checks.Live(model, "DatasetExplainer.ModelHash");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var scope = NewDisposeScope();
        void Add(string kind, string name, Tensor t)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{kind}\0{name}\0{t.dtype}\0{string.Join(",", t.shape)}\0"));
            var cpu = t.detach().contiguous().cpu();
            sha.AppendData(cpu.bytes);
        }
        foreach (var (name, p) in model.named_parameters()) Add("p", name, p);
        foreach (var (name, b) in model.named_buffers()) Add("b", name, b);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// Explains shard <paramref name="shard"/> of <paramref name="shards"/> of the data set and writes
    /// <c>&lt;outputDirectory&gt;/shard-&lt;i&gt;-of-&lt;N&gt;.parquet</c>; skips the work when that file is already complete.
    /// </summary>
    /// <param name="model">The classifier, returning logits [B, classes]; put it in eval mode first.</param>
    /// <param name="inputs">The whole data set [N, ...], floating point (only this shard's rows are used).</param>
    /// <param name="labels">The labels [N], integers in [0, classes).</param>
    /// <param name="outputDirectory">The directory all shards of the run write to (created if missing).</param>
    /// <param name="shard">This shard's index, in [0, <paramref name="shards"/>).</param>
    /// <param name="shards">The number of shards (at most the number of chunks).</param>
    /// <param name="options">Methods, target, steps and chunk size; null for the defaults.</param>
    /// <param name="progress">Told after every chunk; may be null.</param>
    /// <param name="cancellationToken">Checked before every chunk and inside integrated gradients; a cancelled shard
    /// leaves no file (its temporary file is removed) and throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ArgumentNullException">model, inputs, labels or outputDirectory is null.</exception>
    /// <exception cref="ObjectDisposedException">model, inputs or labels was disposed.</exception>
    /// <exception cref="ArgumentException">inputs is not floating point or empty, labels is not 1-D integer with one
    /// label per sample, the output directory is empty or names a file, or an option is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">shard or shards out of range, or a label outside the model's classes.</exception>
    /// <exception cref="InvalidOperationException">The model does not return [B, classes] logits.</exception>
    public static ShardResult ExplainShard(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor labels, string outputDirectory,
        int shard, int shards, DatasetExplainOptions? options = null, IProgress<ShardProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        Checks.Live(model, Method);
        Checks.NotEmpty(inputs, Method);
        Checks.Live(labels, Method, nameof(labels));
        ArgumentNullException.ThrowIfNull(outputDirectory);
        if (string.IsNullOrWhiteSpace(outputDirectory))
            throw new ArgumentException($"{Method}: outputDirectory is empty; pass the directory the shards of this run write to", nameof(outputDirectory));
        if (File.Exists(outputDirectory))
            throw new ArgumentException($"{Method}: outputDirectory '{outputDirectory}' is a file; pass a directory (it is created if missing)", nameof(outputDirectory));
        if (!inputs.is_floating_point())
            throw new ArgumentException($"{Method}: inputs must be floating point, got {inputs.dtype}; convert them (e.g. inputs.to_type(ScalarType.Float32))", nameof(inputs));
        var n = inputs.size(0);
        if (labels.dim() != 1 || labels.is_floating_point() || labels.dtype == ScalarType.Bool || labels.is_complex())
            throw new ArgumentException($"{Method}: labels must be a 1-D integer tensor [N], got {labels.dtype} of shape [{string.Join(", ", labels.shape)}]", nameof(labels));
        if (labels.size(0) != n)
            throw new ArgumentException($"{Method}: labels has {labels.size(0)} entries but inputs has {n} samples; pass one label per sample", nameof(labels));
        options ??= new DatasetExplainOptions();
        options.Validate();
        if (shards < 1) throw new ArgumentOutOfRangeException(nameof(shards), shards, $"{Method}: shards must be at least 1, got {shards}");
        if (shard < 0 || shard >= shards) throw new ArgumentOutOfRangeException(nameof(shard), shard, $"{Method}: shard must be in [0, {shards}), got {shard}; shards are numbered from 0");
        var plan = new ShardPlan(n, shards, options.ChunkSize);
        cancellationToken.ThrowIfCancellationRequested();

        var manifest = new ShardManifest
        {
            ModelHash = ModelHash(model),
            Methods = options.Methods.Select(DatasetExplainOptions.ColumnName).ToArray(),
            Target = options.Target == DatasetTarget.Label ? "label" : "predicted",
            Steps = options.Steps,
            ChunkSize = options.ChunkSize,
            Shard = shard,
            Shards = shards,
            SampleCount = n,
            SampleShape = inputs.shape[1..],
            AttrDslVersion = ShardManifest.AttrDslVersionNow,
            TorchSharpVersion = ShardManifest.TorchSharpVersionNow,
        };

        Directory.CreateDirectory(outputDirectory);
        var path = Path.Combine(Path.GetFullPath(outputDirectory), ShardFile.Name(shard, shards));
        var (start, end) = plan.Range(shard);
        if (File.Exists(path) && ShardFile.TryReadManifest(path) is { } existing && existing.SameRunAs(manifest) && existing.Shard == shard)
        {
            AtomicFile.RemoveStaleTemporaries(path);
            progress?.Report(new ShardProgress(shard, end - start, end - start));
            return new ShardResult(path, Skipped: true, end - start, existing);
        }

        var schema = ShardFile.Schema(options.Methods);
        AtomicFile.Write(path, stream => WriteShard(stream, schema, manifest, model, inputs, labels, plan, shard, options, progress, cancellationToken));
        return new ShardResult(path, Skipped: false, end - start, manifest);
    }

    private static void WriteShard(Stream stream, ParquetSchema schema, ShardManifest manifest, nn.Module<Tensor, Tensor> model,
        Tensor inputs, Tensor labels, ShardPlan plan, int shard, DatasetExplainOptions options, IProgress<ShardProgress>? progress,
        CancellationToken ct)
    {
        // Parquet.Net is asynchronous only; the atomic write is synchronous. The file stream is local and the work is
        // CPU-bound, so waiting here blocks nothing else.
        var writer = ParquetWriter.CreateAsync(schema, stream, cancellationToken: ct).GetAwaiter().GetResult();
        try
        {
            WriteChunks(writer, schema, manifest, model, inputs, labels, plan, shard, options, progress, ct);
        }
        catch
        {
            // The temporary file is discarded; the writer's footer would only hide the first error.
            try { writer.DisposeAsync().AsTask().GetAwaiter().GetResult(); } catch (Exception) { }
            throw;
        }
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();   // writes the footer
    }

    private static void WriteChunks(ParquetWriter writer, ParquetSchema schema, ShardManifest manifest, nn.Module<Tensor, Tensor> model,
        Tensor inputs, Tensor labels, ShardPlan plan, int shard, DatasetExplainOptions options, IProgress<ShardProgress>? progress,
        CancellationToken ct)
    {
        writer.CustomMetadata = new Dictionary<string, string> { [ShardManifest.MetadataKey] = manifest.ToJson() };
        var fields = schema.DataFields;
        var (shardStart, shardEnd) = plan.Range(shard);
        var saliency = options.Methods.Contains(DatasetMethod.Saliency) ? new Saliency(model) : null;
        var ixg = options.Methods.Contains(DatasetMethod.InputXGradient) ? new InputXGradient(model) : null;
        var ig = options.Methods.Contains(DatasetMethod.IntegratedGradients) ? new IntegratedGradients(model) : null;
        foreach (var (start, end) in plan.Chunks(shard))
        {
            ct.ThrowIfCancellationRequested();
            var rows = (int)(end - start);
            var columns = new List<Action<ParquetRowGroupWriter>>();
            using (var scope = NewDisposeScope())
            {
                var x = inputs.narrow(0, start, rows);
                var y = labels.narrow(0, start, rows).to_type(ScalarType.Int64);
                Tensor logits;
                // Through the model boundary every other method uses: a libtorch failure names the module that failed.
                using (no_grad()) logits = ModelCall.Call(model, x, Method);
                if (logits.dim() != 2 || logits.size(0) != rows)
                    throw new InvalidOperationException($"{Method}: the model returned shape [{string.Join(", ", logits.shape)}] for a batch of {rows}; it must return logits [B, classes]");
                CheckLabels(y, start, logits.size(1));
                var predicted = logits.argmax(1);
                // The classes live where the model's outputs do (labels may sit on the CPU beside GPU inputs).
                var target = Target.PerSample(options.Target == DatasetTarget.Label ? y.to(logits.device) : predicted);
                var ids = Enumerable.Range(0, rows).Select(i => start + i).ToArray();
                var labelData = Longs(y);
                var predData = Longs(predicted);
                var f = 0;
                Add(columns, fields[f++], ids);
                Add(columns, fields[f++], labelData);
                Add(columns, fields[f++], predData);
                foreach (var m in options.Methods)
                {
                    Tensor a;
                    Tensor? delta = null;
                    switch (m)
                    {
                        case DatasetMethod.IntegratedGradients:
                            (a, delta) = ig!.AttributeWithDelta(x, target, 0.0, options.Steps, cancellationToken: ct);
                            break;
                        case DatasetMethod.Saliency:
                            a = saliency!.Attribute(x, target);
                            break;
                        default:
                            a = ixg!.Attribute(x, target);
                            break;
                    }
                    var flat = a.detach().reshape(rows, -1).to_type(ScalarType.Float32).cpu().contiguous();
                    var width = (int)flat.size(1);
                    var values = flat.data<float>().ToArray();
                    var repetition = new int[values.Length];
                    for (var i = 0; i < values.Length; i++) repetition[i] = i % width == 0 ? 0 : 1;   // 0 opens a row's list
                    var listField = fields[f++];
                    // Every list and every element is present: all values at the field's maximum definition level.
                    var definition = new int[values.Length];
                    Array.Fill(definition, listField.MaxDefinitionLevel);
                    columns.Add(rg => rg.WriteAllPartsAsync<float>(listField, values.AsMemory(), definition.AsMemory(), repetition.AsMemory(), ct).GetAwaiter().GetResult());
                    if (delta is not null)
                        Add(columns, fields[f++], delta.detach().to_type(ScalarType.Float64).cpu().data<double>().ToArray());
                }
            }
            // The tensors are gone; the chunk's managed arrays go into one row group.
            using (var rg = writer.CreateRowGroup())
                foreach (var write in columns) write(rg);
            progress?.Report(new ShardProgress(shard, end - shardStart, shardEnd - shardStart));
        }
    }

    /// <summary>Labels index the model's classes; the error names the sample by its global index.</summary>
    private static void CheckLabels(Tensor y, long start, long classes)
    {
        if (Checks.First(y, v => v.lt(0).logical_or(v.ge(classes))) is not { } bad) return;
        throw new ArgumentOutOfRangeException("labels",
            $"{Method}: labels[{start + bad.Flat}] = {bad.Value} is not a class of the model, which returns {classes} logits (classes 0 to {classes - 1}); fix the labels or pass the model they belong to");
    }

    private static long[] Longs(Tensor t) => t.to_type(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();

    private static void Add<T>(List<Action<ParquetRowGroupWriter>> columns, DataField field, T[] data) where T : struct =>
        columns.Add(rg => rg.WriteAsync<T>(field, data.AsMemory()).GetAwaiter().GetResult());
}
