using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AttrDsl.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AttrDsl.Generators.Translation;

/// <summary>
/// The layer map's interpretation of forward: plain tensors, with every split point instrumented. A split point is a
/// module call after which only its result (through a chain of operations on it alone) depends on the input, outside
/// any branch or loop taken on the input; a call in a loop is a split point once per iteration.
/// <para>
/// The rewritten body runs under a <c>LayerRun</c>: it runs forward up to a split point and keeps its output
/// (ForwardTo), or resumes forward at one with a given activation (ForwardFrom) — every statement that reads the input
/// is skipped while the run is before (resuming) or after (capturing) its split point, and the rest (configuration,
/// loop counters, constants) runs as written, so the resumed forward is the user's forward exactly.
/// </para>
/// </summary>
internal sealed class LayerRunRewriter : CSharpSyntaxRewriter
{
    /// <summary>The name of the run parameter in the rewritten body.</summary>
    public const string Run = "__run";

    private readonly TranslationScope _scope;
    private readonly Dependence _input;
    private readonly SemanticModel _model;
    private readonly CancellationToken _cancellation;
    private readonly Dictionary<SyntaxNode, int> _sites = new();            // module call → site number
    private readonly Dictionary<SyntaxNode, List<int>> _statements = new();  // statement (or arrow body) → its sites
    private readonly List<LayerSpec> _layers = [];

    private LayerRunRewriter(TranslationScope scope, Dependence input, SemanticModel model, CancellationToken cancellation) =>
        (_scope, _input, _model, _cancellation) = (scope, input, model, cancellation);

    /// <summary>The instrumented body (a block) and the split points of forward.</summary>
    public static (string Body, List<LayerSpec> Layers) Rewrite(TranslationScope scope, MethodDeclarationSyntax forward, SemanticModel model, CancellationToken cancellation)
    {
        var input = Dependence.Analyze(DependenceKind.Input, scope, cancellation);
        var r = new LayerRunRewriter(scope, input, model, cancellation);
        if (forward.Body is { } block)
        {
            r.FindSites(block, Liveness.Analyze(block, model, cancellation));
            return (r.Visit(block)!.ToFullString(), r._layers);
        }
        // An arrow body is one return: its split points are the calls on the returned value's path.
        var arrow = forward.ExpressionBody!;
        r.FindSites(arrow, null);
        var value = arrow.Expression;
        var text = r._statements.TryGetValue(arrow, out var sites)
            ? Conditional($"{Run}.Enter({string.Join(", ", sites)})", ((ArrowExpressionClauseSyntax)r.Instrument(arrow)).Expression, whenTrue: true).ToFullString()
            : r.Reads(value) ? Conditional($"{Run}.Skipping", value, whenTrue: false).ToFullString() : value.ToFullString();
        return ("{ return " + text.Trim() + "; }", r._layers);
    }

    // ---- split points ---------------------------------------------------------------------------------------------

    private void FindSites(SyntaxNode body, Liveness? liveness)
    {
        var names = new Dictionary<string, int>();
        var calls = ModuleCallCounts(body);
        foreach (var invocation in body.DescendantNodes(n => n is not (LocalFunctionStatementSyntax or LambdaExpressionSyntax or AnonymousMethodExpressionSyntax)).OfType<InvocationExpressionSyntax>())
        {
            if (_scope.Operation(invocation) is not IInvocationOperation call || ModuleCalls.Receiver(call) is not { } module) continue;
            if (!KnownTypes.IsTensor(call.Type) || !IsSplitPoint(call, liveness, out var statement)) continue;
            var site = _layers.Count;
            var name = LayerName(module);
            names[name] = names.TryGetValue(name, out var n) ? n + 1 : 1;
            if (names[name] > 1) name += "_call" + names[name];
            _sites[invocation] = site;
            if (!_statements.TryGetValue(statement, out var list)) _statements[statement] = list = [];
            list.Add(site);
            var inLoop = InLoop(statement);
            var (path, noPath) = ModulePath(module, inLoop, calls);
            _layers.Add(new LayerSpec(name, site, inLoop, module.Type!.ToDisplayString(), path, noPath));
        }
    }

    /// <summary>How many module calls in forward (lambdas included: they may run too) have each member of the model as their module.</summary>
    private Dictionary<ISymbol, int> ModuleCallCounts(SyntaxNode body)
    {
        var counts = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
        foreach (var invocation in body.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            if (_scope.Operation(invocation) is not IInvocationOperation call || ModuleCalls.Receiver(call) is not { } module || MemberOfModel(module) is not { } member) continue;
            counts[member] = counts.TryGetValue(member, out var n) ? n + 1 : 1;
        }
        return counts;
    }

