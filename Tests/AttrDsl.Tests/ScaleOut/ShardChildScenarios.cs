using AttrDsl.Checkpoints;
using AttrDsl.ScaleOut;

namespace AttrDsl.Tests.ScaleOut;

/// <summary>What the child processes of <see cref="ShardKillTests"/> run.</summary>
internal static class ShardChildScenarios
{
    public const string DirectoryVariable = "ATTRDSL_TESTS_SHARD_DIR";
    public const string NamedVariable = "ATTRDSL_TESTS_SHARD_NAMED";

    /// <summary>
    /// Explains shard 0 of 2 of the fixture's data, announcing every chunk and pausing after it so that the test can kill
    /// the process while the shard's file is half written. With the named variable set it uses named temporary files,
    /// as on file systems without O_TMPFILE.
    /// </summary>
    public static void ExplainShardSlowly()
    {
        var dir = Environment.GetEnvironmentVariable(DirectoryVariable) ?? throw new InvalidOperationException($"{DirectoryVariable} is not set");
        AtomicFile.UseUnnamedTemporaryFiles = Environment.GetEnvironmentVariable(NamedVariable) != "1";
        using var model = ShardFixture.Model();
        var (x, y) = ShardFixture.Data();
        DatasetExplainer.ExplainShard(model, x, y, dir, 0, 2, ShardFixture.Options(), new Announce());
        Console.Out.WriteLine("done");
    }

    private sealed class Announce : IProgress<ShardProgress>
    {
        public void Report(ShardProgress value)
        {
            Console.Out.WriteLine($"chunk {value.SamplesDone}");
            Console.Out.Flush();
            Thread.Sleep(400);
        }
    }
}
