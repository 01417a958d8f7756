using AttrDsl.Generators.Model;
using Microsoft.CodeAnalysis.Text;

namespace AttrDsl.Generators.Translation;

/// <summary>
/// The outcome of translating forward: the operations, or the first construct with no rule and where it is. The
/// generator keeps only <see cref="Forward"/> (a missing member); the analyzers report <see cref="Problem"/> at <see cref="Span"/>.
/// </summary>
internal sealed class TranslationResult
{
    private TranslationResult(ForwardSpec? forward, string? problem, TextSpan span, string? undecomposableType) =>
        (Forward, Problem, Span, UndecomposableType) = (forward, problem, span, undecomposableType);

    public ForwardSpec? Forward { get; }

    public string? Problem { get; }

    public TextSpan Span { get; }

    /// <summary>When the problem is a user module used as a layer without [Decomposable]: its metadata name (the fix marks it).</summary>
    public string? UndecomposableType { get; }

    public static TranslationResult Success(ForwardSpec forward) => new(forward, null, default, null);

    public static TranslationResult Failure(string problem, TextSpan span, string? undecomposableType = null) => new(null, problem, span, undecomposableType);
}
