using AttrDsl.Generators.Helpers;

namespace AttrDsl.Generators.Model;

/// <summary>
/// Everything the emitter needs about one annotated class, as plain values: no symbols, syntax nodes or locations, so
/// the incremental pipeline can compare it with the previous run and skip the emitter when nothing changed.
/// </summary>
/// <param name="Namespace">The class's namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">Declarations of enclosing types, outermost first ("partial class Outer").</param>
/// <param name="TypeName">The class name.</param>
/// <param name="HintName">The generated file's name.</param>
/// <param name="Explainable">The [Explainable] settings, or null for a [Decomposable] block.</param>
/// <param name="Forward">The translated forward, or null when it has a construct the translation does not know.</param>
/// <param name="EmitDecomposition">Generate the contextual decomposition (false when the class writes its own Decompose).</param>
internal sealed record ModelSpec(
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string TypeName,
    string HintName,
    ExplainableSpec? Explainable,
    ForwardSpec? Forward,
    bool EmitDecomposition);
