using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttrDsl.Generators.Translation;

/// <summary>
/// Which locals and parameters are live after each statement of forward (read later before being overwritten,
/// including by a later iteration of an enclosing loop): a backward analysis over the structured body. A statement the
/// analysis does not model (switch, try) is given no entry, and its inner statements none: a layer there is no split point.
/// </summary>
internal sealed class Liveness
{
    private readonly SemanticModel _model;
    private readonly CancellationToken _cancellation;
    private readonly Dictionary<StatementSyntax, HashSet<ISymbol>> _after = new();
    private readonly Dictionary<IMethodSymbol, HashSet<ISymbol>> _captured = new(SymbolEqualityComparer.Default);

    private Liveness(SemanticModel model, CancellationToken cancellation) => (_model, _cancellation) = (model, cancellation);

    /// <summary>Analyses <paramref name="body"/> (forward's block).</summary>
    public static Liveness Analyze(BlockSyntax body, SemanticModel model, CancellationToken cancellation)
    {
        var l = new Liveness(model, cancellation);
        foreach (var local in body.DescendantNodes().OfType<LocalFunctionStatementSyntax>())
            if (model.GetDeclaredSymbol(local, cancellation) is IMethodSymbol symbol)
                l._captured[symbol] = new HashSet<ISymbol>(l.Reads(local.Body ?? (SyntaxNode?)local.ExpressionBody ?? local), SymbolEqualityComparer.Default);
        l._after[body] = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        l.Block(body.Statements, new HashSet<ISymbol>(SymbolEqualityComparer.Default), new Jumps(null, null));
        return l;
    }

    /// <summary>The variables live after <paramref name="statement"/>, or null when the analysis did not model it.</summary>
    public HashSet<ISymbol>? After(StatementSyntax statement) => _after.TryGetValue(statement, out var live) ? live : null;

    private sealed record Jumps(HashSet<ISymbol>? Break, HashSet<ISymbol>? Continue);

    private HashSet<ISymbol> Block(SyntaxList<StatementSyntax> statements, HashSet<ISymbol> liveOut, Jumps jumps)
    {
        var live = liveOut;
        for (var i = statements.Count - 1; i >= 0; i--) live = Statement(statements[i], live, jumps);
        return live;
    }

    private HashSet<ISymbol> Statement(StatementSyntax statement, HashSet<ISymbol> liveOut, Jumps jumps)
    {
        _cancellation.ThrowIfCancellationRequested();
        _after[statement] = new HashSet<ISymbol>(liveOut, SymbolEqualityComparer.Default);
        switch (statement)
        {
            case BlockSyntax block:
                return Block(block.Statements, liveOut, jumps);
            case LocalDeclarationStatementSyntax declaration:
            {
                var live = Copy(liveOut);
                foreach (var v in declaration.Declaration.Variables)
                    if (_model.GetDeclaredSymbol(v, _cancellation) is { } local) live.Remove(local);
                live.UnionWith(Reads(declaration));
                return live;
            }
            case ExpressionStatementSyntax expression:
            {
                var live = Copy(liveOut);
                foreach (var target in Defined(expression.Expression)) live.Remove(target);
                live.UnionWith(Reads(expression, skipDefinedTargets: true));
                return live;
            }
            case ReturnStatementSyntax or ThrowStatementSyntax:
                return Reads(statement);
            case BreakStatementSyntax:
                return Copy(jumps.Break ?? liveOut);
            case ContinueStatementSyntax:
                return Copy(jumps.Continue ?? liveOut);
            case IfStatementSyntax branch:
            {
                var live = Statement(branch.Statement, liveOut, jumps);
                live.UnionWith(branch.Else is { } e ? Statement(e.Statement, liveOut, jumps) : liveOut);
                live.UnionWith(Reads(branch.Condition));
                return live;
            }
            case WhileStatementSyntax loop:
                return Loop(liveOut, jumps, loop.Statement, head => Union(Reads(loop.Condition), head));
            case DoStatementSyntax loop:
                return Loop(liveOut, jumps, loop.Statement, head => Union(Reads(loop.Condition), head));
            case ForStatementSyntax loop:
            {
                var live = Loop(liveOut, jumps, loop.Statement, head =>
                {
                    var h = Copy(head);
                    foreach (var incrementor in loop.Incrementors) h.UnionWith(Reads(incrementor));
                    if (loop.Condition is { } c) h.UnionWith(Reads(c));
                    return h;
                });
                if (loop.Declaration is { } d)
                {
                    foreach (var v in d.Variables)
                        if (_model.GetDeclaredSymbol(v, _cancellation) is { } local) live.Remove(local);
                    live.UnionWith(Reads(d));
                }
                foreach (var initializer in loop.Initializers) live.UnionWith(Reads(initializer));
                return live;
            }
            case ForEachStatementSyntax loop:
            {
                var variable = _model.GetDeclaredSymbol(loop, _cancellation);
                var live = Loop(liveOut, jumps, loop.Statement, head => head, variable);
                live.UnionWith(Reads(loop.Expression));
                return live;
            }
            case UsingStatementSyntax { Statement: var inner } usingStatement:
            {
                var live = Statement(inner, liveOut, jumps);
                live.UnionWith(usingStatement.Expression is { } e ? Reads(e) : usingStatement.Declaration is { } d ? Reads(d) : []);
                return live;
            }
            case LocalFunctionStatementSyntax or EmptyStatementSyntax:
                return Copy(liveOut);
            default:
                // Not modelled: everything it reads is live before it, and nothing inside it is a split point.
                _after.Remove(statement);
                return Union(Reads(statement), liveOut);
        }
    }

