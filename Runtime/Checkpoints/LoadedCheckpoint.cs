namespace AttrDsl.Checkpoints;

/// <summary>What <see cref="Checkpoint.Load"/> read besides the weights.</summary>
/// <param name="Metadata">The file's <c>__metadata__</c> strings (empty when it has none).</param>
/// <param name="MissingKeys">State-dict names of the module the file does not hold, in ordinal order (always empty with <c>strict</c>).</param>
/// <param name="UnexpectedKeys">Tensor names in the file the module does not have, in ordinal order (always empty with <c>strict</c>).</param>
public sealed record LoadedCheckpoint(
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<string> MissingKeys,
    IReadOnlyList<string> UnexpectedKeys);
