namespace AttrDsl;

/// <summary>
/// Marks a user module used inside another model (a residual block, a feature extractor) so the source generator
/// translates its <c>forward</c> into contextual decomposition too: the class implements
/// <see cref="AttrDsl.Decomposition.IDecomposable"/> and the decomposition of every model that holds it as a field
/// composes through it. An <see cref="ExplainableAttribute">[Explainable]</see> model needs no extra mark.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class DecomposableAttribute : Attribute
{
}
