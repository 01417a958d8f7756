namespace AttrDsl.Cli;

/// <summary>
/// A problem the user can fix (a bad value, a missing file, a checkpoint of another model): the CLI prints its message as
/// one line on standard error and exits with <see cref="ExitCode"/>, without a stack trace.
/// </summary>
public sealed class UserError(string message, int exitCode = UserError.Usage) : Exception(message)
{
    /// <summary>Exit code of a bad command-line value, a missing file or a wrong checkpoint.</summary>
    public const int Usage = 2;

    /// <summary>Exit code of a run that failed (missing data, divergence, a failed write).</summary>
    public const int Failed = 1;

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>Throws a usage error when <paramref name="problem"/> (a check's result) is not null.</summary>
    public static void ThrowIf(string? problem)
    {
        if (problem is not null) throw new UserError(problem);
    }
}