    /// <summary>The field or (non-indexer) property of the model itself that <paramref name="module"/> reads, or null.</summary>
    private static ISymbol? MemberOfModel(IOperation module) => module switch
    {
        IFieldReferenceOperation { Instance: IInstanceReferenceOperation, Field: var f } => f,
        IPropertyReferenceOperation { Instance: IInstanceReferenceOperation, Property: { IsIndexer: false } p } => p,
        _ => null,
    };

    /// <summary>
    /// The module path of a split point's module, for the layer methods that read the layer at its module (layer
    /// DeepLift, layer LRP), or why it has none. TorchSharp's RegisterComponents names a field's module by the field's
    /// name or its [ComponentName] attribute; a property is taken by its name (registered with register_module).
    /// A module forward calls at several sites or in a loop runs more than once, so its path names no single activation.
    /// </summary>
    private static (string? Path, string? NoPath) ModulePath(IOperation module, bool inLoop, Dictionary<ISymbol, int> calls)
    {
        if (inLoop) return (null, "its module is called in a loop, once per iteration");
        if (MemberOfModel(module) is not { } member)
            return (null, "its module is not a field or property of the model (a local, a list element or a method's result), so it has no module path known before forward runs");
        if (calls.TryGetValue(member, out var n) && n > 1) return (null, $"its module {member.Name} is called at {n} places in forward");
        var named = member.GetAttributes().FirstOrDefault(a => a.AttributeClass is { Name: "ComponentNameAttribute" });
        var path = named?.NamedArguments.FirstOrDefault(a => a.Key == "Name").Value.Value as string
            ?? (named?.ConstructorArguments.Length == 1 ? named.ConstructorArguments[0].Value as string : null);
        return (string.IsNullOrEmpty(path) ? member.Name : path, null);
    }

