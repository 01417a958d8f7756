using System.Collections.Immutable;
using AttrDsl.Analyzers.Diagnostics;
using AttrDsl.Analyzers.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AttrDsl.Analyzers;

/// <summary>ATTR001: an [Explainable] or [Decomposable] class (or a type containing it) is not partial.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PartialModelAnalyzer : AttrDslAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics =>
        ImmutableArray.Create(DiagnosticDescriptors.ClassNotPartial);

    private protected override void Register(CompilationStartAnalysisContext start, KnownSymbols known)
    {
        start.RegisterSymbolAction(c => Analyze(c, known), SymbolKind.NamedType);
    }

    // Each type reports its own declarations (diagnostics stay local to the analyzed symbol): an annotated class, and
    // a type that contains one, must be partial.
    private static void Analyze(SymbolAnalysisContext context, KnownSymbols known)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var annotated = AnnotatedWithin(type, known);
        if (annotated is null) return;
        var attribute = known.Has(annotated, known.Explainable) ? "Explainable" : "Decomposable";
        foreach (var reference in type.DeclaringSyntaxReferences)
            if (reference.GetSyntax(context.CancellationToken) is TypeDeclarationSyntax declaration
                && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                var name = SymbolEqualityComparer.Default.Equals(annotated, type) ? type.Name : $"{annotated.Name} (inside {type.Name})";
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ClassNotPartial, declaration.Identifier.GetLocation(), name, attribute));
            }
    }

    // The type itself if it is annotated, else the first annotated type nested in it.
    private static INamedTypeSymbol? AnnotatedWithin(INamedTypeSymbol type, KnownSymbols known)
    {
        if (known.Has(type, known.Explainable) || known.Has(type, known.Decomposable)) return type;
        foreach (var nested in type.GetTypeMembers())
            if (AnnotatedWithin(nested, known) is { } found) return found;
        return null;
    }
}
