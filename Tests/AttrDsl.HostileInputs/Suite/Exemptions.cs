namespace AttrDsl.HostileInputs;

/// <summary>
/// Public members of the runtime that no case names, each with why. "Type.*" exempts every member of the type.
/// The coverage test fails for any public constructor or method that is neither named by a case nor listed here.
/// </summary>
public static class Exemptions
{
    public static readonly IReadOnlyDictionary<string, string> Members = new Dictionary<string, string>
    {
        ["CdFunctional.*"] = "per-operation decomposition rules for hand-written IDecomposable models (≈150 overloads); a sample of them is in DecompositionCases — GAP: not yet one case each",
        ["ShapeRules.*"] = "per-operation decomposition rules reached through CdFunctional and ContextualDecomposition.Decompose — GAP: no direct cases",
        ["ActivationRules.*"] = "per-operation decomposition rules reached through ContextualDecomposition.Decompose — GAP: no direct cases",
        ["PoolingRules.*"] = "per-operation decomposition rules reached through ContextualDecomposition.Decompose — GAP: no direct cases",
        ["ArithmeticRules.*"] = "per-operation decomposition rules reached through CdFunctional — GAP: no direct cases",
        ["ProductRules.*"] = "per-operation decomposition rules reached through CdFunctional — GAP: no direct cases",
        ["LinearRules.*"] = "per-operation decomposition rules reached through ContextualDecomposition.Decompose — GAP: no direct cases",
        ["NormalizationRules.*"] = "per-operation decomposition rules — GAP: no direct cases",
        ["ReductionRules.*"] = "per-operation decomposition rules reached through CdFunctional — GAP: no direct cases",
        ["ResamplingRules.*"] = "per-operation decomposition rules — GAP: no direct cases",
        ["CombinationRules.*"] = "per-operation decomposition rules reached through CdFunctional.cat — GAP: no direct cases",
        ["AttentionRules.*"] = "per-operation decomposition rules — GAP: no direct cases",
        ["SoftmaxRules.*"] = "reached through CdFunctional.softmax",
        ["LstmRules.*"] = "per-module decomposition rule — GAP: no direct cases",
        ["TransformerRules.*"] = "per-module decomposition rule — GAP: no direct cases",
        ["LayerRun.*"] = "plumbing called only by source-generated Explain code (Generators/), not by users",
        ["IDecomposable.Decompose"] = "an interface users implement, not call",
        ["IExplanationPenalty.Loss"] = "interface; every implementation's Loss is covered",
        ["AttributionPriorAttribute.ctor"] = "attribute read by the source generator",
        ["ExplainableAttribute.ctor"] = "attribute read by the source generator",
        ["DecomposableAttribute.ctor"] = "attribute read by the source generator",
        ["AcdComponent.ctor"] = "pure data record",
        ["AcdLevel.ctor"] = "pure data record",
        ["AcdOptions.ctor"] = "pure data record (its values are checked by Agglomeration cases)",
        ["AttributionStats.ctor"] = "pure data record (trainer output)",
        ["StepReport.ctor"] = "pure data record (trainer output)",
        ["EpochReport.ctor"] = "pure data record (trainer output)",
        ["LoadedCheckpoint.ctor"] = "pure data record (Checkpoint.Load output)",
        ["SignificanceResult.ctor"] = "pure data record (Significance.Test output)",
        ["PriorContext.ctor"] = "pure data record (inputs of IAttributionPrior.Loss)",
        ["Decomposition.ctor"] = "pure data record struct; its operations are covered",
    };

    public static string? Reason(string entryPoint)
    {
        if (Members.TryGetValue(entryPoint, out var r)) return r;
        var type = entryPoint.Split('.')[0];
        return Members.TryGetValue(type + ".*", out var t) ? t : null;
    }
}
