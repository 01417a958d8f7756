using System.Runtime.InteropServices;

namespace AttrDsl.Cli;

/// <summary>
/// An exception nobody expected, as one line in the user's terms: libtorch's C++ context ("Exception raised from …",
/// "frame #…") is dropped, running out of memory says what to lower, and the line says how to see the details.
/// </summary>
internal static class UnexpectedErrors
{
    /// <summary>Exit code of an unexpected failure (EX_SOFTWARE).</summary>
    public const int ExitCode = 70;

    /// <summary>The one-line message for <paramref name="e"/>.</summary>
    public static string Describe(Exception e) => e switch
    {
        OutOfMemoryException => "ran out of memory; pass smaller sizes (see --help for the ranges) or free memory, and try again",
        ExternalException when Statement(e.Message) is var s && s.Contains("alloc", StringComparison.OrdinalIgnoreCase) =>
            $"libtorch could not allocate memory ({s}); pass smaller sizes (see --help for the ranges)",
        ExternalException => $"libtorch failed: {Statement(e.Message)} (a bug: please report it; ATTRDSL_DEBUG=1 shows the details)",
        _ => $"{Statement(e.Message)} (a bug: please report it; ATTRDSL_DEBUG=1 shows the details)",
    };

    /// <summary>
    /// A libtorch message without its C++ context: the lines before "Exception raised from", without frame lines, on
    /// one line (the CLI sees only the public API, so this repeats the runtime's internal reduction).
    /// </summary>
    public static string Statement(string message)
    {
        var cut = message.IndexOf("Exception raised from", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        var lines = message.Split('\n').Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith("frame #", StringComparison.Ordinal) && !l.StartsWith("0x", StringComparison.Ordinal));
        var text = string.Join(' ', lines);
        return text.Length == 0 ? "an error without a message" : text;
    }
}
