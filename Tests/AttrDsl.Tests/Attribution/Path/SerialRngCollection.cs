namespace AttrDsl.Tests.Attribution.PathMethods;

/// <summary>
/// Tests that draw from (and re-seed) libtorch's global generator with <c>manual_seed</c> run in this collection,
/// which xunit executes alone after the parallel ones, so no other test draws numbers in between.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialRngCollection
{
    /// <summary>Collection name.</summary>
    public const string Name = "Attribution path methods: global RNG (serial)";
}
