using AttrDsl.Visualization;

namespace AttrDsl.Tests.Cli;

/// <summary>
/// Report folders appear whole or not at all (<see cref="ReportFolder"/>, <see cref="HtmlReport.SaveFolder"/>, which the
/// CLI's report and significance commands use): a failure or cancellation mid-write leaves no destination and no
/// temporary folder, an old report survives a failed write, a successful write replaces the old report whole, and a
/// folder holding anything but a report is never replaced.
/// </summary>
public sealed class ReportFolderTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("attrdsl-report-folder-").FullName;

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    private string Folder => Path.Combine(_parent, "report");

    private string[] Temporaries() => Directory.GetFileSystemEntries(_parent, ReportFolder.TemporaryPrefix + "*");

    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47];

    [Fact]
    public void AFailureMidWriteLeavesNoFolderAndNoTemporary()
    {
        var e = Assert.Throws<IOException>(() => ReportFolder.Write(Folder, staging =>
        {
            Directory.CreateDirectory(Path.Combine(staging, "png"));
            File.WriteAllBytes(Path.Combine(staging, "png", "a.png"), Png);
            throw new IOException("disk full");   // the injected failure, after some PNGs and before report.html
        }));
        Assert.Equal("disk full", e.Message);
        Assert.False(Directory.Exists(Folder));
        Assert.Empty(Temporaries());
    }

    [Fact]
    public void AFileThatCannotBeWrittenLeavesNoFolder()
    {
        // The second file names a path whose folder part is the first file: it cannot be created.
        var files = new Dictionary<string, byte[]> { ["png"] = Png, ["png/b.png"] = Png };
        Assert.ThrowsAny<IOException>(() => new HtmlReport("r").SaveFolder(Folder, files));
        Assert.False(Directory.Exists(Folder));
        Assert.Empty(Temporaries());
    }

    [Fact]
    public void AFailedWriteLeavesTheOldReportUntouched()
    {
        new HtmlReport("old").SaveFolder(Folder, new Dictionary<string, byte[]> { ["png/old.png"] = Png });
        Assert.Throws<InvalidOperationException>(() => ReportFolder.Write(Folder, _ => throw new InvalidOperationException("bug")));
        Assert.Contains("old", File.ReadAllText(Path.Combine(Folder, "report.html")));
        Assert.True(File.Exists(Path.Combine(Folder, "png", "old.png")));
        Assert.Empty(Temporaries());
    }

    [Fact]
    public void ACancelledWriteLeavesNothing()
    {
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => ReportFolder.Write(Folder, staging =>
        {
            File.WriteAllBytes(Path.Combine(staging, "a.png"), Png);
            cancel.Cancel();
        }, cancel.Token));
        Assert.False(Directory.Exists(Folder));
        Assert.Empty(Temporaries());
    }

    [Fact]
    public void ASuccessfulWriteReplacesTheOldReportWhole()
    {
        new HtmlReport("old").SaveFolder(Folder, new Dictionary<string, byte[]> { ["png/old.png"] = Png });
        var path = new HtmlReport("new").SaveFolder(Folder, new Dictionary<string, byte[]> { ["png/new.png"] = Png });
        Assert.Equal(Path.Combine(Path.GetFullPath(Folder), "report.html"), path);
        Assert.Contains("<title>new</title>", File.ReadAllText(path));
        Assert.True(File.Exists(Path.Combine(Folder, "png", "new.png")));
        Assert.False(File.Exists(Path.Combine(Folder, "png", "old.png")));
        Assert.Empty(Temporaries());
    }

    [Fact]
    public void AFolderHoldingOtherFilesIsNeverReplaced()
    {
        Directory.CreateDirectory(Folder);
        File.WriteAllText(Path.Combine(Folder, "notes.txt"), "keep me");
        Assert.Contains("notes.txt", ReportFolder.Problem(Folder));
        var e = Assert.Throws<IOException>(() => new HtmlReport("r").SaveFolder(Folder));
        Assert.Contains("not part of a report", e.Message);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(Folder, "notes.txt")));
        Assert.Empty(Temporaries());
    }

    [Fact]
    public void AFileOrTheCurrentFolderIsRefused()
    {
        var file = Path.Combine(_parent, "file");
        File.WriteAllText(file, "x");
        Assert.Contains("is a file", ReportFolder.Problem(file));
        Assert.Contains("current folder", ReportFolder.Problem(Environment.CurrentDirectory));
        Assert.Null(ReportFolder.Problem(Folder));
    }

    [Fact]
    public void FilesMustStayInsideTheFolder()
    {
        Assert.Throws<ArgumentException>(() => new HtmlReport("r").SaveFolder(Folder, new Dictionary<string, byte[]> { ["../escape.png"] = Png }));
        Assert.Throws<ArgumentException>(() => new HtmlReport("r").SaveFolder(Folder, new Dictionary<string, byte[]> { ["report.html"] = Png }));
        Assert.False(Directory.Exists(Folder));
        Assert.False(File.Exists(Path.Combine(_parent, "escape.png")));
        Assert.Empty(Temporaries());
    }
}
