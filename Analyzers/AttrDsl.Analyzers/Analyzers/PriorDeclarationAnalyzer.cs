using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using AttrDsl.Analyzers.Diagnostics;
using AttrDsl.Analyzers.Helpers;
using AttrDsl.Generators.Translation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AttrDsl.Analyzers;

/// <summary>
/// The [AttributionPrior] declarations of a class: ATTR003 (a type that is no usable prior), ATTR006 (priors without
/// [Explainable]), ATTR009 (λ not positive and finite), ATTR012 (the same prior twice); and ATTR010 (References &lt; 1).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PriorDeclarationAnalyzer : AttrDslAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics =>
        ImmutableArray.Create(DiagnosticDescriptors.InvalidPriorType, DiagnosticDescriptors.PriorWithoutExplainable, DiagnosticDescriptors.InvalidLambda,
        DiagnosticDescriptors.DuplicatePrior, DiagnosticDescriptors.InvalidReferences);

    private protected override void Register(CompilationStartAnalysisContext start, KnownSymbols known)
    {
        start.RegisterSymbolAction(c => Analyze(c, known), SymbolKind.NamedType);
    }

    private static void Analyze(SymbolAnalysisContext context, KnownSymbols known)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var ct = context.CancellationToken;
        var explainable = known.Find(type, known.Explainable);
        if (explainable is not null)
            foreach (var argument in explainable.NamedArguments)
                if (argument.Key == "References" && argument.Value.Value is int k && k < 1)
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidReferences, NamedArgumentLocation(explainable, "References", ct), k));

        var priors = type.GetAttributes().Where(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, known.AttributionPrior)).ToList();
        if (priors.Count == 0) return;
        if (explainable is null)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PriorWithoutExplainable, Location(priors[0], ct), type.Name));

        var seen = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var prior in priors)
        {
            if (prior.ConstructorArguments.Length != 1 || prior.ConstructorArguments[0].Value is not INamedTypeSymbol priorType) continue;
            var location = ArgumentLocation(prior, 0, ct);
            if (known.PriorInterface is not null && PriorRules.TypeProblem(priorType) is { } problem)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidPriorType, location, priorType.ToDisplayString(), problem));
            if (!seen.Add(priorType))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicatePrior, Location(prior, ct), priorType.Name, type.Name));
            foreach (var argument in prior.NamedArguments)
                if (argument.Key == "Lambda" && argument.Value.Value is double lambda && !PriorRules.IsValidLambda(lambda))
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidLambda, NamedArgumentLocation(prior, "Lambda", ct),
                        lambda.ToString(CultureInfo.InvariantCulture), priorType.Name));
        }
    }

    private static Location Location(AttributeData attribute, System.Threading.CancellationToken ct) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(ct).GetLocation() ?? Microsoft.CodeAnalysis.Location.None;

    private static Location ArgumentLocation(AttributeData attribute, int index, System.Threading.CancellationToken ct) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(ct) is AttributeSyntax { ArgumentList: { } list } && list.Arguments.Count > index
            ? list.Arguments[index].GetLocation()
            : Location(attribute, ct);

    private static Location NamedArgumentLocation(AttributeData attribute, string name, System.Threading.CancellationToken ct) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(ct) is AttributeSyntax { ArgumentList: { } list }
        && list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name) is { } argument
            ? argument.GetLocation()
            : Location(attribute, ct);
}
