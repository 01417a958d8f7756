using AttrDsl.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttrDsl.Generators;

/// <summary>
/// AttrDsl's source generator: for every <c>[Explainable]</c> model and <c>[Decomposable]</c> block it writes the
/// members of DSL.md §2 into the class's other partial part. The pipeline finds the classes by attribute, turns each
/// into a value-equatable <see cref="ModelSpec"/> at once (Parser) and writes it out (Emitter); a problem in the
/// user's code leaves a member out, and the analyzers explain it.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class ExplainableGenerator : IIncrementalGenerator
{
    internal const string ExplainableAttribute = "AttrDsl.ExplainableAttribute";
    internal const string DecomposableAttribute = "AttrDsl.DecomposableAttribute";

    /// <summary>Tracking names of the pipeline's steps (incrementality tests assert on them).</summary>
    public static class TrackingNames
    {
        /// <summary>[Explainable] classes turned into models.</summary>
        public const string ExplainableModels = nameof(ExplainableModels);
        /// <summary>[Decomposable] classes turned into models.</summary>
        public const string DecomposableModels = nameof(DecomposableModels);
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var explainable = context.SyntaxProvider
            .ForAttributeWithMetadataName(ExplainableAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => Parser.Parse(ctx, explainable: true, ct))
            .WithTrackingName(TrackingNames.ExplainableModels);

        var decomposable = context.SyntaxProvider
            .ForAttributeWithMetadataName(DecomposableAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => Parser.Parse(ctx, explainable: false, ct))
            .WithTrackingName(TrackingNames.DecomposableModels);

        // Each annotated class is its own item: editing one model re-emits that model alone.
        context.RegisterSourceOutput(explainable, static (spc, model) => Emitter.Emit(spc, model));
        context.RegisterSourceOutput(decomposable, static (spc, model) => Emitter.Emit(spc, model));
    }
}
