using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttrDsl.Analyzers.CodeFixes;

/// <summary>
/// ATTR004: turns the plain forward that feeds ExpectedGradients into a train-EG forward: <c>m.forward(x)</c> and
/// <c>m.call(x)</c> become <c>m.forward(x, trainEg: true)</c>; <c>forward(x, false)</c> becomes <c>forward(x, true)</c>.
/// Offered only where the diagnostic sits on the call itself (not for a helper method's return).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddTrainEgFlagCodeFixProvider)), Shared]
public sealed class AddTrainEgFlagCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("ATTR004");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.ContainsKey(TrainEgFlagAnalyzer.FixableProperty)) continue;
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not { } node) continue;
            var call = node.AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            if (call?.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "forward" or "call" }) continue;
            context.RegisterCodeFix(
                CodeAction.Create("Pass trainEg: true", ct => Fix(context.Document, call, ct), nameof(AddTrainEgFlagCodeFixProvider)),
                diagnostic);
        }
    }

    private static async Task<Document> Fix(Document document, InvocationExpressionSyntax call, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var access = (MemberAccessExpressionSyntax)call.Expression;
        var arguments = call.ArgumentList.Arguments;
        var flag = SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression);
        InvocationExpressionSyntax fixedCall;
        if (arguments.Count >= 2)
        {
            // forward(x, false) / forward(x, trainEg: false): the flag argument becomes true, its name (if any) kept.
            var old = arguments[1];
            fixedCall = call.ReplaceNode(old.Expression, flag.WithTriviaFrom(old.Expression));
        }
        else
        {
            var named = SyntaxFactory.Argument(flag).WithNameColon(SyntaxFactory.NameColon("trainEg"));
            var newAccess = access.Name.Identifier.ValueText == "call"
                ? access.WithName(SyntaxFactory.IdentifierName("forward").WithTriviaFrom(access.Name))
                : access;
            fixedCall = call.WithExpression(newAccess).WithArgumentList(call.ArgumentList.AddArguments(named));
        }
        return document.WithSyntaxRoot(root!.ReplaceNode(call, fixedCall));
    }
}
