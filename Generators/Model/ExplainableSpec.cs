using AttrDsl.Generators.Helpers;

namespace AttrDsl.Generators.Model;

/// <summary>The arguments of [Explainable] and the class's [AttributionPrior]s.</summary>
/// <param name="References">k, references per sample.</param>
/// <param name="Schedule">The PriorSchedule member name (Summed, Alternating).</param>
/// <param name="Target">The TargetSelection member name.</param>
/// <param name="Method">The AttributionMethod member name used by Explain by default.</param>
/// <param name="Priors">The declared priors, in declaration order; empty when one of them is unusable (the analyzers say why).</param>
internal sealed record ExplainableSpec(int References, string Schedule, string Target, string Method, EquatableArray<PriorSpec> Priors);
