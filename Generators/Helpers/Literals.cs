using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;

namespace AttrDsl.Generators.Helpers;

/// <summary>C# source text for constant values and names copied from the user's code into generated code.</summary>
internal static class Literals
{
    /// <summary>The literal for <paramref name="value"/>, or null when it has no simple literal form.</summary>
    public static string? Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        // No suffixes where the target parameter's type converts implicitly: the generated call reads like the user's.
        long l when l >= int.MinValue && l <= int.MaxValue => l.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        double d when double.IsNaN(d) || double.IsInfinity(d) => null,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f when float.IsNaN(f) || float.IsInfinity(f) => null,
        float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
        string s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
        _ => null,
    };

    /// <summary>A path inside a #line directive, escaped as a C# string.</summary>
    public static string PathLiteral(string path) => "\"" + path.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>A name as C# source: a reserved keyword (a user's <c>@in</c>, <c>@fixed</c>) keeps its @.</summary>
    public static string Identifier(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary><paramref name="name"/>, or <c>__name</c>, <c>__name1</c>... when forward already uses it (a generated parameter must not clash with the user's locals).</summary>
    public static string Fresh(string name, ISet<string> used)
    {
        if (!used.Contains(name)) return name;
        var candidate = "__" + name;
        for (var i = 1; used.Contains(candidate); i++) candidate = "__" + name + i;
        return candidate;
    }
}
