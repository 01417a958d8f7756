using AttrDsl.Checkpoints;

namespace AttrDsl.Tests.Checkpoints;

/// <summary>What the child processes of <see cref="CheckpointKillTests"/> run.</summary>
internal static class CheckpointChildScenarios
{
    public const string TargetVariable = "ATTRDSL_TESTS_CHECKPOINT_TARGET";
    public const string NamedVariable = "ATTRDSL_TESTS_CHECKPOINT_NAMED";

    /// <summary>The model the child saves: 4096 × 4096 + 4096 float32 values, 67 MB.</summary>
    public static nn.Module<Tensor, Tensor> Model()
    {
        manual_seed(0);
        return nn.Linear(4096, 4096);
    }

    /// <summary>
    /// Saves one model to the target again and again, announcing each save, until it is killed. With the named variable
    /// set it uses named temporary files throughout, as on file systems without O_TMPFILE.
    /// </summary>
    public static void SaveForever()
    {
        var target = Environment.GetEnvironmentVariable(TargetVariable) ?? throw new InvalidOperationException($"{TargetVariable} is not set");
        AtomicFile.UseUnnamedTemporaryFiles = Environment.GetEnvironmentVariable(NamedVariable) != "1";
        using var model = Model();
        Console.Out.WriteLine("ready");
        for (var i = 0; ; i++)
        {
            Console.Out.WriteLine($"saving {i}");
            Checkpoint.Save(model, target, new Dictionary<string, string> { ["iteration"] = i.ToString() });
            Console.Out.WriteLine($"saved {i}");
        }
    }
}
