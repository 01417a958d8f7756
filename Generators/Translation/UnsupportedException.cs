using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace AttrDsl.Generators.Translation;

/// <summary>A construct of forward with no rule: ends the translation with a problem at its span (the analyzers report it).</summary>
internal sealed class UnsupportedException : Exception
{
    public UnsupportedException(string message, SyntaxNode node) : base(message) => (Span, Tree) = (node.Span, node.SyntaxTree);

    public UnsupportedException(string message, SyntaxToken token) : base(message) => (Span, Tree) = (token.Span, token.SyntaxTree);

    /// <summary>Where the construct is.</summary>
    public TextSpan Span { get; }

    /// <summary>The tree of <see cref="Span"/> (a helper method may live in another file than forward).</summary>
    public SyntaxTree? Tree { get; }

    /// <summary>When the problem is a user module used as a layer without [Decomposable]: its metadata name (the fix marks it).</summary>
    public string? UndecomposableType { get; init; }
}
