using AttrDsl.Checkpoints;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Samples;

/// <summary>
/// The MnistTrain sample's command line, run as the user runs it: the built sample in a child process (a value that
/// would terminate libtorch must not take the test host with it). Every user error is one line on standard error that
/// names the option and the fix, with a non-zero exit code, no stack trace, and no checkpoint written.
/// </summary>
public class MnistTrainCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-mnisttrain-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string CheckpointPath => Path.Combine(_dir, "cnn.safetensors");

    [Theory]
    // Each of these crashed on unescaped Spectre markup ("(0, 1]") instead of printing the intended error.
    [InlineData("--epochs", "0", "--epochs")]
    [InlineData("--batch-size", "-1", "--batch-size")]
    [InlineData("--lr", "NaN", "--lr")]
    [InlineData("--lr-gamma", "0", "--lr-gamma")]
    [InlineData("--lr-gamma", "1.5", "--lr-gamma")]
    [InlineData("--lr", "Infinity", "--lr")]
    // set_num_threads(0) terminates the process; --test-count beyond the data ended in a stack trace.
    [InlineData("--threads", "0", "--threads")]
    [InlineData("--threads", "-3", "--threads")]
    [InlineData("--test-count", "20000", "--test-count")]
    [InlineData("--test-count", "0", "--test-count")]
    // Holding out every digit trained on nothing and exited 0.
    [InlineData("--test-count", "10000", "--test-count")]
    // Not a number at all: System.CommandLine's error, but as one line instead of the error plus the whole help.
    [InlineData("--epochs", "many", "--epochs")]
    public void ABadValueIsOneLineNamingTheOptionAndNoCheckpoint(string option, string value, string named)
    {
        var run = RunSample(option, value, "--output", CheckpointPath);
        AssertUserError(run, named, expectedCode: MnistTrainCommand.UsageError);
    }

    [Fact]
    public void AnOutputDirectoryThatDoesNotExistIsReportedBeforeTraining()
    {
        var missing = Path.Combine(_dir, "no-such-dir", "cnn.safetensors");
        var run = RunSample("--output", missing);
        AssertUserError(run, "--output", MnistTrainCommand.UsageError);
        Assert.Contains("does not exist", run.Error);
        Assert.DoesNotContain("MNIST digits:", run.Output);   // found before the data was even loaded, let alone trained on
        Assert.False(Directory.Exists(Path.GetDirectoryName(missing)));
    }

    [Fact]
    public void AnOutputInANonWritableDirectoryIsReportedBeforeTraining()
    {
        // /sys refuses new files even to root, so this holds whoever runs the tests.
        var run = RunSample("--output", "/sys/attrdsl-cnn.safetensors");
        AssertUserError(run, "--output", MnistTrainCommand.UsageError);
        Assert.Contains("writable", run.Error);
        Assert.DoesNotContain("MNIST digits:", run.Output);
    }

    [Fact]
    public void AnOutputThatIsADirectoryIsReportedBeforeTraining()
    {
        var run = RunSample("--output", _dir);
        AssertUserError(run, "--output", MnistTrainCommand.UsageError);
        Assert.Contains("is a directory", run.Error);
    }

    [Fact]
    public void ADivergingRunFailsAndWritesNoCheckpoint()
    {
        var run = RunSample("--lr", "1e10", "--epochs", "1", "--output", CheckpointPath);
        AssertUserError(run, "--lr", MnistTrainCommand.RunFailed);
        Assert.Contains("diverged", run.Error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));   // neither the checkpoint nor a temporary file
    }

    [Fact]
    public void AShortRunSavesACheckpointThatLoadsAndExitsZero()
    {
        // 1,000 training digits, one epoch: the success path the checks above must not block.
        var run = RunSample("--epochs", "1", "--test-count", "9000", "--threads", "1", "--output", CheckpointPath);
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}; stderr: {run.Error}");
        Assert.Equal("", run.Error);
        Assert.Contains("1000", run.Output);
        Assert.Contains("match bit for bit", run.Output);
        using var model = new MnistNet();
        var metadata = Checkpoint.Load(model, CheckpointPath).Metadata;
        Assert.Equal(nameof(MnistNet), metadata["model"]);
        Assert.True(MnistTraining.WeightsFinite(model));
        Assert.Equal([Path.GetFileName(CheckpointPath)], Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    private void AssertUserError((int ExitCode, string Output, string Error) run, string option, int expectedCode)
    {
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got {lines.Length}:\n{run.Error}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(option, lines[0]);
        Assert.DoesNotContain("   at ", run.Error + run.Output);        // no stack trace anywhere
        Assert.DoesNotContain("Exception", run.Error + run.Output);
        Assert.Equal(expectedCode, run.ExitCode);
        Assert.False(File.Exists(CheckpointPath), "a failed run wrote a checkpoint");
    }

    /// <summary>Runs the built sample (the MnistTrain.dll beside the tests) with the same dotnet host; returns exit code, stdout, stderr.</summary>
    private (int ExitCode, string Output, string Error) RunSample(params string[] args)
    {
        var run = ChildProcess.Run(typeof(MnistTrainCommand).Assembly.Location, _dir, TimeSpan.FromMinutes(5), output, args);
        return (run.ExitCode, run.Output, run.Error);
    }
}
