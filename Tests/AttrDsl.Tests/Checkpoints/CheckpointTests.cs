using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AttrDsl.Checkpoints;

namespace AttrDsl.Tests.Checkpoints;

/// <summary>Module checkpoints: state-dict names, metadata, all-or-nothing loading, and the removal of stale temporary files.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static nn.Module<Tensor, Tensor> Mlp(int seed, int outputs = 2, ScalarType dtype = ScalarType.Float32)
    {
        manual_seed(seed);
        return nn.Sequential(nn.Linear(10, 16, dtype: dtype), nn.BatchNorm1d(16, dtype: dtype), nn.Tanh(), nn.Linear(16, outputs, dtype: dtype));
    }

    private static Dictionary<string, byte[]> State(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.contiguous().bytes.ToArray());

    private static void AssertSameState(Dictionary<string, byte[]> expected, nn.Module module)
    {
        var actual = State(module);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, bytes) in expected) Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"'{name}' differs");
    }

    private static string[] HeaderNames(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var n = (int)BitConverter.ToUInt64(bytes, 0);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, n));
        return header.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
    }

    [Fact]
    public void SaveAndLoadRoundTripParametersAndBuffersUnderStateDictNames()
    {
        using var trained = Mlp(1);
        using (var scope = NewDisposeScope())
        {
            trained.train();
            trained.forward(randn(32, 10));   // moves BatchNorm's running statistics and its int64 batch counter
        }
        var expected = State(trained);
        var path = PathOf("mlp.safetensors");
        Checkpoint.Save(trained, path, new Dictionary<string, string> { ["epoch"] = "3" });

        // Python's view: one safetensors entry per state-dict name, and the metadata.
        Assert.Equal(["0.bias", "0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean", "1.running_var", "1.weight", "3.bias", "3.weight", "__metadata__"],
            HeaderNames(path).Order(StringComparer.Ordinal));
        Assert.Equal(new Dictionary<string, string> { ["epoch"] = "3", ["format"] = "pt" }, safetensors.load_metadata(path));
        AssertSameState(expected, trained);   // saving neither changes nor disposes the module's tensors
        using (var scope = NewDisposeScope()) Assert.Equal([32, 2], trained.forward(randn(32, 10)).shape);

        using var fresh = Mlp(2);
        Assert.NotEqual(expected["0.weight"], State(fresh)["0.weight"]);
        var result = Checkpoint.Load(fresh, path);
        AssertSameState(expected, fresh);
        Assert.Equal("3", result.Metadata["epoch"]);
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Equal(1.0, fresh.state_dict()["1.num_batches_tracked"].ToDouble());   // TorchSharp keeps the counter in the module's dtype
        Assert.True(fresh.parameters().All(p => p.requires_grad));   // still trainable parameters
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void ExplicitFormatMetadataIsKept()
    {
        using var model = Mlp(1);
        var path = PathOf("m.safetensors");
        Checkpoint.Save(model, path, new Dictionary<string, string> { ["format"] = "attrdsl" });
        Assert.Equal("attrdsl", safetensors.load_metadata(path)["format"]);
    }

    [Fact]
    public void AFileThatDoesNotFitLoadsNothingAndListsEveryProblem()
    {
        using var saved = Mlp(1);
        var path = PathOf("mlp.safetensors");
        Checkpoint.Save(saved, path);

        // Same layers up to the last, whose shape differs: "0.*" and "1.*" fit and must still not be copied.
        using var wider = Mlp(2, outputs: 3);
        var before = State(wider);
        var e = Assert.Throws<ArgumentException>(() => Checkpoint.Load(wider, path));
        AssertSameState(before, wider);
        Assert.Contains("nothing was loaded", e.Message);
        Assert.Contains("'3.bias' has shape [2] in the file but [3] in the module", e.Message);
        Assert.Contains("'3.weight' has shape [2, 16] in the file but [3, 16] in the module", e.Message);

        // float64 values that float32 cannot hold exactly do not fit a float32 module
        using var doubles = Mlp(2, dtype: ScalarType.Float64);
        var doublePath = PathOf("doubles.safetensors");
        Checkpoint.Save(doubles, doublePath);
        using var singles = Mlp(3);
        before = State(singles);
        e = Assert.Throws<ArgumentException>(() => Checkpoint.Load(singles, doublePath));
        AssertSameState(before, singles);
        Assert.Contains("'0.weight' is Float64 in the file but Float32 in the module, and converting would change its values", e.Message);
        Assert.DoesNotContain("'1.running_mean'", e.Message);   // zeros convert exactly

        manual_seed(3);
        using var other = nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 2), nn.Linear(2, 2));
        before = State(other);
        e = Assert.Throws<ArgumentException>(() => Checkpoint.Load(other, path));
        AssertSameState(before, other);
        Assert.Contains("the module's 2 tensors '2.bias', '2.weight' are not in the file", e.Message);
        Assert.Contains("the file's 5 tensors '1.bias', '1.num_batches_tracked', '1.running_mean', '1.running_var', '1.weight' are not in the module", e.Message);
        Assert.Contains("'3.weight' has shape [2, 16] in the file but [2, 2] in the module", e.Message);
        Assert.Contains("strict: false", e.Message);
    }

    [Fact]
    public void ValuesInAnotherDtypeLoadWhenConvertingChangesNoValue()
    {
        // float32 weights into a float64 model: exact
        using var singles = Mlp(1);
        var path = PathOf("singles.safetensors");
        Checkpoint.Save(singles, path);
        using var doubles = Mlp(2, dtype: ScalarType.Float64);
        Checkpoint.Load(doubles, path);
        Assert.Equal(singles.parameters().First().ToArray<float>().Select(v => (double)v), doubles.parameters().First().ToArray<double>());

        // PyTorch's int64 batch counter into TorchSharp's float32 one
        var state = singles.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        using var counter = tensor(7L);
        state["1.num_batches_tracked"] = counter;
        var python = PathOf("python.safetensors");
        safetensors.save_file(state, python);
        using var fresh = Mlp(3);
        Checkpoint.Load(fresh, python);
        Assert.Equal(7.0, fresh.state_dict()["1.num_batches_tracked"].ToDouble());
        Assert.Equal(ScalarType.Float32, fresh.state_dict()["1.num_batches_tracked"].dtype);
    }

    [Fact]
    public void NonStrictLoadingLoadsTheSharedNamesAndReportsTheRest()
    {
        using var saved = Mlp(1);
        var expected = State(saved);
        var path = PathOf("mlp.safetensors");
        Checkpoint.Save(saved, path);
        manual_seed(4);
        using var partial = nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Tanh(), nn.Linear(16, 2), nn.Linear(2, 2));
        var untouched = State(partial)["4.weight"];
        var result = Checkpoint.Load(partial, path, strict: false);
        var state = State(partial);
        Assert.Equal(expected["0.weight"], state["0.weight"]);
        Assert.Equal(expected["3.weight"], state["3.weight"]);
        Assert.Equal(untouched, state["4.weight"]);
        Assert.Equal(["4.bias", "4.weight"], result.MissingKeys);
        Assert.Equal(["1.bias", "1.num_batches_tracked", "1.running_mean", "1.running_var", "1.weight"], result.UnexpectedKeys);

        // shapes are still checked without strict
        using var wrong = nn.Sequential(nn.Linear(10, 15));
        Assert.Contains("'0.weight' has shape [16, 10] in the file but [15, 10] in the module",
            Assert.Throws<ArgumentException>(() => Checkpoint.Load(wrong, path, strict: false)).Message);
    }

    private sealed class Unregistered : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear fc = nn.Linear(2, 2);
        public Unregistered() : base(nameof(Unregistered)) { }   // forgets RegisterComponents()
        public override Tensor forward(Tensor x) => fc.forward(x);
    }

    [Fact]
    public void BadArgumentsAreClearErrors()
    {
        using var empty = new Unregistered();
        Assert.Contains("RegisterComponents()", Assert.Throws<ArgumentException>(() => Checkpoint.Save(empty, PathOf("e.safetensors"))).Message);
        using var model = Mlp(1);
        Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.Save(model, Path.Combine(_dir, "no", "dir", "m.safetensors")));
        var missing = PathOf("missing.safetensors");
        Assert.Equal(missing, Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(model, missing)).FileName);
        File.WriteAllBytes(PathOf("bad.safetensors"), [1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => Checkpoint.Load(model, PathOf("bad.safetensors")));
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(model, PathOf("m.safetensors"), new Dictionary<string, string> { ["k"] = null! }));
        Assert.Equal([PathOf("bad.safetensors")], Directory.GetFileSystemEntries(_dir));
    }

    // ------------------------------------------------------------------ stale temporary files

    /// <summary>The id of a process that has exited (and been reaped), so it names no running process.</summary>
    private static int DeadPid()
    {
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }

    private string Temp(string target, string host, int pid, string random = "0123456789ab") =>
        PathOf($".{target}.{host}.{pid}.{random}.attrdsl-tmp");

    [Fact]
    public void SavingAndLoadingRemoveOnlyTheTemporaryFilesOfDeadWritersOfThatTarget()
    {
        var host = AtomicFile.HostTag;
        var dead = DeadPid();
        var target = "model.safetensors";
        string[] stale =
        [
            Temp(target, host, dead),
            PathOf($".{target}.{Guid.NewGuid():N}.tmp"),   // the former naming, an hour and more old
        ];
        string[] kept =
        [
            Temp(target, host, Environment.ProcessId),     // a save of this (running) process
            Temp(target, "another-host", dead),            // another machine's writer, on a shared directory
            Temp("other.safetensors", host, dead),         // another target's
            PathOf($".{target}.{Guid.NewGuid():N}.tmp"),   // the former naming, recent: its writer may still run
            PathOf($".{target}.notes"),                    // not ours at all
            PathOf($".{target}.{host}.x{dead}.0123456789ab.attrdsl-tmp"),
        ];
        foreach (var f in stale.Concat(kept)) File.WriteAllBytes(f, new byte[100]);
        File.SetLastWriteTimeUtc(stale[1], DateTime.UtcNow.AddHours(-2));

        using var model = Mlp(1);
        Checkpoint.Save(model, PathOf(target));
        Assert.Equal(kept.Append(PathOf(target)).Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(_dir).Order(StringComparer.Ordinal));

        // Loading cleans up too (a run killed mid-save and never saved again is resumed by loading).
        var later = Temp(target, host, DeadPid(), "ba9876543210");
        File.WriteAllBytes(later, new byte[100]);
        Checkpoint.Load(model, PathOf(target));
        Assert.False(File.Exists(later));
        Assert.Equal(kept.Length + 1, Directory.GetFileSystemEntries(_dir).Length);
    }

    [Theory]
    [InlineData("m")]
    [InlineData("ü")]   // two UTF-8 bytes each: the stem is cut by bytes, not characters
    public void TemporaryNamesFitTheFileNameLimitForLongTargetNames(string letter)
    {
        var target = string.Concat(Enumerable.Repeat(letter, 230 / Encoding.UTF8.GetByteCount(letter))) + ".safetensors";   // 242 bytes
        var path = PathOf(target);
        using var model = Mlp(1);
        var stale = Path.Combine(_dir, $".{AtomicFile.Stem(target)}.{AtomicFile.HostTag}.{DeadPid()}.0123456789ab.attrdsl-tmp");
        Assert.True(Encoding.UTF8.GetByteCount(Path.GetFileName(stale)) <= 255);
        File.WriteAllBytes(stale, [1]);
        Checkpoint.Save(model, path);
        Checkpoint.Save(model, path);
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir));
        Checkpoint.Load(model, path);
    }
}
