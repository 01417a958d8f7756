using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AttrDsl.Generators.Helpers;
using AttrDsl.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace AttrDsl.Generators;

public sealed partial class ExplainableGenerator
{
    /// <summary><see cref="ModelSpec"/> → C#: one Scriban template per member; the translated bodies are the rewritten user code under #line.</summary>
    internal static class Emitter
    {
        private static readonly string Version = typeof(Emitter).Assembly.GetName().Version?.ToString() ?? "1.0.0.0";
        private static readonly string GeneratedCode = $"[global::System.CodeDom.Compiler.GeneratedCode(\"AttrDsl.Generators\", \"{Version}\")]";

        public static void Emit(SourceProductionContext context, ModelSpec? model)
        {
            if (model is null) return;
            try
            {
                // AddSource inside too: it throws on a hint name it refuses (invalid or already added).
                context.AddSource(model.HintName, SourceText.From(Render(model), Encoding.UTF8));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // never throw into the compiler; the analyzers explain what is wrong with the model
            }
        }

        /// <summary>The generated file for <paramref name="model"/>.</summary>
        public static string Render(ModelSpec model)
        {
            var members = new List<string>();
            var explainable = model.Explainable;
            var forward = model.Forward;
            var decompose = forward is not null && model.EmitDecomposition;
            var layers = forward is { Layers.Count: > 0 } ? LayerMembers(forward) : null;

            if (explainable is not null)
            {
                members.Add(Templates.Render("TrainEg", new { GeneratedCode, explainable.References, explainable.Target }));
                if (explainable.Priors.Count > 0)
                    members.Add(Templates.Render("Training", new
                    {
                        GeneratedCode,
                        explainable.Schedule,
                        ScheduleText = explainable.Schedule == "Alternating" ? "alternating (task step, then prior step)" : "summed (task + Σ λ·Ω in one step)",
                        Priors = explainable.Priors.Select(p => new { p.TypeName, p.Lambda, Name = p.TypeName.Substring(p.TypeName.LastIndexOf('.') + 1) }).ToList(),
                    }));
                members.Add(Templates.Render("Explain", new { GeneratedCode, explainable.Method, HasLayers = layers is not null }));
            }
            if (layers is not null)
            {
                var used = new HashSet<string> { forward!.Parameter, "__run", "__r" };
                members.Add(Templates.Render("LayerMap", new
                {
                    GeneratedCode,
                    model.TypeName,
                    Layers = layers,
                    LoopExample = layers.FirstOrDefault(l => l.InLoop)?.Member,
                    Fixed = string.Join(", ", layers.Where(l => !l.InLoop).Select(l => l.Member)),
                    forward.Parameter,
                    Activation = Literals.Fresh("activation", used),
                    LayerParameter = Literals.Fresh("layer", used),
                    Body = Translated(forward.FilePath, forward.BodyLine, forward.LayerBody),
                }));
            }
            if (decompose)
            {
                members.Add(Templates.Render("Decomposition", new
                {
                    GeneratedCode,
                    forward!.TokenInput,
                    forward.Parameter,
                    forward.Mask,
                    Body = Translated(forward.FilePath, forward.BodyLine, Interpret(forward.Body, Decomposition)),
                    Helpers = forward.Helpers.Select(h => Translated(h.FilePath, h.Line, Interpret(h.Text, Decomposition))).ToList(),
                }));
            }

            var depth = model.ContainingTypes.Count + (model.Namespace is null ? 0 : 1);
            var interfaces = decompose && !forward!.TokenInput ? " : global::AttrDsl.Decomposition.IDecomposable" : "";
            var opening = new List<string>();
            var closing = new List<string>();
            var level = model.Namespace is null ? 0 : 1;
            foreach (var outer in model.ContainingTypes)
            {
                opening.Add(Pad(level) + outer);
                opening.Add(Pad(level) + "{");
                closing.Insert(0, Pad(level) + "}");
                level++;
            }
            opening.Add(Pad(level) + $"partial class {model.TypeName}{interfaces}");
            opening.Add(Pad(level) + "{");
            closing.Insert(0, Pad(level) + "}");

            var body = Indent(string.Join("\n", members.Select(m => m.TrimEnd('\n'))), depth + 1);
            return Normalize(Templates.Render("Model", new { model.Namespace, model.TypeName, Opening = opening, Closing = closing, Body = body,
                Usings = forward is null ? new List<string>() : forward.Usings.ToList() }));
        }

        /// <summary>An interpretation of the translated forward: the rule table its operations call and the type of its values.</summary>
        internal sealed record Interpretation(string Rules, string Value);

        /// <summary>Contextual decomposition: CdFunctional's rules over (β, γ).</summary>
        private static readonly Interpretation Decomposition = new("global::AttrDsl.Decomposition.CdFunctional", "global::AttrDsl.Decomposition.Decomposition");

        /// <summary>A translated body (or helper) read under <paramref name="interpretation"/>: its rule table and value type.</summary>
        internal static string Interpret(string text, Interpretation interpretation) =>
            text.Replace(Translation.ForwardTranslator.RulesPlaceholder, interpretation.Rules).Replace(Translation.ForwardTranslator.ValuePlaceholder, interpretation.Value);

        // The user's code, under #line (a debugger steps through their lines) and without its warnings (they are
        // reported on their own file already); kept out of the emitter's indentation (a verbatim string must not change).
        private static string Translated(string filePath, int line, string text)
        {
            var w = new StringBuilder();
            w.Append("#pragma warning disable\n");
            if (filePath.Length > 0) w.Append("#line ").Append(line).Append(' ').Append(Literals.PathLiteral(filePath)).Append('\n');
            foreach (var l in text.Replace("\r\n", "\n").Split('\n')) w.Append(VerbatimMark).Append(l).Append('\n');
            w.Append("#line default\n#pragma warning restore");
            return w.ToString();
        }

        private const char VerbatimMark = '\u0001';

        // Path and NoPath are C# literals (a string or null): the module path for layer DeepLift/LRP, or why there is none.
        private sealed record LayerMember(string Name, string Member, int Site, bool InLoop, string Type, string Path, string NoPath);

        private static readonly HashSet<string> LayerReserved = ["Site", "Iteration", "Name", "Fixed", "At", "Equals", "GetHashCode", "ToString", "Layer", "GetType", "MemberwiseClone"];

        private static List<LayerMember> LayerMembers(ForwardSpec forward) =>
            forward.Layers.Select(l => new LayerMember(l.Name, Literals.Identifier(LayerReserved.Contains(l.Name) ? l.Name + "_" : l.Name), l.Site, l.InLoop,
                System.Security.SecurityElement.Escape(l.Type) ?? l.Type, Literal(l.ModulePath), Literal(l.NoModulePath))).ToList();

        private static string Literal(string? text) => text is null ? "null" : Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(text, quote: true);

        private static string Pad(int level) => new(' ', 4 * level);

        private static string Indent(string text, int level)
        {
            var pad = Pad(level);
            return string.Join("\n", text.Split('\n').Select(line =>
                line.Length > 0 && line[0] == VerbatimMark ? line.Substring(1)
                : line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal) ? line : pad + line));
        }

        // One newline style and no trailing blanks, so snapshots compare across platforms.
        private static string Normalize(string text)
        {
            var lines = text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd());
            return string.Join("\n", lines).TrimEnd('\n') + "\n";
        }
    }
}
