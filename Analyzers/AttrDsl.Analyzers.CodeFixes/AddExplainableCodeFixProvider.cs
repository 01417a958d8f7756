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

/// <summary>ATTR006: adds <c>[Explainable]</c> to a class that declares priors without it.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddExplainableCodeFixProvider)), Shared]
public sealed class AddExplainableCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("ATTR006");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan).AncestorsAndSelf().OfType<AttributeListSyntax>().FirstOrDefault() is not { } list) continue;
            context.RegisterCodeFix(
                CodeAction.Create("Add [Explainable]", ct => Fix(context.Document, list, ct), nameof(AddExplainableCodeFixProvider)),
                diagnostic);
        }
    }

    private static async Task<Document> Fix(Document document, AttributeListSyntax priors, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var explainable = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("Explainable"))))
            .WithLeadingTrivia(priors.GetLeadingTrivia())
            .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"));
        var indentation = priors.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).LastOrDefault();
        var newRoot = root!.ReplaceNode(priors, new SyntaxNode[]
        {
            explainable,
            priors.WithLeadingTrivia(indentation == default ? SyntaxFactory.TriviaList() : SyntaxFactory.TriviaList(indentation)),
        });
        return document.WithSyntaxRoot(newRoot);
    }
}