    // head(liveAtBodyStart ∪ liveOut) is what is live before the loop's test; iterated to a fixpoint.
    private HashSet<ISymbol> Loop(HashSet<ISymbol> liveOut, Jumps jumps, StatementSyntax body, System.Func<HashSet<ISymbol>, HashSet<ISymbol>> test, ISymbol? variable = null)
    {
        var head = test(liveOut);
        for (var i = 0; i < 10; i++)
        {
            var bodyIn = Statement(body, head, new Jumps(liveOut, head));
            if (variable is not null) bodyIn.Remove(variable);
            var next = test(Union(liveOut, bodyIn));
            if (next.SetEquals(head)) break;
            head = next;
        }
        return head;
    }

    private HashSet<ISymbol> Reads(SyntaxNode node, bool skipDefinedTargets = false)
    {
        var reads = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var name in node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
        {
            if (skipDefinedTargets && name.Parent is AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } a && a.Left == name) continue;
            var symbol = _model.GetSymbolInfo(name, _cancellation).Symbol;
            if (symbol is ILocalSymbol or IParameterSymbol) reads.Add(symbol);
            else if (symbol is IMethodSymbol { MethodKind: MethodKind.LocalFunction } f && _captured.TryGetValue(f, out var captured)) reads.UnionWith(captured);
        }
        return reads;
    }

    // Locals an expression statement overwrites: v = ..., (a, b) = ..., var (a, b) = ...
    private IEnumerable<ISymbol> Defined(ExpressionSyntax expression)
    {
        if (expression is not AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assignment) yield break;
        foreach (var node in assignment.Left.DescendantNodesAndSelf())
        {
            var symbol = node switch
            {
                IdentifierNameSyntax name when assignment.Left == name || assignment.Left is TupleExpressionSyntax => _model.GetSymbolInfo(name, _cancellation).Symbol,
                SingleVariableDesignationSyntax designation => _model.GetDeclaredSymbol(designation, _cancellation),
                _ => null,
            };
            if (symbol is ILocalSymbol or IParameterSymbol) yield return symbol;
        }
    }

    private static HashSet<ISymbol> Copy(HashSet<ISymbol> set) => new(set, SymbolEqualityComparer.Default);

    private static HashSet<ISymbol> Union(HashSet<ISymbol> a, IEnumerable<ISymbol> b)
    {
        var u = Copy(a);
        u.UnionWith(b);
        return u;
    }
}
