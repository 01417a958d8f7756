using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace AttrDsl.Cli;

/// <summary>
/// Options whose values are parsed in the user's terms and bounded at parse time, before any work starts: a number that
/// is not one says "a whole number" or "a number" (never a .NET type), a value out of range names the option as typed,
/// the value, the range and what to pass, and an enum lists its values in lower case. The help shows each range, e.g.
/// "(2–10000)".
/// </summary>
internal static class BoundedOptions
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A whole-number option from <paramref name="min"/> to <paramref name="max"/> (both allowed).</summary>
    /// <param name="name">The option's name, e.g. --points.</param>
    /// <param name="description">The help text; the range is appended.</param>
    /// <param name="min">The least value.</param>
    /// <param name="max">The greatest value.</param>
    /// <param name="defaultValue">The value when the option is absent.</param>
    /// <param name="why">Why the upper bound (appended to the out-of-range message), or null.</param>
    /// <param name="aliases">Short forms, e.g. -i.</param>
    public static Option<int> Int(string name, string description, int min, int max, int defaultValue, string? why = null, params string[] aliases)
    {
        var option = new Option<int>(name, aliases) { Description = $"{description} ({Range(min, max)})", DefaultValueFactory = _ => defaultValue };
        option.CustomParser = r => r.Tokens.Count == 0 ? defaultValue : ParseInt(r, name, min, max, defaultValue, why) ?? defaultValue;
        return option;
    }

    /// <summary>As <see cref="Int"/>, for an option without a default (null when absent).</summary>
    public static Option<int?> OptionalInt(string name, string description, int min, int max, int example, string? why = null)
    {
        var option = new Option<int?>(name) { Description = $"{description} ({Range(min, max)})" };
        option.CustomParser = r => r.Tokens.Count == 0 ? null : ParseInt(r, name, min, max, example, why);
        return option;
    }

    /// <summary>
    /// A real-number option between <paramref name="min"/> and <paramref name="max"/>; NaN and ±∞ are refused.
    /// <paramref name="minExclusive"/>/<paramref name="maxExclusive"/> leave the bound itself out.
    /// </summary>
    public static Option<double> Double(string name, string description, double min, bool minExclusive, double max, bool maxExclusive, double defaultValue)
    {
        var range = Range(min, minExclusive, max, maxExclusive);
        var option = new Option<double>(name) { Description = $"{description} ({range})", DefaultValueFactory = _ => defaultValue };
        option.CustomParser = r =>
        {
            if (r.Tokens.Count == 0) return defaultValue;
            var (typed, text) = (Typed(r, name), r.Tokens[^1].Value);
            var example = $"pass e.g. {typed} {defaultValue.ToString("G", Inv)}";
            if (!double.TryParse(text, NumberStyles.Float, Inv, out var value))
                r.AddError($"{typed} '{text}' is not a number; pass a number {range}, e.g. {typed} {defaultValue.ToString("G", Inv)}");
            else if (!double.IsFinite(value))
                r.AddError($"{typed} {text} is not a finite number; it must be {range}; {example}");
            else if (value < min || (minExclusive && value == min) || value > max || (maxExclusive && value == max))
                r.AddError($"{typed} {text} is out of range: it must be {range}; {example}");
            else return value;
            return defaultValue;
        };
        return option;
    }

    /// <summary>An option naming one value of <typeparamref name="T"/>, matched without regard to case; help and errors list the values in lower case.</summary>
    public static Option<T> Enum<T>(string name, string description, T defaultValue, params string[] aliases) where T : struct, System.Enum
    {
        var values = Values<T>();
        var option = new Option<T>(name, aliases) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = string.Join('|', values) };
        option.CustomParser = r =>
        {
            if (r.Tokens.Count == 0) return defaultValue;
            var text = r.Tokens[^1].Value;
            foreach (var v in System.Enum.GetValues<T>())
                if (string.Equals(v.ToString(), text.Trim(), StringComparison.OrdinalIgnoreCase)) return v;
            var typed = Typed(r, name);
            var near = Suggestions.Nearest(text, values);
            r.AddError($"{typed} '{text}' is not one of {string.Join(", ", values)}{(near.Count > 0 ? $"; did you mean {string.Join(" or ", near)}?" : "")}; pass e.g. {typed} {defaultValue.ToString().ToLowerInvariant()}");
            return defaultValue;
        };
        return option;
    }

    /// <summary>The values of an enum option as the user types them.</summary>
    public static string[] Values<T>() where T : struct, System.Enum => [.. System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant())];

    /// <summary>"2–10000": the help's and the messages' form of a whole-number range.</summary>
    public static string Range(int min, int max) => $"{min.ToString(Inv)}–{max.ToString(Inv)}";

    /// <summary>A real range in words: "0–1", "above 0, up to 100", "between 0 and 1, exclusive".</summary>
    public static string Range(double min, bool minExclusive, double max, bool maxExclusive) => (minExclusive, maxExclusive) switch
    {
        (false, false) => $"{min.ToString("G", Inv)}–{max.ToString("G", Inv)}",
        (true, false) => $"above {min.ToString("G", Inv)}, up to {max.ToString("G", Inv)}",
        (false, true) => $"from {min.ToString("G", Inv)}, below {max.ToString("G", Inv)}",
        _ => $"between {min.ToString("G", Inv)} and {max.ToString("G", Inv)}, exclusive",
    };

    private static int? ParseInt(ArgumentResult r, string name, int min, int max, int example, string? why)
    {
        var (typed, text) = (Typed(r, name), r.Tokens[^1].Value);
        // BigInteger: 99999999999 is a whole number out of range, not "not a number".
        if (!BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, Inv, out var value))
        {
            r.AddError($"{typed} '{text}' is not a whole number; pass a whole number from {min} to {max}, e.g. {typed} {example}");
            return null;
        }
        if (value < min)
        {
            r.AddError($"{typed} {text} is out of range: it must be from {min} to {max}; pass {typed} {min} or more");
            return null;
        }
        if (value > max)
        {
            r.AddError($"{typed} {text} is out of range: it must be from {min} to {max}{(why is null ? "" : $" ({why})")}; pass {typed} {max} or less");
            return null;
        }
        return (int)value;
    }

    // The option as the user typed it (an alias such as -i, or the name).
    private static string Typed(ArgumentResult r, string name) => (r.Parent as OptionResult)?.IdentifierToken?.Value ?? name;
}
