using AttrDsl.Attribution;
using AttrDsl.Internal;

namespace AttrDsl.Checkpoints;

/// <summary>
/// Saves and loads the weights of a TorchSharp module as a <a href="https://github.com/huggingface/safetensors">safetensors</a>
/// file keyed by its <c>state_dict()</c> names (<c>"0.weight"</c>, <c>"fc1.bias"</c>, …), which Python reads with
/// <c>model.load_state_dict(safetensors.torch.load_file(path))</c> for a PyTorch model of the same structure — unlike
/// TorchSharp's own <c>Module.save</c>, whose format only TorchSharp reads.
/// </summary>
/// <remarks>
/// Saving is atomic and leaves no temporary file behind, even when the process is killed mid-save (see
/// <see cref="safetensors.save_file"/>). Loading checks the whole file against the module — names, shapes and dtypes —
/// before it copies anything, so a mismatch throws with every problem listed and the module keeps its weights.
/// </remarks>
public static class Checkpoint
{
    /// <summary>The metadata key Python's tooling (e.g. <c>transformers</c>) reads to know the tensors are PyTorch's.</summary>
    public const string FormatKey = "format";

    /// <summary>
    /// Writes <paramref name="module"/>'s state dictionary (parameters and persistent buffers) to <paramref name="path"/>,
    /// with <paramref name="metadata"/> as the file's <c>__metadata__</c>; <c>"format": "pt"</c> is added unless the
    /// metadata sets <c>"format"</c> itself. The module and its tensors are not changed (tensors on a GPU are copied
    /// to the CPU chunk by chunk as they are written).
    /// </summary>
    /// <exception cref="ArgumentException">The module has no parameters or buffers (a TorchSharp module whose constructor
    /// does not call <c>RegisterComponents()</c> has none), or a metadata key or value is null.</exception>
    /// <exception cref="ObjectDisposedException">The module was disposed.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="NotSupportedException">A tensor has a dtype safetensors cannot store (e.g. complex).</exception>
    public static void Save(nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        // A disposed module has no parameters left to list: say it was disposed, not that it never registered any.
        Checks.Live(module, "Checkpoint.Save", nameof(module));
        ArgumentException.ThrowIfNullOrEmpty(path);
        // state_dict() hands out the module's own tensors: they are read, never disposed here.
        var state = module.state_dict();
        if (state.Count == 0)
            throw new ArgumentException(
                $"the {module.GetType().Name} module has no parameters or buffers, so there is nothing to save; a TorchSharp module must call " +
                "RegisterComponents() in its constructor for its layers to count", nameof(module));
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not null)
            foreach (var (k, v) in metadata)
                meta[k ?? throw new ArgumentException("metadata keys must not be null", nameof(metadata))] =
                    v ?? throw new ArgumentException($"metadata value '{k}' is null", nameof(metadata));
        meta.TryAdd(FormatKey, "pt");
        using var noGrad = no_grad();
        safetensors.save_file(state, path, meta);
    }

    /// <summary>
    /// Loads a safetensors file written by <see cref="Save"/> (or by Python's <c>safetensors.torch.save_file</c> of a
    /// matching state dict) into <paramref name="module"/>'s parameters and buffers, in place (on whatever device they
    /// live). Every name, shape and dtype is checked first; the copy starts only when all fit. A tensor stored in another
    /// dtype than the module's fits when converting it changes no value — PyTorch's int64 <c>num_batches_tracked</c>
    /// into TorchSharp's float32 one, float32 weights into a float64 model — and not otherwise (float64 weights into a
    /// float32 model).
    /// </summary>
    /// <param name="module">The module to load into.</param>
    /// <param name="path">The safetensors file.</param>
    /// <param name="strict">Require the file's names and the module's state-dict names to be the same set (default). With
    /// false, names only one side has are skipped and returned in the result; shapes and dtypes of the shared names
    /// are still checked.</param>
    /// <returns>The file's metadata, and the names skipped without <paramref name="strict"/>.</returns>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is a directory; or the file does not fit the module (below).</exception>
    /// <exception cref="ObjectDisposedException">The module was disposed.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file: truncated, not UTF-8, or malformed (the message names the file and what is wrong).</exception>
    /// <exception cref="ArgumentException">The file does not fit the module (names, shapes or dtypes); every problem is
    /// listed and nothing was loaded.</exception>
    public static LoadedCheckpoint Load(nn.Module module, string path, bool strict = true)
    {
        Checks.Live(module, "Checkpoint.Load", nameof(module));
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var scope = NewDisposeScope();   // frees the tensors read from the file
        var (saved, metadata) = safetensors.Read(path);
        var target = module.state_dict();

        var missing = target.Keys.Where(k => !saved.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var unexpected = saved.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var problems = new List<string>();
        if (strict && missing.Count > 0)
            problems.Add($"the module's {Names(missing)} {(missing.Count == 1 ? "is" : "are")} not in the file");
        if (strict && unexpected.Count > 0)
            problems.Add($"the file's {Names(unexpected)} {(unexpected.Count == 1 ? "is" : "are")} not in the module");
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in target.Keys.Where(saved.ContainsKey).Order(StringComparer.Ordinal))
        {
            var (want, have) = (target[name], saved[name]);
            if (!want.shape.SequenceEqual(have.shape))
                problems.Add($"'{name}' has shape {Format.Shape(have.shape)} in the file but {Format.Shape(want.shape)} in the module");
            else if (have.is_floating_point() && !Checks.AllFinite(have))
                problems.Add($"'{name}' holds NaN or ±Inf in the file (a checkpoint of a training run that diverged?); loading it would make every output NaN");
            else if (want.dtype == have.dtype)
                values[name] = have;
            else if (Convert(have, want.dtype) is { } converted)
                values[name] = converted;
            else
                problems.Add($"'{name}' is {have.dtype} in the file but {want.dtype} in the module, and converting would change its values " +
                             $"(convert the module with .to(ScalarType.{have.dtype}) first)");
        }
        if (problems.Count > 0)
            throw new ArgumentException(
                $"'{path}' does not fit the {module.GetType().Name} module, so nothing was loaded: {string.Join("; ", problems)}." +
                (strict && (missing.Count > 0 || unexpected.Count > 0) ? " Pass strict: false to load only the names both have." : ""),
                nameof(module));

        // Everything fits: same names and shapes, values already in the module's dtypes, so each copy is a plain
        // same-size copy (across devices when the module is not on the CPU).
        using (no_grad())
            foreach (var (name, value) in values)
                target[name].copy_(value);
        return new LoadedCheckpoint(metadata, strict ? [] : missing, strict ? [] : unexpected);
    }

    /// <summary>
    /// <paramref name="t"/> in <paramref name="dtype"/> when that changes no value (a PyTorch int64 batch counter into
    /// TorchSharp's float32 one, float32 weights into a float64 model), else null (float64 weights into a float32 model).
    /// </summary>
    private static Tensor? Convert(Tensor t, ScalarType dtype)
    {
        using var noGrad = no_grad();
        var converted = t.to(dtype);
        using var back = converted.to(t.dtype);
        using var same = back.eq(t);
        if (t.is_floating_point())
        {
            using var bothNaN = back.isnan().logical_and(t.isnan());
            same.logical_or_(bothNaN);
        }
        if (same.all().item<bool>()) return converted;
        converted.Dispose();
        return null;
    }

    private static string Names(List<string> names) =>
        (names.Count == 1 ? "tensor " : $"{names.Count} tensors ") +
        string.Join(", ", names.Take(8).Select(n => $"'{n}'")) + (names.Count > 8 ? $", … ({names.Count - 8} more)" : "");

}
