using System.Diagnostics;
using AttrDsl.Checkpoints;
using AttrDsl.Tests.Training;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Checkpoints;

/// <summary>
/// Saves killed with SIGKILL in the middle of writing — the child processes of <see cref="ChildProcess"/> — leave the
/// previous checkpoint intact and no temporary file behind once the next save has run. In its own collection: it
/// starts processes and watches their files, and the memory tests must not see its children's I/O either.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class CheckpointKillTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 8;

    /// <summary>The data bytes of the child's model, 4096 × 4096 + 4096 float32 values (the header adds a few hundred).</summary>
    private const long SaveBytes = (4096L * 4096 + 4096) * 4;
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-kill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Others(string target) =>
        Directory.GetFileSystemEntries(_dir).Where(f => f != target).Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Bytes the child has written to the save in progress: its named temporary file, or the unnamed (O_TMPFILE) file it
    /// holds open, which /proc shows as "dir/#inode (deleted)" and which opening the fd link reaches.
    /// </summary>
    private long Written(int pid, bool named)
    {
        try
        {
            if (named)
                return Directory.EnumerateFiles(_dir)
                    .Where(f => Path.GetFileName(f).Contains($".{AtomicFile.HostTag}.{pid}.", StringComparison.Ordinal))
                    .Select(f => new FileInfo(f).Length).DefaultIfEmpty(0).Max();
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                var link = new FileInfo(fd).LinkTarget;
                if (link is null || !link.StartsWith(_dir + "/#", StringComparison.Ordinal) || !link.EndsWith("(deleted)", StringComparison.Ordinal)) continue;
                using var handle = File.OpenHandle(fd);   // opening the fd link reaches the unnamed file itself
                return RandomAccess.GetLength(handle);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }   // a file vanished while we looked
        return 0;
    }

    [Theory]
    [InlineData(false)]   // O_TMPFILE: the data has no name while it is written
    [InlineData(true)]    // named temporary files, as where O_TMPFILE is unavailable
    public void SavesKilledMidWriteLeaveThePreviousFileAndNoTemporaryFileAfterTheNextSave(bool named)
    {
        var target = Path.Combine(_dir, "model.safetensors");
        var env = new Dictionary<string, string>
        {
            [CheckpointChildScenarios.TargetVariable] = target,
            [CheckpointChildScenarios.NamedVariable] = named ? "1" : "0",
        };
        var clock = Stopwatch.StartNew();
        var orphansSeen = 0;
        long orphanBytes = 0;
        for (var kill = 0; kill < Kills; kill++)
        {
            using var child = ChildProcess.Start("checkpoint-save-forever", env);
            child.WaitForLine("saved 0", TimeSpan.FromSeconds(60));   // one complete save: there is a previous file to keep
            // The child removed the temporary file the previous child left (that writer is dead).
            Assert.DoesNotContain(Others(target), f => !Path.GetFileName(f).Contains($".{child.Id}.", StringComparison.Ordinal));

            // Kill it while it is writing the next save, each time deeper into the file (1/16, 3/16, … 15/16 of it).
            var depth = (long)(SaveBytes * (kill + 0.5) / Kills);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (Written(child.Id, named) < depth)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the child never wrote {depth} bytes of a save");
                Thread.Sleep(1);
            }
            child.Kill();

            var left = Others(target);
            orphansSeen += left.Length;
            orphanBytes += left.Sum(f => new FileInfo(f).Length);
            if (named) Assert.Single(left);   // a killed writer of a named file leaves it — until the next save
            else Assert.Empty(left);         // an unnamed file dies with its process
            // The previous checkpoint is whole.
            Assert.True(int.TryParse(safetensors.load_metadata(target)["iteration"], out var iteration) && iteration >= 0);
        }

        using var model = CheckpointChildScenarios.Model();
        Checkpoint.Save(model, target);
        Assert.Empty(Others(target));
        using var loaded = nn.Linear(4096, 4096);
        Checkpoint.Load(loaded, target);
        Assert.Equal(model.parameters().Select(p => p.ToArray<float>()), loaded.parameters().Select(p => p.ToArray<float>()));
        output.WriteLine($"{(named ? "named" : "O_TMPFILE")}: {Kills} SIGKILLs mid-write left {orphansSeen} temporary file(s), {orphanBytes / 1e6:F0} MB " +
                         $"in all, before the next save; none after it ({clock.Elapsed.TotalSeconds:F1} s)");
    }
}
