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
public sealed class PartialModelAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics =>
        ImmutableArray.Create(DiagnosticDescriptors.ClassNotPartial);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownSymbols.Resolve(start.Compilation) is not { } known) return;
            start.RegisterSymbolAction(c => Analyze(c, known), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, KnownSymbols known)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var attribute = known.Has(type, known.Explainable) ? "Explainable" : known.Has(type, known.Decomposable) ? "Decomposable" : null;
        if (attribute is null) return;
        for (var t = type; t is not null; t = t.ContainingType)
            foreach (var reference in t.DeclaringSyntaxReferences)
                if (reference.GetSyntax(context.CancellationToken) is TypeDeclarationSyntax declaration
                    && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ClassNotPartial, declaration.Identifier.GetLocation(), t.Name, attribute));
                }
    }
}
