using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace AttrDsl.Generators.Tests.Infrastructure;

/// <summary>
/// Walks an object graph through every instance field (public and private, base classes included, so auto-property
/// backing fields and EquatableArray's array are covered) and every array or enumerable element, and reports the
/// paths at which a Roslyn object that pins a compilation is reachable.
/// </summary>
internal static class RoslynReferenceWalker
{
    private static readonly Type[] Forbidden =
        [typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Location), typeof(SemanticModel), typeof(Compilation),
         typeof(SyntaxReference), typeof(AttributeData), typeof(IOperation)];

    /// <summary>Forbidden objects found under root, as paths; visited counts every object walked (to prove the walk went somewhere).</summary>
    public static List<string> Find(object? root, string rootName, out HashSet<Type> visitedTypes)
    {
        var found = new List<string>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        visitedTypes = [];
        Walk(root, rootName, found, seen, visitedTypes);
        return found;
    }

    private static void Walk(object? value, string path, List<string> found, HashSet<object> seen, HashSet<Type> visitedTypes)
    {
        if (value is null) return;
        var type = value.GetType();
        visitedTypes.Add(type);
        // SyntaxToken and SyntaxTrivia are structs that hold their node: check struct types by name as well.
        if (Forbidden.Any(f => f.IsAssignableFrom(type)) || type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true
            && (type.Name is "SyntaxToken" or "SyntaxTrivia" or "SyntaxNodeOrToken" or "TypedConstant"))
        {
            found.Add($"{path}: {type.FullName}");
            return;
        }
        if (type.IsPrimitive || type.IsEnum || value is string or decimal or Type or Pointer) return;
        if (!type.IsValueType && !seen.Add(value)) return;

        if (value is Array array)
        {
            var i = 0;
            foreach (var item in array) Walk(item, $"{path}[{i++}]", found, seen, visitedTypes);
            return;
        }
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPointer || field.FieldType.IsByRefLike) continue;
                Walk(field.GetValue(value), $"{path}.{field.Name}", found, seen, visitedTypes);
            }
        // An enumerable whose storage is not a plain field (lazy or native): walk its items too.
        if (value is IEnumerable enumerable && type.Namespace?.StartsWith("System", StringComparison.Ordinal) != true)
        {
            var i = 0;
            foreach (var item in enumerable) Walk(item, $"{path}<{i++}>", found, seen, visitedTypes);
        }
    }
}
