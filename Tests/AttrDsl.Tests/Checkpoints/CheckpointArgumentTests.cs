using System.Text;
using AttrDsl.Checkpoints;

namespace AttrDsl.Tests.Checkpoints;

/// <summary>
/// Saving and loading say what is wrong with the argument a user passed: a disposed model or tensor (not "no
/// parameters, call RegisterComponents"), a directory where a file belongs (not "file not found"), and a file whose
/// header is not UTF-8, is truncated or is not a safetensors file at all — each naming the file.
/// </summary>
public sealed class CheckpointArgumentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-checkpoint-args-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static nn.Module<Tensor, Tensor> Mlp()
    {
        manual_seed(1);
        return nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2));
    }

    [Fact]
    public void SavingADisposedModelSaysItWasDisposed()
    {
        var model = Mlp();
        model.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => Checkpoint.Save(model, PathOf("m.safetensors")));
        Assert.Equal("module", e.ObjectName);
        Assert.Contains("was disposed", e.Message);
        Assert.DoesNotContain("RegisterComponents", e.Message);
        Assert.False(File.Exists(PathOf("m.safetensors")));
    }

    [Fact]
    public void LoadingIntoADisposedModelSaysItWasDisposed()
    {
        using (var live = Mlp()) Checkpoint.Save(live, PathOf("m.safetensors"));
        var model = Mlp();
        model.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => Checkpoint.Load(model, PathOf("m.safetensors")));
        Assert.Equal("module", e.ObjectName);
    }

    [Fact]
    public void ADirectoryIsNamedAsADirectory()
    {
        using var model = Mlp();
        var dir = PathOf("weights");
        Directory.CreateDirectory(dir);
        var e = Assert.Throws<ArgumentException>(() => Checkpoint.Load(model, dir));
        Assert.Equal("path", e.ParamName);
        Assert.Contains($"'{dir}' is a directory", e.Message);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => safetensors.load_file(dir)).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => safetensors.load_metadata(dir)).ParamName);
    }

    [Fact]
    public void AHeaderThatIsNotUtf8NamesTheFileAndTheByte()
    {
        using var model = Mlp();
        var path = PathOf("latin1.safetensors");
        // A well-formed header but for one Latin-1 byte (0xE9, 'é') in the metadata: not UTF-8.
        var header = Encoding.Latin1.GetBytes("{\"__metadata__\":{\"note\":\"caf\u00e9\"}}      ");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)header.Length), .. header]);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(model, path));
        Assert.Contains($"'{path}'", e.Message);
        Assert.Contains("UTF-8", e.Message);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    [InlineData("empty")]
    public void ATruncatedOrForeignFileNamesTheFile(string kind)
    {
        using var model = Mlp();
        var path = PathOf(kind + ".safetensors");
        if (kind == "truncated")
        {
            Checkpoint.Save(model, path);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length - 5)]);
        }
        else File.WriteAllBytes(path, kind == "garbage" ? Encoding.ASCII.GetBytes("PK\u0003\u0004 this is a zip file, not safetensors") : []);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(model, path));
        Assert.Contains($"'{path}' is not a valid safetensors file", e.Message);
    }
}
