namespace AttrDsl.Samples.MnistTrain;

/// <summary>
/// Checks the samples run on their command-line values before any work starts, each returning null when the value is
/// fine or a one-line message that names the option, the problem and the fix.
/// </summary>
public static class CommandLineChecks
{
    /// <summary>The most libtorch threads a sample accepts: more only oversubscribes the cores.</summary>
    public const int MaxThreads = 1024;

    /// <summary>
    /// A libtorch thread count: 1 … <see cref="MaxThreads"/>. Checked before <c>torch.set_num_threads</c>, which
    /// terminates the process (no exception) for 0 or a negative count.
    /// </summary>
    public static string? Threads(int threads, string option = "--threads") =>
        threads is >= 1 and <= MaxThreads
            ? null
            : $"{option} must be between 1 and {MaxThreads}, got {threads}; pass the number of cores to use (this machine has {Environment.ProcessorCount})";

    /// <summary>An integer that must be at least <paramref name="min"/>.</summary>
    public static string? AtLeast(int value, int min, string option) =>
        value >= min ? null : $"{option} must be at least {min}, got {value}; pass {option} {min} or more";

    /// <summary>A real number that must be positive and finite (NaN and ±∞ are refused).</summary>
    public static string? PositiveFinite(double value, string option, string example) =>
        value > 0 && double.IsFinite(value) ? null : $"{option} must be a positive finite number, got {value}; pass e.g. {option} {example}";

    /// <summary>
    /// A file the program will write at the end of its run: checked up front, so a typo does not cost the whole run.
    /// The path must not be a directory, its directory must exist, and a file can be created there (probed by creating
    /// and deleting a hidden file, as the atomic writers of the samples do).
    /// </summary>
    /// <param name="path">The value given.</param>
    /// <param name="option">The option's name, for the message.</param>
    /// <param name="example">A file name to suggest.</param>
    public static string? WritableFile(string? path, string option, string example)
    {
        if (string.IsNullOrWhiteSpace(path)) return $"{option} is empty; give a file path such as {example}";
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"{option} '{path}' is not a valid path ({e.Message}); give a file path such as {example}";
        }
        if (Directory.Exists(full)) return $"{option} '{path}' is a directory; give a file path inside it, e.g. {Path.Combine(path, example)}";
        var dir = Path.GetDirectoryName(full);
        if (dir is null || string.IsNullOrEmpty(Path.GetFileName(full))) return $"{option} '{path}' names no file; give a file path such as {example}";
        if (File.Exists(dir)) return $"{option} '{path}': '{dir}' is a file, not a directory; choose a path in an existing directory";
        if (!Directory.Exists(dir)) return $"{option} '{path}': the directory '{dir}' does not exist; create it first or choose an existing directory";
        var probe = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.probe");
        try
        {
            using var _ = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{option} '{path}': cannot create files in '{dir}' ({e.Message}); choose a writable directory";
        }
        return null;
    }

    /// <summary>
    /// A <c>--report</c> folder the program will write report.html into at the end of its run: created now, and probed
    /// that report.html can be written there, so a typo does not cost the whole run. Returns the problem, or null.
    /// </summary>
    /// <param name="dir">The value given.</param>
    /// <param name="example">A folder to suggest, e.g. ./cdep-decoy-report.</param>
    public static string? ReportFolder(string? dir, string example)
    {
        if (string.IsNullOrWhiteSpace(dir)) return $"--report is empty; give a folder such as {example}";
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"--report '{dir}': cannot create the folder ({e.Message}); choose a writable folder";
        }
        return WritableFile(Path.Combine(dir, "report.html"), "--report", "report.html");
    }
}
