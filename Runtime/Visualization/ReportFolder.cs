using System.Runtime.InteropServices;

namespace AttrDsl.Visualization;

/// <summary>
/// Writes a report folder — <c>report.html</c>, its PNGs, anything else — so that it appears whole or not at all: a
/// reader never finds some pictures and no <c>report.html</c>, and a failed run never destroys the previous report.
/// </summary>
/// <remarks>
/// <para>
/// The files are written into a hidden sibling folder <c>.report-&lt;guid&gt;.tmp</c> (same parent, so the final move is
/// a rename on one file system) and moved into place with one <see cref="Directory.Move"/>. An existing report at the
/// destination is first moved aside to <c>.report-&lt;guid&gt;.old</c> and deleted once the new one is in place; if the
/// move fails the old report is moved back.
/// </para>
/// <para>
/// A failure or cancellation while writing deletes the temporary folder and rethrows; the destination is untouched.
/// SIGINT, SIGTERM and SIGHUP during a write delete it too before the process ends. Only SIGKILL (or a power cut) can
/// leave a hidden <c>.report-*.tmp</c> folder behind — never a partial destination.
/// </para>
/// <para>
/// An existing destination is replaced only when it is empty or is a report: it holds <c>report.html</c> and nothing but
/// HTML files, PNGs and folders of those. Anything else (a user's notes, the current folder) is refused, so pointing a
/// report at the wrong folder cannot delete unrelated files. <see cref="Problem"/> performs the same checks up front.
/// </para>
/// </remarks>
public static class ReportFolder
{
    /// <summary>The report's page in its folder.</summary>
    public const string ReportFile = "report.html";

    /// <summary>The prefix of the hidden temporary folders (<c>.report-&lt;guid&gt;.tmp</c>, <c>.report-&lt;guid&gt;.old</c>).</summary>
    public const string TemporaryPrefix = ".report-";

    /// <summary>
    /// Why a report cannot be written to <paramref name="folder"/>, or null when it can: the path must be valid, not a
    /// file, not the current folder or one above it, its parent must be (or become) a writable folder, and an existing
    /// folder must be empty or a report (see the remarks on <see cref="ReportFolder"/>). Creates the parent folder.
    /// </summary>
    /// <param name="folder">The report folder.</param>
    public static string? Problem(string folder)
    {
        if (string.IsNullOrWhiteSpace(folder)) return "the report folder is empty; give a folder path such as ./report";
        string full;
        try { full = Full(folder); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"'{folder}' is not a valid folder path ({e.Message})";
        }
        if (File.Exists(full)) return $"'{full}' is a file, not a folder; give a folder path (it is created if missing)";
        var parent = Path.GetDirectoryName(full);
        if (parent is null) return $"'{full}' is a root folder; give a folder inside it, e.g. {Path.Combine(full, "report")}";
        var current = Full(Environment.CurrentDirectory);
        if (current == full || current.StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return $"'{full}' is the current folder or holds it, and a report replaces its whole folder; give a new folder such as {Path.Combine(full, "report")}";
        if (Directory.Exists(full) && NotReportEntry(full) is { } foreign)
            return $"'{full}' already holds '{Path.GetRelativePath(full, foreign)}', which is not part of a report, and a report replaces its whole folder; give a new or empty folder, or move that file away";
        try
        {
            Directory.CreateDirectory(parent);
            // Probed by creating and deleting a hidden file, so an unwritable place does not cost the whole run.
            using var _ = new FileStream(Path.Combine(parent, $"{TemporaryPrefix}{Guid.NewGuid():N}.probe"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"'{full}' cannot be written: '{parent}' is not a writable folder ({OneLine(e.Message)})";
        }
        return null;
    }

    /// <summary>
    /// Writes the report folder <paramref name="folder"/>: <paramref name="write"/> receives an empty temporary folder
    /// and writes every file of the report into it; the folder then replaces <paramref name="folder"/> in one move.
    /// Returns the full path of <paramref name="folder"/>.
    /// </summary>
    /// <param name="folder">The report folder (created; an existing report there is replaced).</param>
    /// <param name="write">Writes the report's files into the folder it is given.</param>
    /// <param name="cancellationToken">Checked after <paramref name="write"/> returns and before the move.</param>
    /// <exception cref="IOException">The folder cannot be written (<see cref="Problem"/> says why), or a write failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing was written.</exception>
    public static string Write(string folder, Action<string> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (Problem(folder) is { } problem) throw new IOException(problem);
        var full = Full(folder);
        var parent = Path.GetDirectoryName(full)!;
        var staging = Path.Combine(parent, $"{TemporaryPrefix}{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staging);
        var signals = OnTermination(() => TryDelete(staging));
        try
        {
            write(staging);
            cancellationToken.ThrowIfCancellationRequested();
            Commit(staging, full, parent);
            return full;
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
        finally
        {
            foreach (var s in signals) s.Dispose();
        }
    }

    // Moves the staged folder into place; an existing report is moved aside first and deleted after, or moved back on failure.
    private static void Commit(string staging, string full, string parent)
    {
        if (!Directory.Exists(full))
        {
            Directory.Move(staging, full);
            return;
        }
        // Checked again at the last moment: the folder may have gained files since the run began.
        if (NotReportEntry(full) is { } foreign)
            throw new IOException($"'{full}' now holds '{Path.GetRelativePath(full, foreign)}', which is not part of a report; the new report was not written");
        var aside = Path.Combine(parent, $"{TemporaryPrefix}{Guid.NewGuid():N}.old");
        Directory.Move(full, aside);
        try { Directory.Move(staging, full); }
        catch
        {
            Directory.Move(aside, full);
            throw;
        }
        TryDelete(aside);
    }

    // The first entry (depth first) that a report does not hold: null when the folder is empty or is a report.
    private static string? NotReportEntry(string folder)
    {
        if (!Directory.EnumerateFileSystemEntries(folder).Any()) return null;
        if (!File.Exists(Path.Combine(folder, ReportFile))) return Directory.EnumerateFileSystemEntries(folder).First();
        return Foreign(folder);

        static string? Foreign(string dir)
        {
            foreach (var file in Directory.EnumerateFiles(dir))
                if (Path.GetExtension(file).ToLowerInvariant() is not (".html" or ".png")) return file;
            foreach (var sub in Directory.EnumerateDirectories(dir))
            {
                if (new DirectoryInfo(sub).LinkTarget is not null) return sub;   // a link leads outside the report
                if (Foreign(sub) is { } inner) return inner;
            }
            return null;
        }
    }

    // Deletes the temporary folder when the process is told to stop; the default handling (termination) then goes on.
    private static List<PosixSignalRegistration> OnTermination(Action cleanup)
    {
        var registrations = new List<PosixSignalRegistration>();
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            try { registrations.Add(PosixSignalRegistration.Create(signal, _ => cleanup())); }
            catch (PlatformNotSupportedException) { }   // SIGHUP on Windows
        }
        return registrations;
    }

    private static void TryDelete(string dir)
    {
        // Best effort, a few times: a file may still be open while the process is being stopped.
        for (var attempt = 0; attempt < 3 && Directory.Exists(dir); attempt++)
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Thread.Sleep(20); }
        }
    }

    private static string Full(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
