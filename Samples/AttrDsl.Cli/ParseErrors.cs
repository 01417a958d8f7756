using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace AttrDsl.Cli;

/// <summary>
/// System.CommandLine's parse errors in the user's terms: an unknown option or command gets the nearest valid ones
/// ("did you mean --method?"), and a value the parser could not convert is described as "a whole number", "a number",
/// "true or false" or the list of accepted values — never a .NET type name such as 'System.Double'.
/// </summary>
internal static partial class ParseErrors
{
    /// <summary>The one-line message for a parse result with errors.</summary>
    public static string Describe(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        var path = CommandPath(parsed.CommandResult);
        // An unknown word is the root cause of the errors that follow it (its value is unmatched too): report it first.
        if (parsed.UnmatchedTokens.Count > 0) return Unknown(parsed.UnmatchedTokens[0], command, path);
        var error = parsed.Errors[0];
        var message = InUserTerms(error.Message);
        return $"{message}{(message.EndsWith('.') ? "" : ".")} See {path} --help.";
    }

    private static string Unknown(string token, Command command, string path)
    {
        if (token.StartsWith('-'))
        {
            var names = command.Options.Concat(Ancestors(command).SelectMany(c => c.Options.Where(o => o.Recursive)))
                .SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
            var near = Suggestions.Nearest(token, names);
            return near.Count > 0
                ? $"unknown option '{token}' for '{path}'; did you mean {string.Join(" or ", near)}? See {path} --help."
                : $"unknown option '{token}' for '{path}'; see {path} --help for its options.";
        }
        if (command.Subcommands.Count > 0)
        {
            var near = Suggestions.Nearest(token, command.Subcommands.Select(c => c.Name));
            var commands = string.Join(", ", command.Subcommands.Select(c => c.Name));
            return near.Count > 0
                ? $"unknown command '{token}'; did you mean {string.Join(" or ", near.Select(n => $"'{n}'"))}? The commands are {commands}; see {path} --help."
                : $"unknown command '{token}'; the commands are {commands}; see {path} --help.";
        }
        return $"unexpected argument '{token}' for '{path}', which takes options only (e.g. {command.Options.FirstOrDefault(o => !o.Name.StartsWith("-h", StringComparison.Ordinal))?.Name ?? "--help"} <value>); see {path} --help.";
    }

    /// <summary>
    /// Rewrites System.CommandLine's conversion messages ("Cannot parse argument 'x' for option '--o' as expected type
    /// 'System.Int32'. Did you mean one of the following? …") in the user's terms; other messages pass unchanged.
    /// </summary>
    public static string InUserTerms(string message)
    {
        var m = CannotParse().Match(message);
        if (!m.Success) return message.Trim();
        var (value, symbol, type) = (m.Groups["value"].Value, m.Groups["symbol"].Value, m.Groups["type"].Value);
        var target = symbol.Length > 0 ? symbol : "the value";
        return $"{target} '{value}' is not {Expected(type)}; pass {Expected(type)}.";
    }

    // What a .NET type is called for someone typing a value.
    private static string Expected(string type)
    {
        var bare = type.TrimEnd('?').Replace("System.Nullable`1[", "").TrimEnd(']');
        return bare switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte" or "System.UInt32" or "System.UInt64" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            _ when (Type.GetType(bare) ?? typeof(ParseErrors).Assembly.GetType(bare)) is { IsEnum: true } e => "one of " + string.Join(", ", Enum.GetNames(e).Select(n => n.ToLowerInvariant())),
            _ => "a valid value",
        };
    }

    private static IEnumerable<Command> Ancestors(Command command) => command.Parents.OfType<Command>().SelectMany(p => Ancestors(p).Prepend(p));

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
            if (r is CommandResult c) names.Insert(0, c.Parent is null ? "attrdsl" : c.Command.Name);
        return string.Join(' ', names);
    }

    [GeneratedRegex(@"Cannot parse argument '(?<value>.*?)'(?: for (?:option|command) '(?<symbol>.*?)')? as expected type '(?<type>.*?)'\.", RegexOptions.Singleline)]
    private static partial Regex CannotParse();
}
