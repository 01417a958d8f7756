using System.Collections.Immutable;
using System.Linq;
using AttrDsl.Analyzers.Diagnostics;
using AttrDsl.Analyzers.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AttrDsl.Analyzers;

/// <summary>
/// ATTR013: an [Explainable] or [Decomposable] class that is generic, or nested in a generic type. The generator adds
/// nothing to it, which otherwise only shows as CS1061 wherever a generated member is used.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GenericModelAnalyzer : AttrDslAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics =>
        ImmutableArray.Create(DiagnosticDescriptors.GenericModel);

    private protected override void Register(CompilationStartAnalysisContext start, KnownSymbols known)
    {
        start.RegisterSymbolAction(c =>
        {
            var type = (INamedTypeSymbol)c.Symbol;
            if (!type.IsGenericType || type.TypeKind != TypeKind.Class) return;   // IsGenericType: the type or one containing it
            var attribute = known.Find(type, known.Explainable) ?? known.Find(type, known.Decomposable);
            if (attribute is null) return;
            var name = attribute.AttributeClass!.Name.Replace("Attribute", "");
            var location = attribute.ApplicationSyntaxReference?.GetSyntax(c.CancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>()?.Identifier.GetLocation()
                ?? type.Locations.First();
            var generic = type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
            var closed = Close(type);
            c.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GenericModel, location, type.Name, name, generic, closed));
        }, SymbolKind.NamedType);
    }

    // The example base class: every type parameter, the type's and its containers', closed with float.
    private static string Close(INamedTypeSymbol type) =>
        (type.ContainingType is { } outer ? Close(outer) + "." : "")
        + type.Name + (type.Arity > 0 ? "<" + string.Join(", ", Enumerable.Repeat("float", type.Arity)) + ">" : "");
}
