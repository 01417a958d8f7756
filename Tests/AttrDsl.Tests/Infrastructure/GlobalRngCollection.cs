using AttrDsl.Tests.Infrastructure;
namespace AttrDsl.Tests.Infrastructure;

/// <summary>
/// Test classes that seed libtorch's global generator with <c>manual_seed</c> and then draw from it (Shapley orderings,
/// infidelity and sensitivity perturbations, EG references, random models and data). The generator is process-wide and xUnit runs
/// test classes in parallel, so another class drawing in between would change the draws: these run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRngCollection
{
    /// <summary>Collection name.</summary>
    public const string Name = "Global RNG (serial)";
}
