using System.Linq;
using Microsoft.CodeAnalysis;

namespace AttrDsl.Generators.Translation;

/// <summary>
/// When a declared [AttributionPrior] is usable: one rule for the generator (which leaves TrainStep out otherwise) and
/// the analyzers (which say why, ATTR003 and ATTR009).
/// </summary>
internal static class PriorRules
{
    private const string PriorInterface = "AttrDsl.Priors.IAttributionPrior";

    /// <summary>What makes <paramref name="prior"/> unusable as a declared prior (created with new T()), or null.</summary>
    public static string? TypeProblem(INamedTypeSymbol prior)
    {
        if (!prior.AllInterfaces.Any(i => KnownTypes.MetadataName(i) == PriorInterface)) return "does not implement IAttributionPrior";
        if (prior.IsAbstract || prior.TypeKind != TypeKind.Class) return "is not a concrete class";
        if (!prior.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public))
            return "has no public parameterless constructor (train priors that need arguments with AttributionPriorTrainer directly)";
        return null;
    }

    /// <summary>λ weighs a prior's penalty: it must be positive and finite.</summary>
    public static bool IsValidLambda(double lambda) => lambda > 0 && !double.IsInfinity(lambda);
}
