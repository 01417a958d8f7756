using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using AttrDsl.Generators.Helpers;
using AttrDsl.Generators.Model;
using AttrDsl.Generators.Translation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttrDsl.Generators;

public sealed partial class ExplainableGenerator
{
    /// <summary>Symbols and syntax → <see cref="ModelSpec"/>, inside the pipeline's transform (nothing Roslyn-owned leaves it).</summary>
    internal static class Parser
    {
        private const string PriorAttribute = "AttrDsl.AttributionPriorAttribute";

        /// <summary>The model for an annotated class, or null when the generator must leave it alone (the analyzers say why).</summary>
        public static ModelSpec? Parse(GeneratorAttributeSyntaxContext context, bool explainable, CancellationToken cancellation)
        {
            try
            {
                return ParseCore(context, explainable, cancellation);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception)
            {
                // The generator never throws into the compiler: an unforeseen shape of user code leaves the members out.
                return null;
            }
        }

        private static ModelSpec? ParseCore(GeneratorAttributeSyntaxContext context, bool explainable, CancellationToken cancellation)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not ClassDeclarationSyntax) return null;
            // A class with both attributes is generated once, by the [Explainable] pipeline.
            if (!explainable && HasAttribute(type, ExplainableAttribute)) return null;
            // The attribute repeated on several partial parts (an error the compiler reports) gives one item per part:
            // only the first application generates, so the file's hint name stays unique.
            if (!IsFirstApplication(type, context.TargetNode, explainable ? ExplainableAttribute : DecomposableAttribute)) return null;
            if (!IsPartialEverywhere(type, cancellation) || type.IsGenericType || type.IsStatic) return null;
            if (!KnownTypes.IsTensorModule(type)) return null;

