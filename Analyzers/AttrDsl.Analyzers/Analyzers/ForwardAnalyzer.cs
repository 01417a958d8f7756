using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using AttrDsl.Analyzers.Diagnostics;
using AttrDsl.Analyzers.Helpers;
using AttrDsl.Generators.Model;
using AttrDsl.Generators.Translation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace AttrDsl.Analyzers;

/// <summary>
/// The forward of an annotated model, through the generator's own translation: ATTR007 (a construct with no
/// contextual-decomposition rule, at its span), ATTR008 (a user module used as a layer without [Decomposable]) and
/// ATTR011 (total variation on a model whose input is not an image).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ForwardAnalyzer : AttrDslAnalyzer
{
    /// <summary>The diagnostic property holding the metadata name of the block to mark [Decomposable] (ATTR008's fix).</summary>
    public const string BlockTypeProperty = "BlockType";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics =>
        ImmutableArray.Create(DiagnosticDescriptors.NoDecompositionRule, DiagnosticDescriptors.UndecomposableBlock, DiagnosticDescriptors.PriorDoesNotFitInput);

    private protected override void Register(CompilationStartAnalysisContext start, KnownSymbols known)
    {
        // An operation action: the body arrives already bound (the compiler's own binding, shared), not re-bound here.
        start.RegisterOperationAction(c => Analyze(c, known), OperationKind.MethodBody);
    }

    private static void Analyze(OperationAnalysisContext context, KnownSymbols known)
    {
        if (context.ContainingSymbol is not IMethodSymbol { Name: "forward", Parameters.Length: 1 } symbol) return;
        if (context.Operation.Syntax is not MethodDeclarationSyntax method || context.Operation.SemanticModel is not { } semanticModel) return;
        var type = symbol.ContainingType;
        if (!known.Has(type, known.Explainable) && !known.Has(type, known.Decomposable)) return;
        if (!known.IsTensorModule(type) || !known.IsTensor(symbol.ReturnType) || !known.IsTensor(symbol.Parameters[0].Type)) return;

        // The generator already translated this forward when its ContextualDecomposition is in the compilation (generated
        // code is part of what analyzers see): then there is no problem to find, and translating again would be the
        // analyzers' largest cost. Only a model without it is translated here, to say why.
        if (HasGeneratedDecomposition(type))
        {
            CheckPriorsFitInput(context, known, type, () => FirstLayer(method, semanticModel, context.CancellationToken)?.Type.Name);
            return;
        }
        var result = ForwardTranslator.Translate(method, semanticModel, context.CancellationToken, context.Operation);
        if (result.Forward is null)
        {
            var location = Location.Create(result.Tree ?? method.SyntaxTree, result.Span);
            if (result.UndecomposableType is { } block)
            {
                var field = FieldName(semanticModel, result.Tree ?? method.SyntaxTree, result.Span);
                var properties = ImmutableDictionary<string, string?>.Empty.Add(BlockTypeProperty, block);
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UndecomposableBlock, location, properties,
                    field, block.Substring(block.LastIndexOf('.') + 1), type.Name));
            }
            else
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NoDecompositionRule, location, Capitalize(result.Problem!), type.Name));
            }
            return;
        }
        var first = result.Forward.FirstLayerType;
        CheckPriorsFitInput(context, known, type, () => first?.Substring(first.LastIndexOf('.') + 1));
    }

    private static bool HasGeneratedDecomposition(INamedTypeSymbol type) =>
        type.GetMembers("ContextualDecomposition").Any(m => m.GetAttributes().Any(a => a.AttributeClass?.Name == "GeneratedCodeAttribute"));

    // The layer field forward calls first: in the first statement that calls one, the call no other layer call is nested
    // in (the innermost, evaluated first).
    private static IFieldSymbol? FirstLayer(MethodDeclarationSyntax method, SemanticModel model, System.Threading.CancellationToken ct)
    {
        var body = (SyntaxNode?)method.Body ?? method.ExpressionBody;
        if (body is null) return null;
        IEnumerable<SyntaxNode> statements = method.Body is { } block ? block.Statements : new[] { body };
        foreach (var statement in statements)
        {
            IFieldSymbol? innermost = null;
            var depth = -1;
            foreach (var call in statement.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>())
            {
                if (call.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "forward" or "call" } access) continue;
                if (model.GetSymbolInfo(access.Expression, ct).Symbol is not IFieldSymbol field) continue;
                var d = call.Ancestors().Count();
                if (d > depth) (innermost, depth) = (field, d);
            }
            if (innermost is not null) return innermost;
        }
        return null;
    }

    // Total variation needs images; a forward that starts with a Linear, LSTM, Embedding or Conv1d takes something else.
    private static void CheckPriorsFitInput(OperationAnalysisContext context, KnownSymbols known, INamedTypeSymbol type, System.Func<string?> firstLayer)
    {
        if (known.TotalVariation is null) return;
        var tv = type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, known.AttributionPrior)
            && a.ConstructorArguments.Length == 1 && SymbolEqualityComparer.Default.Equals(a.ConstructorArguments[0].Value as ITypeSymbol, known.TotalVariation));
        if (tv is null || firstLayer() is not { } layerType) return;
        var (layer, takes) = layerType switch
        {
            "Linear" => ("a Linear layer", "vectors [B, features]"),
            "Embedding" => ("an Embedding", "token indices"),
            "LSTM" => ("an LSTM", "sequences"),
            "Conv1d" => ("a Conv1d", "sequences [B, C, L]"),
            _ => (null, null),
        };
        if (layer is null) return;
        var location = tv.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? Location.None;
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PriorDoesNotFitInput, location, "TotalVariation", type.Name, layer, takes));
    }

    private static string FieldName(SemanticModel model, SyntaxTree tree, TextSpan span)
    {
        var node = tree.GetRoot().FindNode(span);
        foreach (var access in node.DescendantNodesAndSelf().OfType<MemberAccessExpressionSyntax>())
            if (model.GetSymbolInfo(access.Expression).Symbol is IFieldSymbol field) return field.Name;
        foreach (var name in node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            if (model.GetSymbolInfo(name).Symbol is IFieldSymbol field) return field.Name;
        return node.ToString();
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);
}
