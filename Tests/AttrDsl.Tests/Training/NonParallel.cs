namespace AttrDsl.Tests.Training;

/// <summary>Tests that measure the whole process (resident memory) must not share it with other running tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NonParallelCollection
{
    public const string Name = "Non-parallel (process-wide measurements)";
}
