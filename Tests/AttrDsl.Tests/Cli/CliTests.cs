using AttrDsl.Checkpoints;
using AttrDsl.Cli;
using AttrDsl.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Cli;

/// <summary>
/// The attrdsl command line run as the user runs it, in child processes: every command's happy path at small sizes, and
/// its bad input — one line on standard error ("error: ..." naming the option or file and the fix), a non-zero exit code,
/// no stack trace, nothing written.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class CliTests(CliFixture fixture, ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ChildRun Run(params string[] args)
    {
        var run = CliFixture.Run(_dir, args);
        log.WriteLine($"$ attrdsl {string.Join(' ', args)} → exit {run.ExitCode}\nstdout: {run.Output}\nstderr: {run.Error}");
        return run;
    }

    private static void AssertSucceeded(ChildRun run)
    {
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}; stderr: {run.Error}\nstdout: {run.Output}");
        Assert.DoesNotContain("error:", run.Error);
        Assert.DoesNotContain("   at ", run.Error + run.Output);
    }

    private static void AssertUserError(ChildRun run, int code, params string[] named)
    {
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got {lines.Length}:\n{run.Error}");
        Assert.StartsWith("error: ", lines[0]);
        foreach (var n in named) Assert.Contains(n, lines[0]);
        Assert.DoesNotContain("   at ", run.Error + run.Output);
        Assert.DoesNotContain("Exception", run.Error + run.Output);
        Assert.Equal(code, run.ExitCode);
    }

    // ------------------------------------------------------------------ help

    [Theory]
    [InlineData(new string[0], "train")]
    [InlineData(new[] { "train" }, "--schedule")]
    [InlineData(new[] { "explain" }, "--method")]
    [InlineData(new[] { "decompose" }, "--tile")]
    [InlineData(new[] { "significance" }, "--correction")]
    [InlineData(new[] { "report" }, "--quick")]
    [InlineData(new[] { "explain-dataset" }, "SLURM_ARRAY_TASK_ID")]
    public void EveryCommandHasHelp(string[] command, string mentions)
    {
        var run = Run([.. command, "--help"]);
        AssertSucceeded(run);
        Assert.Contains("Usage:", run.Output);
        Assert.Contains(mentions, run.Output);
        // Named as the user types it, not after the assembly (AttrDsl.Cli).
        Assert.Contains($"Usage:\n  {string.Join(' ', command.Prepend("attrdsl"))} ", run.Output.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("AttrDsl.Cli", run.Output);
        // --threads states its default once, in words: no "[default: N]" besides it.
        var threads = run.Output.Split('\n').Single(l => l.TrimStart().StartsWith("--threads", StringComparison.Ordinal));
        Assert.Contains($"default: all {Environment.ProcessorCount} cores", threads);
        Assert.DoesNotContain("[default:", threads);
    }

    // ------------------------------------------------------------------ happy paths

    [Fact]
    public void TrainWritesCheckpointsThatNameTheModelKind()
    {
        AssertSucceeded(fixture.PriorTrain);
        AssertSucceeded(fixture.PlainTrain);
        Assert.Contains("generated Fit", fixture.PriorTrain.Output);
        Assert.Contains("held-out accuracy", fixture.PriorTrain.Output);
        Assert.Equal("prior", safetensors.load_metadata(fixture.PriorCheckpoint)[Networks.KindKey]);
        Assert.Equal("plain", safetensors.load_metadata(fixture.PlainCheckpoint)[Networks.KindKey]);
        Assert.Equal(Networks.ModelName, safetensors.load_metadata(fixture.PlainCheckpoint)[Networks.ModelKey]);
        // Reloads into the model kind it names, in this process too.
        var (model, metadata) = Networks.Load(fixture.PlainCheckpoint);
        using var _ = model;
        Assert.IsType<PlainMnistNet>(model);
        Assert.Equal("0", metadata["lambda"]);
    }

    [Fact]
    public void TrainWithAnotherLambdaAndTheAlternatingSchedule()
    {
        var path = Path.Combine(_dir, "alt.safetensors");
        var run = Run("train", "--threads", "1", "--lambda", "1e-3", "--schedule", "alternating", "--epochs", "1", "--train-count", "200", "--output", path);
        AssertSucceeded(run);
        var metadata = safetensors.load_metadata(path);
        Assert.Equal("alternating", metadata["schedule"]);
        Assert.Equal("0.001", metadata["lambda"]);
    }

    [Theory]
    [InlineData("IG")]
    [InlineData("gradcam")]
    [InlineData("eg")]
    [InlineData("occlusion")]
    public void ExplainWritesOnePngPerDigit(string method)
    {
        var folder = Path.Combine(_dir, "pictures");
        var run = Run("explain", "--checkpoint", fixture.PriorCheckpoint, "--method", method, "--inputs", "0,7", "--output", folder);
        AssertSucceeded(run);
        var files = Directory.GetFiles(folder, "*.png").Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal([$"{method.ToLowerInvariant()}-digit0.png", $"{method.ToLowerInvariant()}-digit7.png"], files);
        Assert.All(files, f => Assert.True(new FileInfo(Path.Combine(folder, f)).Length > 0));
        Assert.Contains("predicted", run.Output);
    }

    [Fact]
    public void ExplainLoadsThePlainModelToo()
    {
        var run = Run("explain", "--checkpoint", fixture.PlainCheckpoint, "--method", "smoothgrad", "--inputs", "3", "--target", "predicted", "--output", _dir);
        AssertSucceeded(run);
        Assert.Contains("plain model", run.Output);
        Assert.True(File.Exists(Path.Combine(_dir, "smoothgrad-digit3.png")));
    }

    [Fact]
    public void DecomposeWritesCdAndAcdPictures()
    {
        var folder = Path.Combine(_dir, "dec");
        var run = Run("decompose", "--checkpoint", fixture.PriorCheckpoint, "--input", "2", "--tile", "4", "--output", folder);
        AssertSucceeded(run);
        Assert.Contains("max |β + γ − logits|", run.Output);
        Assert.Contains("Seed", run.Output);
        foreach (var f in new[] { "digit.png", "cd-patches.png", "acd-levels.png" }) Assert.True(File.Exists(Path.Combine(folder, f)), f);
    }

    [Fact]
    public void SignificanceReportsCorrectedPValuesAndWritesAPng()
    {
        var png = Path.Combine(_dir, "sig.png");
        var run = Run("significance", "--checkpoint", fixture.PriorCheckpoint, "--digit", "5", "--versus", "3", "--count", "6", "--baselines", "2",
            "--points", "10", "--correction", "bonferroni", "--threads", "1", "--output", png, "--report", Path.Combine(_dir, "sig-report"));
        AssertSucceeded(run);
        Assert.Contains("of 784 pixels tell a 5 from a 3", run.Output);
        Assert.Contains("Bonferroni", run.Output);
        Assert.Contains("corrected p", run.Output);
        Assert.True(new FileInfo(png).Length > 0);
        var html = File.ReadAllText(Path.Combine(_dir, "sig-report", "report.html"));   // the EIG experiment's report, as the others write theirs
        Assert.Contains("which pixels tell a 5 from a 3", html);
        Assert.Contains("<table", html);
        Assert.Equal(2, html.Split("<img src=\"data:image/png;base64,").Length - 1);
    }

    [Fact]
    public void TheReportCommandWritesTheQuickMainSample()   // with no command it is the same run: .ci/run runs that one
    {
        var folder = Path.Combine(_dir, "report");
        // An earlier report there is replaced whole (ReportFolder), not merged with the new one.
        Directory.CreateDirectory(Path.Combine(folder, "png"));
        File.WriteAllText(Path.Combine(folder, "report.html"), "<html>an earlier report</html>");
        File.WriteAllBytes(Path.Combine(folder, "png", "from-an-earlier-run.png"), [1, 2, 3]);
        string[] args = ["report", "--quick", "--threads", "1", "--output", folder];  // one thread: robust when other test processes share the cores
        var run = Run(args);
        AssertSucceeded(run);
        // It says what it does from its first line on, phase by phase, and — its output redirected here — training
        // progress as plain lines (the first step and each epoch's last, 16 steps of 64 of the 1,000 --quick digits).
        Assert.StartsWith("attrdsl: loading TorchSharp and the MNIST digits", run.Output);
        foreach (var phase in new[] { "1/2 training the TV prior model", "TV prior epoch 1/1 step 1/16 ", "TV prior epoch 1/1 step 16/16 ",
                     "2/2 training the no prior model", "no prior epoch 1/1 step 16/16 ", "scoring robustness", "explaining 2 test digits",
                     "test digit 1 (label", "decomposing test digit 0", "writing the report" })
            Assert.Contains(phase, run.Output);
        Assert.Matches(@"step 16/16 task \d\.\d{4} λ·Ω \S+ \d+\.\d steps/s eta 0:00", run.Output);
        Assert.False(File.Exists(Path.Combine(folder, "png", "from-an-earlier-run.png")));
        Assert.Empty(Directory.GetFileSystemEntries(_dir, AttrDsl.Visualization.ReportFolder.TemporaryPrefix + "*"));
        var html = Path.Combine(folder, "report.html");
        Assert.True(File.Exists(html));
        Assert.Contains(html, run.Output.Replace("\n", ""));
        Assert.Contains("salt-and-pepper", run.Output);
        var text = File.ReadAllText(html);
        // The reproduce lines are the command that was run, every argument of it.
        Assert.Contains($"attrdsl report --quick --threads 1 --output {folder}", text);
        Assert.Contains($"dotnet run -c Release --project Samples/AttrDsl.Cli -- report --quick --threads 1 --output {folder}", text);
        Assert.Contains("Robustness", text);
        Assert.Contains("Contextual decomposition", text);
        // digit image + 5 methods × 2 models for each of 2 digits, CD (3), ACD (2) and 3 curves.
        Assert.True(Directory.GetFiles(Path.Combine(folder, "png"), "*.png").Length >= 2 * 11 + 5 + 3);
    }

    // ------------------------------------------------------------------ bad input

    [Theory]
    [InlineData("--epochs", "0", "--epochs")]
    [InlineData("--threads", "0", "--threads")]
    [InlineData("--epochs", "many", "--epochs")]
    public void TheMainSampleRefusesABadValue(string option, string value, string named)
    {
        var folder = Path.Combine(_dir, "r");
        AssertUserError(Run("--quick", "--output", folder, option, value), UserError.Usage, named);
        Assert.False(File.Exists(Path.Combine(folder, "report.html")));
    }

    [Fact]
    public void TheMainSampleRefusesAnOutputThatIsAFile()
    {
        var file = Path.Combine(_dir, "taken");
        File.WriteAllText(file, "x");
        AssertUserError(Run("report", "--quick", "--output", file), UserError.Usage, "--output", "is a file");
    }

    [Fact]
    public void TheMainSampleRefusesAnUnwritableOutputBeforeTraining()
    {
        var run = Run("--quick", "--output", "/sys/attrdsl-report");
        AssertUserError(run, UserError.Usage, "--output", "writable");
        Assert.DoesNotContain("training", run.Output);
    }

    [Fact]
    public void AnUnknownCommandIsOneLine() => AssertUserError(Run("bogus"), UserError.Usage, "bogus", "--help");

    [Theory]
    [InlineData("--epochs", "0", "--epochs")]
    [InlineData("--lambda", "-1", "--lambda")]
    [InlineData("--lambda", "NaN", "--lambda")]
    [InlineData("--lr", "0", "--lr")]
    [InlineData("--train-count", "0", "--train-count")]
    [InlineData("--train-count", "9000", "--train-count")]
    [InlineData("--model", "huge", "huge")]
    [InlineData("--schedule", "sometimes", "sometimes")]
    [InlineData("--threads", "-2", "--threads")]
    [InlineData("--output", "no-such-dir/m.safetensors", "--output")]
    public void TrainRefusesABadValueAndWritesNothing(string option, string value, string named)
    {
        var path = Path.Combine(_dir, "m.safetensors");
        var args = option == "--output" ? new[] { "train", option, value } : ["train", "--output", path, option, value];
        AssertUserError(Run(args), UserError.Usage, named);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public void TrainRefusesPriorSettingsForThePlainModel() =>
        AssertUserError(Run("train", "--model", "plain", "--lambda", "1e-3", "--output", Path.Combine(_dir, "m.safetensors")), UserError.Usage, "--model plain", "--lambda");

    [Fact]
    public void TrainRefusesDataParallelForThePlainModel() =>
        AssertUserError(Run("train", "--model", "plain", "--data-parallel", "--output", Path.Combine(_dir, "m.safetensors")), UserError.Usage, "--data-parallel", "--model prior");

    [Theory]
    [InlineData("explain")]
    [InlineData("decompose")]
    [InlineData("significance")]
    public void AMissingCheckpointNamesTheFix(string command) =>
        AssertUserError(Run(command, "--checkpoint", "nope.safetensors"), UserError.Usage, "nope.safetensors", "does not exist", "attrdsl train");

    [Theory]
    [InlineData("explain")]
    [InlineData("decompose")]
    [InlineData("significance")]
    public void AFileThatIsNoCheckpointIsOneLine(string command)
    {
        var path = Path.Combine(_dir, "notes.safetensors");
        File.WriteAllText(path, "these are not tensors");
        AssertUserError(Run(command, "--checkpoint", path), UserError.Usage, "notes.safetensors", "not a safetensors checkpoint", "attrdsl train");
    }

    [Theory]
    [InlineData("explain")]
    [InlineData("decompose")]
    [InlineData("significance")]
    public void ACheckpointOfAnotherModelIsOneLine(string command)
    {
        // The MnistTrain sample's checkpoint: a safetensors file of another model (same layers, another name).
        var path = Path.Combine(_dir, "mnisttrain.safetensors");
        using (var other = new AttrDsl.Samples.MnistTrain.MnistNet())
            Checkpoint.Save(other, path, new Dictionary<string, string> { ["model"] = "MnistNet" });
        AssertUserError(Run(command, "--checkpoint", path), UserError.Usage, "'MnistNet' model", "not attrdsl's MNIST CNN", "attrdsl train");
    }

    [Fact]
    public void ACheckpointWhoseTensorsDoNotFitIsOneLine()
    {
        var path = Path.Combine(_dir, "small.safetensors");
        using (var other = nn.Linear(3, 2))
            Checkpoint.Save(other, path, new Dictionary<string, string> { [Networks.ModelKey] = Networks.ModelName, [Networks.KindKey] = "plain" });
        AssertUserError(Run("explain", "--checkpoint", path), UserError.Usage, "does not fit the MNIST CNN");
    }

    [Theory]
    [InlineData("--inputs", "5000", "--inputs")]
    [InlineData("--inputs", "1,x", "--inputs")]
    [InlineData("--inputs", ",", "--inputs")]
    [InlineData("--target", "12", "--target")]
    [InlineData("--method", "magic", "magic")]
    [InlineData("--threads", "0", "--threads")]
    public void ExplainRefusesABadValue(string option, string value, string named)
    {
        var folder = Path.Combine(_dir, "out");
        AssertUserError(Run("explain", "--checkpoint", fixture.PriorCheckpoint, "--output", folder, option, value), UserError.Usage, named);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void ExplainRefusesAnOutputThatIsAFile()
    {
        var file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "x");
        AssertUserError(Run("explain", "--checkpoint", fixture.PriorCheckpoint, "--output", file), UserError.Usage, "--output", "is a file");
    }

    [Theory]
    [InlineData("--tile", "5", "--tile")]
    [InlineData("--tile", "0", "--tile")]
    [InlineData("--input", "-1", "--input")]
    [InlineData("--input", "2000", "--input")]
    [InlineData("--target", "label-ish", "--target")]
    public void DecomposeRefusesABadValue(string option, string value, string named) =>
        AssertUserError(Run("decompose", "--checkpoint", fixture.PriorCheckpoint, "--output", Path.Combine(_dir, "d"), option, value), UserError.Usage, named);

    [Theory]
    [InlineData(new[] { "--digit", "5", "--versus", "5" }, "--versus")]
    [InlineData(new[] { "--digit", "11" }, "--digit")]
    [InlineData(new[] { "--versus", "-1" }, "--versus")]
    [InlineData(new[] { "--alpha", "1.5" }, "--alpha")]
    [InlineData(new[] { "--count", "1" }, "--count")]
    [InlineData(new[] { "--points", "1" }, "--points")]
    [InlineData(new[] { "--correction", "sometimes" }, "sometimes")]
    [InlineData(new[] { "--output", "no-such-dir/sig.png" }, "--output")]
    public void SignificanceRefusesABadValue(string[] args, string named) =>
        AssertUserError(Run(["significance", "--checkpoint", fixture.PriorCheckpoint, .. args]), UserError.Usage, named);
}
