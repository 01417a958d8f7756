using AttrDsl.Cli;
using AttrDsl.Tests.Infrastructure;

namespace AttrDsl.Tests.Cli;

/// <summary>The attrdsl CLI tests run one at a time (each child process trains or explains on both cores).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliCollection : ICollectionFixture<CliFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "attrdsl CLI";
}

/// <summary>
/// Checkpoints written once by the built CLI (`attrdsl train`, small sizes) for the commands that load them: the prior
/// model and the plain one.
/// </summary>
public sealed class CliFixture : IDisposable
{
    public CliFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("attrdsl-cli-fixture-").FullName;
        PriorTrain = Run(Directory, "train", "--threads", "1", "--epochs", "1", "--train-count", "300", "--output", PriorCheckpoint);
        PlainTrain = Run(Directory, "train", "--threads", "1", "--model", "plain", "--epochs", "1", "--train-count", "300", "--output", PlainCheckpoint);
    }

    /// <summary>The fixture's folder.</summary>
    public string Directory { get; }

    /// <summary>`attrdsl train` (prior model) as it ran.</summary>
    public ChildRun PriorTrain { get; }

    /// <summary>`attrdsl train --model plain` as it ran.</summary>
    public ChildRun PlainTrain { get; }

    /// <summary>The prior model's checkpoint.</summary>
    public string PriorCheckpoint => Path.Combine(Directory, "prior.safetensors");

    /// <summary>The plain model's checkpoint.</summary>
    public string PlainCheckpoint => Path.Combine(Directory, "plain.safetensors");

    /// <summary>Runs the built CLI (AttrDsl.Cli.dll beside the tests) in <paramref name="workingDirectory"/>.</summary>
    public static ChildRun Run(string workingDirectory, params string[] args) =>
        ChildProcess.Run(typeof(Commands).Assembly.Location, workingDirectory, TimeSpan.FromMinutes(8), null, args);

    /// <summary>As <see cref="Run(string, string[])"/>, with <paramref name="environment"/> set (null values removed) in the child's environment.</summary>
    public static ChildRun Run(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        ChildProcess.Run(typeof(Commands).Assembly.Location, workingDirectory, TimeSpan.FromMinutes(8), null, environment, args);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