    private bool IsSplitPoint(IInvocationOperation call, Liveness? liveness, out SyntaxNode statement)
    {
        statement = null!;
        // The path from the call to its statement: operations on the call's value alone.
        IOperation current = call;
        while (current.Parent is { } parent && parent is not (IExpressionStatementOperation or IReturnOperation or IVariableInitializerOperation))
        {
            if (parent is IArgumentOperation) { current = parent; continue; }
            if (parent is ISimpleAssignmentOperation assignment)
            {
                if (!ReferenceEquals(assignment.Value, current) || assignment.Target is not (ILocalReferenceOperation or IParameterReferenceOperation)) return false;
                current = parent;
                break;
            }
            if (!KnownTypes.IsTensorish(parent.Type)) return false;
            foreach (var other in parent.ChildOperations)
                if (!ReferenceEquals(other, current) && _input.Of(other)) return false;
            current = parent;
        }
        if (liveness is null)
        {
            // An arrow body: the path ends at the returned value, and nothing runs after it.
            statement = current.Syntax.FirstAncestorOrSelf<ArrowExpressionClauseSyntax>()!;
            return statement is not null;
        }
        if (current.Syntax.FirstAncestorOrSelf<StatementSyntax>() is not { } s) return false;
        statement = s;
        ISymbol? target;
        switch (s)
        {
            case ReturnStatementSyntax: target = null; break;
            case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax a }: target = _model.GetSymbolInfo(a.Left, _cancellation).Symbol; break;
            case LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1 } d: target = _model.GetDeclaredSymbol(d.Declaration.Variables[0], _cancellation); break;
            default: return false;
        }
        if (target is not null and not (ILocalSymbol or IParameterSymbol) || s is not ReturnStatementSyntax && target is null) return false;
        // Not under a branch or loop whose condition reads the input, nor in a construct the liveness does not model.
        for (var node = s.Parent; node is not null and not MethodDeclarationSyntax; node = node.Parent)
        {
            var condition = node switch
            {
                IfStatementSyntax i => i.Condition,
                WhileStatementSyntax w => w.Condition,
                DoStatementSyntax d => d.Condition,
                ForStatementSyntax f => f.Condition,
                ForEachStatementSyntax f => f.Expression,
                SwitchStatementSyntax sw => sw.Expression,
                _ => null,
            };
            if (condition is not null && _scope.Operation(condition) is { } c && _input.Of(c)) return false;
            if (node is ForStatementSyntax { Declaration: { } decl } && decl.Variables.Any(v => v.Initializer is { } init && _scope.Operation(init.Value) is { } iv && _input.Of(iv))) return false;
            if (node is StatementSyntax inner && liveness.After(inner) is null) return false;
        }
        if (liveness.After(s) is not { } live) return false;
        // After it, nothing else that depends on the input is still needed.
        return live.All(v => SymbolEqualityComparer.Default.Equals(v, target) || !_input.Contains(v));
    }

    private static bool InLoop(SyntaxNode statement) =>
        statement.Ancestors().TakeWhile(a => a is not MethodDeclarationSyntax).Any(a => a is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or ForEachStatementSyntax);

    // conv1, blocks (for blocks[i] and for a loop variable over blocks), layers_2 for layers[2].
    private string LayerName(IOperation module)
    {
        switch (module)
        {
            case IFieldReferenceOperation f: return f.Field.Name;
            case IPropertyReferenceOperation { Property.IsIndexer: false } p: return p.Property.Name;
            case IPropertyReferenceOperation { Instance: { } collection } indexer:
                var index = indexer.Arguments.Length == 1 && indexer.Arguments[0].Value.ConstantValue is { HasValue: true, Value: { } v } ? "_" + v : "";
                return LayerName(TranslationScope.Unwrap(collection)) + index;
            case IArrayElementReferenceOperation { ArrayReference: var array }:
                return LayerName(TranslationScope.Unwrap(array));
            case ILocalReferenceOperation l:
                if (l.Local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellation) is ForEachStatementSyntax loop && _scope.Operation(loop.Expression) is { } loopCollection)
                    return LayerName(TranslationScope.Unwrap(loopCollection));
                return l.Local.Name;
            case IInvocationOperation { Instance: { } instance }:
                return LayerName(TranslationScope.Unwrap(instance));
            default:
                return "layer";
        }
    }

    // ---- the instrumented body ------------------------------------------------------------------------------------

    public override SyntaxNode? VisitLocalFunctionStatement(LocalFunctionStatementSyntax node) => node;

    public override SyntaxNode? VisitExpressionStatement(ExpressionStatementSyntax node)
    {
        // var (a, b) = ...: declares locals, so it cannot sit under an if; its value is skipped instead.
        var declares = node.Expression is AssignmentExpressionSyntax { Left: var left } && left.DescendantNodesAndSelf().Any(n => n is DeclarationExpressionSyntax);
        if (_statements.TryGetValue(node, out var sites))
        {
            if (!declares) return Guarded(node, $"{Run}.Enter({string.Join(", ", sites)})", Instrument(node));
            var instrumented = (ExpressionStatementSyntax)Instrument(node);
            var assignment = (AssignmentExpressionSyntax)instrumented.Expression;
            return instrumented.WithExpression(assignment.WithRight(Conditional($"{Run}.Enter({string.Join(", ", sites)})", assignment.Right, whenTrue: true)));
        }
        if (!Reads(node)) return node;
        if (declares && node.Expression is AssignmentExpressionSyntax a)
            return node.WithExpression(a.WithRight(Conditional($"{Run}.Skipping", a.Right, whenTrue: false)));
        return Guarded(node, $"!{Run}.Skipping", node);
    }

    public override SyntaxNode? VisitLocalDeclarationStatement(LocalDeclarationStatementSyntax node)
    {
        if (_statements.TryGetValue(node, out var sites))
        {
            var instrumented = (LocalDeclarationStatementSyntax)Instrument(node);
            var v = instrumented.Declaration.Variables[0];
            return instrumented.ReplaceNode(v.Initializer!.Value, Conditional($"{Run}.Enter({string.Join(", ", sites)})", v.Initializer.Value, whenTrue: true));
        }
        if (!Reads(node)) return node;
        return node.ReplaceNodes(node.Declaration.Variables.Where(v => v.Initializer is not null && Reads(v.Initializer.Value)).Select(v => v.Initializer!.Value),
            (original, _) => Conditional($"{Run}.Skipping", original, whenTrue: false));
    }

    public override SyntaxNode? VisitReturnStatement(ReturnStatementSyntax node)
    {
        if (node.Expression is null) return node;
        if (_statements.TryGetValue(node, out var sites))
        {
            var instrumented = (ReturnStatementSyntax)Instrument(node);
            return instrumented.WithExpression(Conditional($"{Run}.Enter({string.Join(", ", sites)})", instrumented.Expression!, whenTrue: true));
        }
        return Reads(node) ? node.WithExpression(Conditional($"{Run}.Skipping", node.Expression, whenTrue: false)) : node;
    }

    public override SyntaxNode? VisitIfStatement(IfStatementSyntax node) => Compound(node, node.Condition) ?? base.VisitIfStatement(node);

    public override SyntaxNode? VisitWhileStatement(WhileStatementSyntax node) => Compound(node, node.Condition) ?? base.VisitWhileStatement(node);

    public override SyntaxNode? VisitDoStatement(DoStatementSyntax node) => Compound(node, node.Condition) ?? base.VisitDoStatement(node);

    public override SyntaxNode? VisitForStatement(ForStatementSyntax node) =>
        (Reads(node.Condition) || node.Declaration is { } d && Reads(d) || node.Incrementors.Any(Reads) || node.Initializers.Any(Reads) ? Guarded(node, $"!{Run}.Skipping", node) : null)
        ?? base.VisitForStatement(node);

    public override SyntaxNode? VisitForEachStatement(ForEachStatementSyntax node) => Compound(node, node.Expression) ?? base.VisitForEachStatement(node);

    public override SyntaxNode? VisitSwitchStatement(SwitchStatementSyntax node) => Reads(node) ? Guarded(node, $"!{Run}.Skipping", node) : node;

    public override SyntaxNode? VisitTryStatement(TryStatementSyntax node) => Reads(node) ? Guarded(node, $"!{Run}.Skipping", node) : node;

    public override SyntaxNode? VisitThrowStatement(ThrowStatementSyntax node) => Reads(node) ? Guarded(node, $"!{Run}.Skipping", node) : node;

    public override SyntaxNode? VisitUsingStatement(UsingStatementSyntax node) =>
        (node.Expression is { } e && Reads(e) || node.Declaration is { } d && Reads(d) ? Guarded(node, $"!{Run}.Skipping", node) : null) ?? base.VisitUsingStatement(node);

    // A branch or loop on the input: skipped as a whole while the run skips (no split point can be inside it).
    private SyntaxNode? Compound(StatementSyntax node, SyntaxNode? condition) => condition is not null && Reads(condition) ? Guarded(node, $"!{Run}.Skipping", node) : null;

    private bool Reads(SyntaxNode? node)
    {
        if (node is null) return false;
        foreach (var n in node.DescendantNodesAndSelf())
        {
            if (n is not ExpressionSyntax e || _scope.Operation(e) is not { } op) continue;
            if (op is ILocalReferenceOperation or IParameterReferenceOperation or IInvocationOperation && _input.Of(op)) return true;
        }
        return false;
    }

    // The statement with each of its split points' calls reporting to the run: site(id, skip ? default : m.call(x)).
    private SyntaxNode Instrument(SyntaxNode statement)
    {
        var calls = statement.DescendantNodes().OfType<InvocationExpressionSyntax>().Where(_sites.ContainsKey).ToList();
        return statement.ReplaceNodes(calls, (original, rewritten) =>
        {
            var inner = calls.Where(c => c != original && original.Span.Contains(c.Span)).Select(c => _sites[c]).ToList();
            var skips = $"{Run}.Skips({string.Join(", ", inner)})";
            var text = $"{Run}.Site({_sites[original]}, {skips} ? default! : {rewritten.WithoutTrivia().ToFullString()})";
            return SyntaxFactory.ParseExpression(text).WithTriviaFrom(original);
        });
    }

    private static ExpressionSyntax Conditional(string condition, ExpressionSyntax value, bool whenTrue)
    {
        var text = whenTrue ? $"{condition} ? {value.WithoutTrivia().ToFullString()} : default!" : $"{condition} ? default! : {value.WithoutTrivia().ToFullString()}";
        return SyntaxFactory.ParseExpression(text).WithTriviaFrom(value);
    }

    private static StatementSyntax Guarded(StatementSyntax original, string condition, SyntaxNode statement)
    {
        var inner = ((StatementSyntax)statement).WithoutLeadingTrivia().WithoutTrailingTrivia();
        return SyntaxFactory.ParseStatement($"if ({condition}) {inner.ToFullString()}")
            .WithLeadingTrivia(original.GetLeadingTrivia()).WithTrailingTrivia(original.GetTrailingTrivia());
    }
}
