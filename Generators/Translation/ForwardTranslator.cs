using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AttrDsl.Generators.Helpers;
using AttrDsl.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AttrDsl.Generators.Translation;

/// <summary>
/// Translates a model's <c>forward(Tensor x)</c>: the contextual decomposition is forward itself interpreted over
/// decompositions (<see cref="DecompositionRewriter"/>, with the helper methods it calls), and the layer map is
/// forward interpreted as a run that stops at or resumes from a split point (<see cref="LayerRunRewriter"/>). Both keep
/// the user's statements, control flow and non-tensor code. The first construct without a rule ends the translation
/// with a <see cref="TranslationResult.Failure"/>.
/// </summary>
internal static class ForwardTranslator
{
    /// <summary>Where the rule table's name goes in translated code (an emitter picks the interpretation).</summary>
    public const string RulesPlaceholder = "__AttrDslRules__";

    /// <summary>Where the value type's name goes in translated code.</summary>
    public const string ValuePlaceholder = "__AttrDslValue__";

    // Blocks being translated on this thread (a block's check translates the block; a cycle is not followed twice).
    [ThreadStatic] private static HashSet<ITypeSymbol>? inProgress;

    /// <summary>Translates <paramref name="forward"/>, a method <c>Tensor forward(Tensor x)</c>.</summary>
    /// <param name="forward">forward's declaration.</param>
    /// <param name="model">The semantic model of its tree.</param>
    /// <param name="cancellation">Cancels the translation.</param>
    /// <param name="body">forward's operation tree when the caller has it (an analyzer's operation action), else it is asked for.</param>
    public static TranslationResult Translate(MethodDeclarationSyntax forward, SemanticModel model, CancellationToken cancellation, IOperation? body = null)
    {
        var previous = currentCompilation;
        currentCompilation = model.Compilation;
        try
        {
            return TranslationResult.Success(Run(forward, model, cancellation, body));
        }
        catch (UnsupportedException e)
        {
            return TranslationResult.Failure(e.Message, e.Span, e.Tree, e.UndecomposableType);
        }
        finally
        {
            currentCompilation = previous;
        }
    }

