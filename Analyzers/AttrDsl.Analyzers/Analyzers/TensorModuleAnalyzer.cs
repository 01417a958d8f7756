using System.Collections.Immutable;
using System.Linq;
using AttrDsl.Analyzers.Diagnostics;
using AttrDsl.Analyzers.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AttrDsl.Analyzers;

/// <summary>ATTR002: an [Explainable] or [Decomposable] class is not a TorchSharp nn.Module&lt;Tensor, Tensor&gt;.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TensorModuleAnalyzer : AttrDslAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics =>
        ImmutableArray.Create(DiagnosticDescriptors.NotATensorModule);

    private protected override void Register(CompilationStartAnalysisContext start, KnownSymbols known)
    {
        start.RegisterSymbolAction(c =>
        {
            var type = (INamedTypeSymbol)c.Symbol;
            var attribute = known.Find(type, known.Explainable) ?? known.Find(type, known.Decomposable);
            if (attribute is null || known.IsTensorModule(type)) return;
            var location = attribute.ApplicationSyntaxReference?.GetSyntax(c.CancellationToken).GetLocation() ?? type.Locations.First();
            c.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotATensorModule, location, type.Name, attribute.AttributeClass!.Name.Replace("Attribute", "")));
        }, SymbolKind.NamedType);
    }
}
