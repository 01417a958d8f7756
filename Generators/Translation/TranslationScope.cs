using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AttrDsl.Generators.Translation;

/// <summary>One method body in a translation: forward, or a helper method of the model that forward calls.</summary>
/// <param name="Method">The method.</param>
/// <param name="Syntax">Its declaration.</param>
/// <param name="Operation">Its bound body.</param>
/// <param name="Model">The semantic model of its tree.</param>
internal sealed record TranslatedBody(IMethodSymbol Method, MethodDeclarationSyntax Syntax, IOperation Operation, SemanticModel Model);

/// <summary>
/// What every part of a translation shares: forward and the model's helper methods it reaches, their bound bodies
/// (built once: binding expression by expression would cost far more), and what the input is.
/// </summary>
internal sealed class TranslationScope
{
    private readonly Dictionary<SyntaxNode, IOperation> _operations = new();
    private readonly HashSet<IMethodSymbol> _helpers = new(SymbolEqualityComparer.Default);

    private TranslationScope(IParameterSymbol parameter, IMethodSymbol forward) => (Parameter, Forward) = (parameter, forward);

    /// <summary>forward's input parameter.</summary>
    public IParameterSymbol Parameter { get; }

    /// <summary>forward.</summary>
    public IMethodSymbol Forward { get; }

    /// <summary>forward first, then the helpers it reaches.</summary>
    public List<TranslatedBody> Bodies { get; } = [];

    /// <summary>forward's input is token indices: an Embedding is applied to it.</summary>
    public bool TokenInput { get; private set; }

    /// <summary>Builds the scope of <paramref name="forward"/> (its body <paramref name="body"/> when the caller has it bound).</summary>
    public static TranslationScope Create(IMethodSymbol symbol, MethodDeclarationSyntax forward, SemanticModel model, IOperation? body, CancellationToken cancellation)
    {
        var scope = new TranslationScope(symbol.Parameters[0], symbol);
        var operation = body ?? model.GetOperation(forward, cancellation)
                        ?? throw new UnsupportedException("forward could not be analysed (does it compile?)", forward.Identifier);
        scope.Add(new TranslatedBody(symbol, forward, operation, model));
        // Helpers: methods of the model declared in source that forward (or a helper) calls and that take or return tensors.
        for (var i = 0; i < scope.Bodies.Count; i++)
        {
            foreach (var call in scope.Bodies[i].Operation.DescendantsAndSelf().OfType<IInvocationOperation>())
            {
                var target = call.TargetMethod.OriginalDefinition;
                if (target.MethodKind != MethodKind.Ordinary || !SymbolEqualityComparer.Default.Equals(target.ContainingType, symbol.ContainingType)) continue;
                if (SymbolEqualityComparer.Default.Equals(target, symbol) || scope._helpers.Contains(target)) continue;
                if (!KnownTypes.IsTensorish(target.ReturnType) && !target.Parameters.Any(p => KnownTypes.IsTensorish(p.Type))) continue;
                if (target.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellation) is not MethodDeclarationSyntax syntax
                    || (syntax.Body is null && syntax.ExpressionBody is null))
                    continue;
                var helperModel = syntax.SyntaxTree == model.SyntaxTree ? model : model.Compilation.GetSemanticModel(syntax.SyntaxTree);
                if (helperModel.GetOperation(syntax, cancellation) is not { } helperBody) continue;
                scope._helpers.Add(target);
                scope.Add(new TranslatedBody(target, syntax, helperBody, helperModel));
            }
        }
        scope.TokenInput = scope.Bodies[0].Operation.DescendantsAndSelf().OfType<IInvocationOperation>().Any(scope.IsTokenEmbedding);
        return scope;
    }

    private void Add(TranslatedBody body)
    {
        Bodies.Add(body);
        // Syntax → operation, innermost explicit one (an implicit conversion shares its operand's syntax).
        foreach (var op in body.Operation.DescendantsAndSelf())
        {
            if (op.Syntax is null) continue;
            if (!_operations.TryGetValue(op.Syntax, out var existing) || IsWrapper(existing)) _operations[op.Syntax] = op;
        }
    }

    private static bool IsWrapper(IOperation op) => op.IsImplicit || op is IConversionOperation { IsImplicit: true } || op is IArgumentOperation or IExpressionStatementOperation;

    /// <summary>The operation bound for <paramref name="syntax"/>, or null.</summary>
    public IOperation? Operation(SyntaxNode syntax) => _operations.TryGetValue(syntax, out var op) ? op : null;

    /// <summary>True for a helper method that is translated with forward.</summary>
    public bool IsTranslated(IMethodSymbol method) =>
        _helpers.Contains(method.OriginalDefinition) || method.MethodKind == MethodKind.LocalFunction;

    /// <summary>True for a helper method (not a local function) translated with forward.</summary>
    public bool IsHelper(IMethodSymbol method) => _helpers.Contains(method.OriginalDefinition);

    /// <summary>An Embedding layer called on forward's input: where a token model's decomposition starts.</summary>
    public bool IsTokenEmbedding(IInvocationOperation call) =>
        ModuleCalls.Receiver(call) is { } receiver && KnownTypes.MetadataName(receiver.Type!) == KnownTypes.Embedding
        && call.Arguments.Length >= 1 && Unwrap(call.Arguments[0].Value) is IParameterReferenceOperation p
        && SymbolEqualityComparer.Default.Equals(p.Parameter, Parameter);

    /// <summary>The operand under implicit conversions and parentheses.</summary>
    public static IOperation Unwrap(IOperation operation) => operation switch
    {
        IConversionOperation { IsImplicit: true } c => Unwrap(c.Operand),
        IParenthesizedOperation p => Unwrap(p.Operand),
        _ => operation,
    };
}

/// <summary>Calls of modules: <c>m.forward(x)</c> or <c>m.call(x)</c> on any expression of a module type.</summary>
internal static class ModuleCalls
{
    /// <summary>The module expression called, or null when <paramref name="call"/> is not a module call.</summary>
    public static IOperation? Receiver(IInvocationOperation call)
    {
        if (call.TargetMethod.Name is not ("forward" or "call") || call.Instance is null) return null;
        var receiver = TranslationScope.Unwrap(call.Instance);
        return KnownTypes.IsModule(receiver.Type) ? receiver : null;
    }
}
