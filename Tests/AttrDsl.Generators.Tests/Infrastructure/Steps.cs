using Microsoft.CodeAnalysis;

namespace AttrDsl.Generators.Tests.Infrastructure;

/// <summary>The incremental step outputs of a tracked run (GeneratorHarness.Driver(track: true)), by the generator's tracking names.</summary>
internal static class Steps
{
    /// <summary>The pipeline's own steps: the names in ExplainableGenerator.TrackingNames.</summary>
    public static readonly string[] TrackingNames =
        typeof(ExplainableGenerator.TrackingNames).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToArray();

    /// <summary>Every output of the named steps (the source outputs under "SourceOutput"), with its reason.</summary>
    public static IReadOnlyList<(string Step, object? Value, IncrementalStepRunReason Reason)> Outputs(GeneratorDriverRunResult result)
    {
        var run = result.Results.Single();
        var outputs = new List<(string, object?, IncrementalStepRunReason)>();
        foreach (var name in TrackingNames)
            if (run.TrackedSteps.TryGetValue(name, out var steps))
                outputs.AddRange(steps.SelectMany(s => s.Outputs).Select(o => (name, (object?)o.Value, o.Reason)));
        foreach (var (name, steps) in run.TrackedOutputSteps)
            outputs.AddRange(steps.SelectMany(s => s.Outputs).Select(o => (name, (object?)o.Value, o.Reason)));
        return outputs;
    }

    /// <summary>The model's class name, read from a step output (a ModelSpec, internal to the generator).</summary>
    public static string? TypeName(object? value) => value?.GetType().GetProperty("TypeName")?.GetValue(value) as string;

    /// <summary>A readable list for assertion messages.</summary>
    public static string Describe(IEnumerable<(string Step, object? Value, IncrementalStepRunReason Reason)> outputs) =>
        string.Join("; ", outputs.Select(o => $"{o.Step}:{TypeName(o.Value) ?? o.Value?.GetType().Name ?? "null"}={o.Reason}"));

    public static bool IsReused(IncrementalStepRunReason reason) =>
        reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged;
}
