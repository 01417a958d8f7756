using System.Text.RegularExpressions;

namespace AttrDsl.Cli;

/// <summary>
/// Command lines as a POSIX shell (bash, zsh, sh) reads them: the report's "reproduce" lines are the command the user
/// ran, with every argument, so pasting one runs the same thing.
/// </summary>
public static partial class ShellCommand
{
    /// <summary>
    /// <paramref name="argument"/> as one shell word: unchanged when it holds only characters no shell treats specially
    /// (letters, digits, <c>_ - . / : = @ % + ,</c>), else in single quotes, with each <c>'</c> written <c>'\''</c>; the
    /// empty argument is <c>''</c>.
    /// </summary>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length > 0 && Plain().IsMatch(argument)) return argument;
        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary><paramref name="program"/> followed by the quoted arguments, separated by spaces.</summary>
    public static string Join(string program, IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Select(Quote).Prepend(program));

    /// <summary>The installed tool's command line: <c>attrdsl</c> and the arguments.</summary>
    public static string Tool(IReadOnlyList<string> arguments) => Join(Commands.Name, arguments);

    /// <summary>The same run from the repository root: <c>dotnet run -c Release --project Samples/AttrDsl.Cli -- …</c>.</summary>
    public static string FromRepository(IReadOnlyList<string> arguments) =>
        "dotnet run -c Release --project Samples/AttrDsl.Cli" + (arguments.Count > 0 ? " -- " + string.Join(' ', arguments.Select(Quote)) : "");

    [GeneratedRegex(@"^[A-Za-z0-9_\-./:=@%+,]+$")]
    private static partial Regex Plain();
}
