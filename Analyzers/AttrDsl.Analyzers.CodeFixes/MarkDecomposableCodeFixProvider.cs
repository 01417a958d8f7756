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

/// <summary>ATTR008: marks the user module used as a layer <c>[Decomposable]</c> and makes it partial (in whichever file declares it).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MarkDecomposableCodeFixProvider)), Shared]
public sealed class MarkDecomposableCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("ATTR008");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var compilation = await context.Document.Project.GetCompilationAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(ForwardAnalyzer.BlockTypeProperty, out var name) || name is null) continue;
            if (compilation?.GetTypeByMetadataName(name) is not { } block || block.DeclaringSyntaxReferences.Length == 0) continue;
            context.RegisterCodeFix(
                CodeAction.Create($"Mark '{block.Name}' [Decomposable]", ct => Fix(context.Document.Project.Solution, block, ct), nameof(MarkDecomposableCodeFixProvider)),
                diagnostic);
        }
    }

    private static async Task<Solution> Fix(Solution solution, INamedTypeSymbol block, CancellationToken ct)
    {
        var first = true;
        foreach (var reference in block.DeclaringSyntaxReferences)
        {
            var document = solution.GetDocument(reference.SyntaxTree);
            if (document is null || await reference.GetSyntaxAsync(ct).ConfigureAwait(false) is not TypeDeclarationSyntax declaration) continue;
            var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            var updated = MakePartialCodeFixProvider.MakePartial(declaration);
            if (first)
            {
                // One [Decomposable] on the first declaration, on its own line with the declaration's indentation.
                var attribute = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("Decomposable"))));
                var leading = updated.GetLeadingTrivia();
                var indentation = leading.Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).LastOrDefault();
                attribute = attribute.WithLeadingTrivia(leading).WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"));
                updated = updated.WithoutLeadingTrivia().WithLeadingTrivia(indentation == default ? SyntaxFactory.TriviaList() : SyntaxFactory.TriviaList(indentation))
                    .WithAttributeLists(updated.AttributeLists.Insert(0, attribute));
                first = false;
            }
            solution = solution.WithDocumentSyntaxRoot(document.Id, root!.ReplaceNode(declaration, updated));
        }
        return solution;
    }
}