    private static ForwardSpec Run(MethodDeclarationSyntax forward, SemanticModel model, CancellationToken cancellation, IOperation? body)
    {
        if (forward.ParameterList.Parameters.Count != 1 || model.GetDeclaredSymbol(forward, cancellation) is not IMethodSymbol { Parameters.Length: 1 } symbol)
            throw new UnsupportedException("forward must take exactly one Tensor", forward.ParameterList);
        if (forward.Body is null && forward.ExpressionBody is null) throw new UnsupportedException("forward has no body", forward);
        if (symbol.IsAsync || symbol.IsIterator() || forward.Modifiers.Any(m => m.ValueText == "unsafe"))
            throw new UnsupportedException("forward must be a plain method (not async, an iterator or unsafe) to be translated", forward.Identifier);

        var scope = TranslationScope.Create(symbol, forward, model, body, cancellation);
        var data = Dependence.Analyze(DependenceKind.Data, scope, cancellation);
        var used = new HashSet<string>(scope.Bodies.SelectMany(b => b.Syntax.DescendantTokens()).Where(t => t.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        var mask = Literals.Fresh("mask", used);

        // The decomposition: forward's body and the helpers that receive or return decomposed values.
        var rewriter = new DecompositionRewriter(scope, data, model, mask, returnsValue: true, cancellation);
        var cdBody = forward.Body is { } block
            ? rewriter.Visit(block)!.ToFullString()
            : "{ return " + rewriter.ReturnValue(forward.ExpressionBody!.Expression) + "; }";
        var helpers = new List<HelperSpec>();
        foreach (var helper in scope.Bodies.Skip(1))
        {
            if (!data.Contains(helper.Method) && !helper.Method.Parameters.Any(p => data.Contains(p))) continue;
            var text = new DecompositionRewriter(scope, data, helper.Model, mask, data.Contains(helper.Method), cancellation).Helper(helper.Syntax, helper.Method);
            helpers.Add(new HelperSpec(helper.Syntax.SyntaxTree.FilePath, Line(helper.Syntax.ReturnType), text));
        }

        // The layer map.
        var (layerBody, layers) = LayerRunRewriter.Rewrite(scope, forward, model, cancellation);

        var usings = scope.Bodies.Select(b => b.Syntax.SyntaxTree).Distinct()
            .SelectMany(t => t.GetRoot(cancellation).DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax).OfType<UsingDirectiveSyntax>())
            .Select(u => u.WithoutTrivia().ToFullString()).Distinct().ToEquatableArray();
        var bodyLine = forward.Body is { } b2 ? Line(b2) : Line(forward.ExpressionBody!.Expression);
        return new ForwardSpec(Literals.Identifier(symbol.Parameters[0].Name), forward.SyntaxTree.FilePath, scope.TokenInput, mask, bodyLine,
            cdBody, helpers.ToEquatableArray(), layerBody, layers.ToEquatableArray(), usings, FirstLayerType(scope));
    }

    /// <summary>
    /// Checks that a module called on a decomposed value can be decomposed: a layer the runtime has a rule for, a
    /// container, a block that decomposes itself (whose own translation must then succeed), or a module whose type is only
    /// known at run time. A user's block without [Decomposable] or a library module without a rule is a problem here.
    /// </summary>
    public static void CheckModuleType(ITypeSymbol type, SyntaxNode call)
    {
        var name = KnownTypes.MetadataName(type);
        if (KnownTypes.Layers.Contains(name) || name.StartsWith("TorchSharp.Modules.ModuleList", StringComparison.Ordinal)) return;
        if (name is KnownTypes.Module or "TorchSharp.torch.nn.Module`2" or "TorchSharp.torch.nn.Module`1") return;   // known at run time only
        if (KnownTypes.DecomposesItself(type))
        {
            CheckBlockTranslates(type, call);
            return;
        }
        if (type.Locations.Any(l => l.IsInSource))
            throw new UnsupportedException($"the module called here is a {type.Name} with no decomposition: mark the class {type.Name} [Decomposable] (and partial) so its forward is translated too", call)
                { UndecomposableType = name };
        // A module of another library (TorchVision's, a package's) may have a rule in the runtime's registry, built in or
        // registered by the user at run time: its call is left to the registry, which names the module if it has none.
        if (type.ContainingAssembly?.Name != KnownTypes.TorchSharpAssembly) return;
        throw new UnsupportedException($"the module {type.ToDisplayString()} has no contextual-decomposition rule", call);
    }

    // A [Decomposable] or [Explainable] block in source whose Decompose is generated: its forward must translate, or the
    // model's decomposition would fail at run time. (A hand-written IDecomposable is the user's own responsibility.)
    private static void CheckBlockTranslates(ITypeSymbol type, SyntaxNode call)
    {
        if (type is not INamedTypeSymbol named || !named.Locations.Any(l => l.IsInSource)) return;
        if (named.GetMembers("Decompose").OfType<IMethodSymbol>().Any(m => m.Parameters.Length == 1 && !m.IsImplicitlyDeclared && m.DeclaringSyntaxReferences.Length > 0 && !IsGenerated(m)))
            return;
        var forward = named.GetMembers("forward").OfType<IMethodSymbol>().FirstOrDefault(m => m.Parameters.Length == 1 && KnownTypes.IsTensor(m.Parameters[0].Type));
        if (forward?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is not MethodDeclarationSyntax syntax) return;
        var set = inProgress ??= new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        if (!set.Add(named)) return;
        try
        {
            if (currentCompilation is not { } compilation) return;
            var result = Translate(syntax, compilation.GetSemanticModel(syntax.SyntaxTree), CancellationToken.None);
            if (result.Forward is null)
                throw new UnsupportedException($"the block {named.Name} called here cannot be decomposed: its forward has a construct with no rule ({result.Problem})", call);
            if (result.Forward.TokenInput)
                throw new UnsupportedException($"the block {named.Name} takes token indices; a block called on a decomposed value must take real-valued inputs", call);
        }
        finally { set.Remove(named); }
    }

    // The compilation of the translation running on this thread (a block's forward is translated in it).
    [ThreadStatic] private static Compilation? currentCompilation;

    private static bool IsGenerated(IMethodSymbol method) =>
        method.GetAttributes().Any(a => a.AttributeClass?.Name == "GeneratedCodeAttribute")
        || method.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.EndsWith(".g.cs", StringComparison.OrdinalIgnoreCase));

    // The first module forward applies to its input, in evaluation order (the analyzers check priors against it).
    private static string? FirstLayerType(TranslationScope scope)
    {
        foreach (var op in scope.Bodies[0].Operation.DescendantsAndSelf())
        {
            if (op is IInvocationOperation call && ModuleCalls.Receiver(call) is { } module && call.Arguments.Length >= 1
                && TranslationScope.Unwrap(call.Arguments[0].Value) is IParameterReferenceOperation p
                && SymbolEqualityComparer.Default.Equals(p.Parameter, scope.Parameter))
                return KnownTypes.MetadataName(module.Type!);
        }
        return null;
    }

    private static int Line(SyntaxNode node) => node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

    private static bool IsIterator(this IMethodSymbol method) =>
        method.DeclaringSyntaxReferences.Any(r => r.GetSyntax().DescendantNodes().Any(n => n is YieldStatementSyntax));
}
