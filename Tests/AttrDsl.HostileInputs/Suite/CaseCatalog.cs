namespace AttrDsl.HostileInputs;

/// <summary>Every case, by area, in a fixed order (the runner's <c>--from</c> index is a position in its area).</summary>
public static class CaseCatalog
{
    public static readonly string[] Areas =
        [AttributionCases.Area, LayerCases.Area, DecompositionCases.Area, PriorCases.Area, MetricsCases.Area, FaithfulnessCases.Area, TrainerCases.Area, CheckpointCases.Area, VisualizationCases.Area, CliCases.Area, RuleCases.Area, DataCases.Area, ScaleOutCases.Area, SurrogateCases.Area, PropagationCases.Area];

    public static IReadOnlyList<Case> Area(string area)
    {
        IEnumerable<Case> cases = area switch
        {
            AttributionCases.Area => AttributionCases.All(),
            LayerCases.Area => LayerCases.All(),
            DecompositionCases.Area => DecompositionCases.All(),
            PriorCases.Area => PriorCases.All(),
            MetricsCases.Area => MetricsCases.All(),
            FaithfulnessCases.Area => FaithfulnessCases.All(),
            TrainerCases.Area => TrainerCases.All(),
            CheckpointCases.Area => CheckpointCases.All(),
            VisualizationCases.Area => VisualizationCases.All(),
            CliCases.Area => CliCases.All(),
            RuleCases.Area => RuleCases.All(),
            DataCases.Area => DataCases.All(),
            ScaleOutCases.Area => ScaleOutCases.All(),
            SurrogateCases.Area => SurrogateCases.All(),
            PropagationCases.Area => PropagationCases.All(),
            _ => throw new ArgumentException($"unknown area '{area}'; areas: {string.Join(", ", Areas)}", nameof(area)),
        };
        return cases.Select((c, i) => c with { Index = i }).ToList();
    }

    public static IEnumerable<string> EntryPoints() => Areas.SelectMany(Area).Select(c => c.EntryPoint).Distinct().Order();
}
