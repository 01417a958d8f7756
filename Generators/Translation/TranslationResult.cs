using AttrDsl.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace AttrDsl.Generators.Translation;

/// <summary>
/// The outcome of translating forward: the translation, or the first construct with no rule and where it is. The
/// generator keeps only <see cref="Forward"/> (a missing member); the analyzers report <see cref="Problem"/> at <see cref="Span"/>.
/// </summary>
internal sealed class TranslationResult
{
    private TranslationResult(ForwardSpec? forward, string? problem, TextSpan span, SyntaxTree? tree, string? undecomposableType) =>
        (Forward, Problem, Span, Tree, UndecomposableType) = (forward, problem, span, tree, undecomposableType);

    public ForwardSpec? Forward { get; }

    public string? Problem { get; }

    public TextSpan Span { get; }

    /// <summary>The tree holding <see cref="Span"/>: forward's, or a helper's in another file.</summary>
    public SyntaxTree? Tree { get; }

    /// <summary>When the problem is a user module used as a layer without [Decomposable]: its metadata name (the fix marks it).</summary>
    public string? UndecomposableType { get; }

    public static TranslationResult Success(ForwardSpec forward) => new(forward, null, default, null, null);

    public static TranslationResult Failure(string problem, TextSpan span, SyntaxTree? tree, string? undecomposableType = null) => new(null, problem, span, tree, undecomposableType);
}
