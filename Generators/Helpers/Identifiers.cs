using System.Collections.Generic;
using Microsoft.CodeAnalysis.CSharp;

namespace AttrDsl.Generators.Helpers;

/// <summary>Names copied from the user's code into generated code.</summary>
internal static class Identifiers
{
    /// <summary>The name as C# source: a reserved keyword (a user's <c>@in</c>, <c>@fixed</c>) keeps its @.</summary>
    public static string Escape(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary><paramref name="name"/>, or <c>__name</c>, <c>__name1</c>... when forward already uses it (a generated parameter must not clash with the user's locals).</summary>
    public static string Fresh(string name, ISet<string> used)
    {
        if (!used.Contains(name)) return name;
        var candidate = "__" + name;
        for (var i = 1; used.Contains(candidate); i++) candidate = "__" + name + i;
        return candidate;
    }
}