            var forward = FindForward(type);
            ForwardSpec? forwardSpec = null;
            if (forward?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellation) is MethodDeclarationSyntax forwardSyntax)
            {
                var semanticModel = forwardSyntax.SyntaxTree == context.SemanticModel.SyntaxTree
                    ? context.SemanticModel
                    : context.SemanticModel.Compilation.GetSemanticModel(forwardSyntax.SyntaxTree);
                forwardSpec = TranslateCached(type, forwardSyntax, semanticModel, cancellation);
                // The layer map declares a nested enum Layer: a member of that name in the user's class leaves the map out.
                if (forwardSpec is { Layers.Count: > 0 } && type.GetMembers("Layer").Any())
                    forwardSpec = forwardSpec with { Layers = EquatableArray<LayerSpec>.Empty };
            }
            if (forwardSpec is null && !explainable) return null;   // a block whose forward cannot be translated: nothing to add

            var ownDecompose = type.GetMembers("Decompose").OfType<IMethodSymbol>().Any(m => m.Parameters.Length == 1);
            // Namespace and type names as C# source: a keyword among them keeps its @ (namespace @event, class @class).
            var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString(NamespaceFormat) : null;
            var containing = new List<string>();
            for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
                containing.Insert(0, $"partial {Keyword(outer)} {Literals.Identifier(outer.Name)}");
            // A hint name allows no '@'.
            var hint = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "").Replace("@", "").Replace('<', '[').Replace('>', ']') + ".g.cs";

            return new ModelSpec(ns, containing.ToEquatableArray(), Literals.Identifier(type.Name), hint,
                explainable ? ParseExplainable(type, context.Attributes[0]) : null, forwardSpec, !ownDecompose);
        }

        private static readonly SymbolDisplayFormat NamespaceFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted);

        // Roslyn re-runs this transform for every annotated class on every edit anywhere in the project. Translating an
        // unchanged forward again is most of that cost, so the result is kept per forward syntax node (a file that was not
        // edited keeps its node instances) together with a fingerprint of what else the translation read: the class's
        // fields and properties (name, type, whether the type decomposes itself, constant values). A change there, or in
        // the file, translates again. (Constants of other classes are not in the fingerprint; forward rarely reads them.)
        private static readonly ConditionalWeakTable<MethodDeclarationSyntax, CachedTranslation> Translations = new();

        private sealed class CachedTranslation(string fingerprint, ForwardSpec? forward)
        {
            public string Fingerprint { get; } = fingerprint;
            public ForwardSpec? Forward { get; } = forward;
        }

        private static ForwardSpec? TranslateCached(INamedTypeSymbol type, MethodDeclarationSyntax forward, SemanticModel model, CancellationToken cancellation)
        {
            var fingerprint = Fingerprint(type);
            if (Translations.TryGetValue(forward, out var cached) && cached.Fingerprint == fingerprint) return cached.Forward;
            var result = ForwardTranslator.Translate(forward, model, cancellation).Forward;
            lock (Translations)   // netstandard2.0's table has no AddOrUpdate; transforms may run in parallel
            {
                Translations.Remove(forward);
                Translations.Add(forward, new CachedTranslation(fingerprint, result));
            }
            return result;
        }

        // Cheap on purpose (it runs for every model on every keystroke): names and metadata names, constants, and the identity
        // of every source tree that declares the class or a member's type. An edit to such a file (a block gaining
        // [Decomposable], a helper in another partial part, a block's own forward) replaces its tree, so the fingerprint
        // changes; types from assemblies (TorchSharp's layers) cannot change within a compilation session.
        private static string Fingerprint(INamedTypeSymbol type)
        {
            var text = new System.Text.StringBuilder();
            foreach (var member in type.GetMembers())
            {
                var (memberType, constant) = member switch
                {
                    IFieldSymbol f => (f.Type, f.HasConstantValue ? f.ConstantValue : null),
                    IPropertySymbol p => (p.Type, (object?)null),
                    _ => (null, null),
                };
                if (memberType is null) continue;
                text.Append(member.Name).Append(':');
                AppendType(text, memberType);
                text.Append(':').Append(constant).Append(';');
            }
            // Helpers in other partial parts of the class are translated with forward.
            AppendTrees(text, type);
            return text.ToString();
        }

        private static void AppendType(System.Text.StringBuilder text, ITypeSymbol type)
        {
            switch (type)
            {
                case IArrayTypeSymbol array:
                    AppendType(text, array.ElementType);
                    text.Append("[]");
                    return;
                case INamedTypeSymbol named:
                    text.Append(named.ContainingNamespace?.Name).Append('.').Append(named.MetadataName);
                    if (named.IsGenericType)
                        foreach (var argument in named.TypeArguments) { text.Append('<'); AppendType(text, argument); text.Append('>'); }
                    AppendTrees(text, named);
                    return;
                default:
                    text.Append(type.Name);
                    return;
            }
        }

        // The identity of each tree declaring the type and its source base types: an edited file is a new tree.
        private static void AppendTrees(System.Text.StringBuilder text, INamedTypeSymbol type)
        {
            for (var t = type; t is not null && t.DeclaringSyntaxReferences.Length > 0; t = t.BaseType)
                foreach (var reference in t.DeclaringSyntaxReferences)
                    text.Append('#').Append(RuntimeHelpers.GetHashCode(reference.SyntaxTree));
        }

        private static ExplainableSpec ParseExplainable(INamedTypeSymbol type, AttributeData attribute)
        {
            var references = 1;
            string schedule = "Summed", target = "Label", method = "IntegratedGradients";
            foreach (var argument in attribute.NamedArguments)
            {
                switch (argument.Key)
                {
                    case "References" when argument.Value.Value is int k: references = k; break;
                    case "Schedule": schedule = EnumMember(argument.Value) ?? schedule; break;
                    case "Target": target = EnumMember(argument.Value) ?? target; break;
                    case "Method": method = EnumMember(argument.Value) ?? method; break;
                }
            }

            var priors = new List<PriorSpec>();
            var usable = true;
            foreach (var a in type.GetAttributes())
            {
                if (a.AttributeClass is null || KnownTypes.MetadataName(a.AttributeClass) != PriorAttribute) continue;
                var spec = ParsePrior(a);
                if (spec is null || priors.Contains(spec)) usable = false;
                else priors.Add(spec);
            }
            return new ExplainableSpec(references, schedule, target, method,
                usable ? priors.ToEquatableArray() : EquatableArray<PriorSpec>.Empty);
        }

        // A usable prior (PriorRules, shared with the analyzers that explain an unusable one).
        private static PriorSpec? ParsePrior(AttributeData attribute)
        {
            if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol prior) return null;
            if (PriorRules.TypeProblem(prior) is not null) return null;
            var lambda = 1e-3;
            foreach (var argument in attribute.NamedArguments)
                if (argument.Key == "Lambda" && argument.Value.Value is double l) lambda = l;
            if (!PriorRules.IsValidLambda(lambda)) return null;
            return new PriorSpec(prior.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), Literals.Format(lambda)!);
        }

        private static string? EnumMember(TypedConstant constant) =>
            constant.Type is INamedTypeSymbol { TypeKind: TypeKind.Enum } e
                ? e.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue && Equals(f.ConstantValue, constant.Value))?.Name
                : null;

        private static IMethodSymbol? FindForward(INamedTypeSymbol type) =>
            type.GetMembers("forward").OfType<IMethodSymbol>().FirstOrDefault(m =>
                !m.IsStatic && m.Parameters.Length == 1 && KnownTypes.IsTensor(m.Parameters[0].Type) && KnownTypes.IsTensor(m.ReturnType));

        private static bool IsPartialEverywhere(INamedTypeSymbol type, CancellationToken cancellation)
        {
            for (var t = type; t is not null; t = t.ContainingType)
                foreach (var reference in t.DeclaringSyntaxReferences)
                    if (reference.GetSyntax(cancellation) is not TypeDeclarationSyntax declaration
                        || !declaration.Modifiers.Any(m => m.IsKind(SyntaxKind.PartialKeyword)))
                        return false;
            return true;
        }

        // (context.Attributes holds every application in the target's file, so the part is told apart by its span.)
        private static bool IsFirstApplication(INamedTypeSymbol type, SyntaxNode part, string metadataName)
        {
            var first = type.GetAttributes().FirstOrDefault(a => a.AttributeClass is not null && KnownTypes.MetadataName(a.AttributeClass) == metadataName)
                ?.ApplicationSyntaxReference;
            return first is null || first.SyntaxTree == part.SyntaxTree && part.Span.Contains(first.Span);
        }

        private static bool HasAttribute(INamedTypeSymbol type, string metadataName) =>
            type.GetAttributes().Any(a => a.AttributeClass is not null && KnownTypes.MetadataName(a.AttributeClass) == metadataName);

        private static string Keyword(INamedTypeSymbol type) => type switch
        {
            { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Struct } => "struct",
            { TypeKind: TypeKind.Interface } => "interface",
            _ => "class",
        };
    }
}
