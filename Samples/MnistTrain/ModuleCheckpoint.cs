using AttrDsl.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Samples.MnistTrain;

/// <summary>
/// Saves and loads a module's <c>state_dict()</c> as a safetensors file with string metadata — the one place where the
/// samples, the benchmarks and their tests write or read model checkpoints.
/// </summary>
/// <remarks>
/// PORT: the runtime is gaining a module checkpoint API (<c>Checkpoint.Save(module, ...)</c>); when it lands, these two
/// methods become calls to it and nothing else changes. Until then this goes through <see cref="safetensors"/> directly,
/// which writes atomically (a failed save leaves an earlier file untouched).
/// </remarks>
public static class ModuleCheckpoint
{
    /// <summary>Writes every parameter and buffer of <paramref name="module"/> (by its state-dict names) and <paramref name="metadata"/> to <paramref name="path"/>.</summary>
    public static void Save(nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        safetensors.save_file(module.state_dict(), path, metadata);
    }

    /// <summary>
    /// Overwrites <paramref name="module"/>'s parameters and buffers with the tensors of the checkpoint at <paramref name="path"/>,
    /// which must hold exactly the module's state-dict names with the same shapes and element types.
    /// </summary>
    /// <returns>The checkpoint's metadata.</returns>
    /// <exception cref="InvalidDataException">The checkpoint does not fit the module (the message names the first mismatch).</exception>
    public static Dictionary<string, string> Load(nn.Module module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        var metadata = safetensors.load_metadata(path);
        using var scope = NewDisposeScope();
        var saved = safetensors.load_file(path);
        var state = module.state_dict();
        var missing = state.Keys.Except(saved.Keys).ToList();
        var unexpected = saved.Keys.Except(state.Keys).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException($"'{path}' does not fit {module.GetName()}: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]; load a checkpoint saved from the same model class");
        foreach (var (name, current) in state)
        {
            var t = saved[name];
            if (t.dtype != current.dtype || !t.shape.SequenceEqual(current.shape))
                throw new InvalidDataException($"'{path}': tensor '{name}' is {t.dtype} [{string.Join(", ", t.shape)}] but {module.GetName()} has {current.dtype} [{string.Join(", ", current.shape)}]; load a checkpoint saved from the same model class");
        }
        module.load_state_dict(saved, strict: true);
        return metadata;
    }
}
