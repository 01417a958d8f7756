using AttrDsl.Cli;
using AttrDsl.ScaleOut;
using AttrDsl.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Cli;

/// <summary>
/// `attrdsl explain-dataset` and `attrdsl gather-dataset` run as a job array runs them, in child processes: shards
/// chosen by --shard or by the scheduler's variable, gathered into a whole run (checked by reading the files back with
/// the runtime, not by trusting the command's output), and the refusals: no shard index, a shard outside the run, a
/// missing shard at gather time.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class DatasetCommandTests(CliFixture fixture, ITestOutputHelper log) : IDisposable
{
    // Every run states both variables: unset unless the test sets one, so the test host's own scheduler cannot leak in.
    private static readonly Dictionary<string, string?> NoScheduler = new() { ["SLURM_ARRAY_TASK_ID"] = null, ["JOB_COMPLETION_INDEX"] = null };

    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-cli-dataset-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Shards => Path.Combine(_dir, "shards");

    private ChildRun Run(Dictionary<string, string?> environment, params string[] args)
    {
        var run = CliFixture.Run(_dir, environment, args);
        log.WriteLine($"$ {string.Join(' ', environment.Where(e => e.Value is not null).Select(e => $"{e.Key}={e.Value} "))}attrdsl {string.Join(' ', args)} → exit {run.ExitCode}\nstdout: {run.Output}\nstderr: {run.Error}");
        return run;
    }

    private static Dictionary<string, string?> With(string variable, string value) => new(NoScheduler) { [variable] = value };

    // 20 digits in 2 shards of 10, small integrated gradients: seconds per shard.
    private string[] Explain(params string[] extra) =>
        ["explain-dataset", "--checkpoint", fixture.PriorCheckpoint, "--shards", "2", "--count", "20", "--steps", "4", "--threads", "1", "--output", Shards, .. extra];

    private static void AssertSucceeded(ChildRun run)
    {
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}; stderr: {run.Error}\nstdout: {run.Output}");
        Assert.Equal("", run.Error.Trim());
    }

    private static string AssertOneErrorLine(ChildRun run, int code, params string[] named)
    {
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got {lines.Length}:\n{run.Error}");
        Assert.StartsWith("error: ", lines[0]);
        foreach (var n in named) Assert.Contains(n, lines[0]);
        Assert.DoesNotContain("   at ", run.Error + run.Output);
        Assert.DoesNotContain("Exception", run.Error + run.Output);
        Assert.Equal(code, run.ExitCode);
        return lines[0];
    }

    [Fact]
    public void ShardsByOptionAndBySlurmVariableGatherIntoTheWholeRun()
    {
        var first = Run(NoScheduler, Explain("--shard", "0"));
        AssertSucceeded(first);
        Assert.Contains("shard 0: 10 / 10 digits", first.Output);
        Assert.Contains($"shard file: {Path.Combine(Shards, "shard-00000-of-00002.parquet")} (10 digits)", first.Output);

        var second = Run(With("SLURM_ARRAY_TASK_ID", "1"), Explain());
        AssertSucceeded(second);
        Assert.Contains("shard 1: 10 / 10 digits", second.Output);
        Assert.True(File.Exists(Path.Combine(Shards, "shard-00001-of-00002.parquet")), second.Output);

        var gather = Run(NoScheduler, "gather-dataset", "--input", Shards);
        AssertSucceeded(gather);
        Assert.Contains("shards: 2 of 2", gather.Output);
        Assert.Contains("samples: 20 ", gather.Output);
        Assert.Contains($"index: {Path.Combine(Shards, ShardGather.IndexFileName)}", gather.Output);

        // The files themselves, read by the runtime: digits 0..19 once each, 10 a shard, of the checkpoint's weights.
        var gathered = ShardGather.Gather(Shards);
        Assert.Equal(20, gathered.Manifest.SampleCount);
        Assert.Equal([(0L, 10L), (10L, 10L)], gathered.Shards.Select(s => (s.FirstSample, s.Rows)));
        Assert.Equal(["integrated_gradients", "saliency", "input_x_gradient"], gathered.Manifest.Methods);
        Assert.Equal(4, gathered.Manifest.Steps);
        Assert.Contains($"content digest: {gathered.ContentDigest}", gather.Output);
        var (model, _) = Networks.Load(fixture.PriorCheckpoint);
        using (model)
        {
            var hash = DatasetExplainer.ModelHash(model);
            Assert.Equal(hash, gathered.Manifest.ModelHash);
            Assert.Contains($"model: sha256 {hash}", gather.Output);
        }
    }

    [Fact]
    public void AKubernetesIndexSelectsTheShardAndACompleteShardIsSkipped()
    {
        var run = Run(With("JOB_COMPLETION_INDEX", "1"), Explain("--methods", "saliency", "--target", "predicted"));
        AssertSucceeded(run);
        var path = Path.Combine(Shards, "shard-00001-of-00002.parquet");
        Assert.Contains($"shard file: {path} (10 digits)", run.Output);
        var written = File.GetLastWriteTimeUtc(path);

        // --shard wins over the variable; the same shard again is not recomputed.
        var again = Run(With("JOB_COMPLETION_INDEX", "0"), Explain("--methods", "saliency", "--target", "predicted", "--shard", "1"));
        AssertSucceeded(again);
        Assert.Contains($"shard file: {path} skipped (already complete, 10 digits)", again.Output);
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.False(File.Exists(Path.Combine(Shards, "shard-00000-of-00002.parquet")));
    }

    [Fact]
    public void AMissingShardFailsTheGatherNamingIt()
    {
        AssertSucceeded(Run(NoScheduler, Explain("--shard", "0", "--methods", "saliency")));
        var gather = Run(NoScheduler, "gather-dataset", "--input", Shards);
        AssertOneErrorLine(gather, UserError.Failed, "--input", "1 of 2 shard(s) have no file", ": 1.", "Run them");
        Assert.False(File.Exists(Path.Combine(Shards, ShardGather.IndexFileName)));
    }

    [Fact]
    public void GatheringAFolderThatDoesNotExistIsAUsageError() =>
        AssertOneErrorLine(Run(NoScheduler, "gather-dataset", "--input", Path.Combine(_dir, "nowhere")), UserError.Usage, "--input", "nowhere", "does not exist");

    [Fact]
    public void WithoutShardOrSchedulerVariableItSaysToPassShard()
    {
        AssertOneErrorLine(Run(NoScheduler, Explain()), UserError.Usage, "pass --shard", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX");
        Assert.False(Directory.Exists(Shards));   // refused before anything was written
    }

    [Theory]
    [InlineData("--shard", "2", "--shard 2")]
    [InlineData("SLURM_ARRAY_TASK_ID", "2", "$SLURM_ARRAY_TASK_ID 2")]
    [InlineData("JOB_COMPLETION_INDEX", "7", "$JOB_COMPLETION_INDEX 7")]
    public void AShardAtOrBeyondShardsIsRefused(string source, string value, string named)
    {
        var run = source == "--shard" ? Run(NoScheduler, Explain("--shard", value)) : Run(With(source, value), Explain());
        AssertOneErrorLine(run, UserError.Usage, named, "--shards 2", "0 to 1");
        Assert.False(Directory.Exists(Shards));
    }

    [Fact]
    public void MoreShardsThanDigitsIsRefused() =>
        AssertOneErrorLine(Run(NoScheduler, "explain-dataset", "--checkpoint", fixture.PriorCheckpoint, "--shards", "6", "--shard", "0", "--count", "5", "--output", Shards),
            UserError.Usage, "--shards 6", "5 digits", "--shards 5 or fewer");
}
