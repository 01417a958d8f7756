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
    /// <summary><see cref="ModelSpec"/> → C#: one Scriban template per member; the translated statements are written with <see cref="SourceWriter"/>.</summary>
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
            // Generated parameters (layer, activation, mask) sit beside forward's own names in the same bodies: pick unused ones.
            var used = forward is null ? new HashSet<string>() : new HashSet<string>(forward.Ops.SelectMany(o => o.Targets.Concat(o.Operands)).Append(forward.Parameter));

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
                members.Add(Templates.Render("Explain", new { GeneratedCode, explainable.Method, HasLayers = forward is { Layers.Count: > 0 } }));
            }
            if (forward is { Layers.Count: > 0 })
            {
                var activation = Literals.Fresh("activation", used);
                var layerParameter = Literals.Fresh("layer", used);
                members.Add(Templates.Render("LayerMap", new
                {
                    GeneratedCode,
                    model.TypeName,
                    Layers = forward.Layers.Select(l => Literals.Identifier(l.Name)).ToList(),
                    forward.Parameter,
                    Activation = activation,
                    LayerParameter = layerParameter,
                    ForwardTo = ForwardToBody(forward, layerParameter),
                    ForwardFrom = ForwardFromBody(forward, activation, layerParameter),
                }));
            }
            if (decompose)
            {
                var mask = Literals.Fresh("mask", used);
                members.Add(Templates.Render("Decomposition", new { GeneratedCode, forward!.TokenInput, forward.Parameter, Mask = mask, Body = DecompositionBody(forward, mask) }));
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
            return Normalize(Templates.Render("Model", new { model.Namespace, model.TypeName, Opening = opening, Closing = closing, Body = body }));
        }

        // Plain tensor code, returning at the chosen layer.
        private static string ForwardToBody(ForwardSpec forward, string layerParameter)
        {
            var w = new SourceWriter(1);
            var layers = forward.Layers.ToDictionary(l => l.OpIndex, l => l.Name);
            for (var i = 0; i < forward.Ops.Count; i++)
            {
                var op = forward.Ops[i];
                if (op.Kind == OpKind.Return) break;
                LineDirective(w, forward, op);
                w.Line(Statement(op, op.TensorCode, op.Declares));
                if (layers.TryGetValue(i, out var layer))
                {
                    w.Directive("#line hidden");
                    w.Line($"if ({layerParameter} == Layer.{Literals.Identifier(layer)}) return {op.Targets[0]};");
                }
            }
            w.Directive("#line default");
            w.Line($"throw new global::System.ArgumentOutOfRangeException(nameof({layerParameter}), {layerParameter}, \"not a layer of this model\");");
            return Trim(w);
        }

        // One case per layer: the rest of forward after it, with only that layer's output live.
        private static string ForwardFromBody(ForwardSpec forward, string activation, string layerParameter)
        {
            var w = new SourceWriter(1);
            w.Line($"switch ({layerParameter})").Line("{").Indent();
            foreach (var layer in forward.Layers)
            {
                var cut = forward.Ops[layer.OpIndex];
                w.Line($"case Layer.{Literals.Identifier(layer.Name)}:").Line("{").Indent();
                var declared = new HashSet<string> { cut.Targets[0] };
                w.Line($"var {cut.Targets[0]} = {activation};");
                for (var i = layer.OpIndex + 1; i < forward.Ops.Count; i++)
                {
                    var op = forward.Ops[i];
                    LineDirective(w, forward, op);
                    w.Line(Statement(op, op.TensorCode, op.Targets.Select(t => t.Length > 0 && declared.Add(t)).ToEquatableArray()));
                }
                w.Directive("#line default");
                w.Unindent().Line("}");
            }
            w.Line("default:").Indent()
                .Line($"throw new global::System.ArgumentOutOfRangeException(nameof({layerParameter}), {layerParameter}, \"not a layer of this model\");").Unindent();
            w.Unindent().Line("}");
            return Trim(w);
        }

        private static string DecompositionBody(ForwardSpec forward, string mask)
        {
            var w = new SourceWriter(1);
            foreach (var op in forward.Ops)
            {
                LineDirective(w, forward, op);
                if (op.Kind == OpKind.Return && forward.TokenInput)
                    w.Line($"return {op.Operands[0]}.MoveToOuterDisposeScope();");
                else
                    w.Line(Statement(op, op.CdCode.Replace(Translation.ForwardTranslator.MaskPlaceholder, mask), op.Declares));
            }
            w.Directive("#line default");
            return Trim(w);
        }

        private static string Statement(OpSpec op, string code, EquatableArray<bool> declares)
        {
            var expression = code;
            for (var i = 0; i < op.Operands.Count; i++) expression = expression.Replace("{" + i + "}", op.Operands[i]);
            switch (op.Kind)
            {
                case OpKind.Return:
                    return expression;
                case OpKind.Lstm:
                {
                    // var (output, h, c) = ...; with discards for unnamed parts; (a, b, c) = ... when all exist already.
                    if (declares.All(d => !d) && op.Targets.All(t => t.Length > 0))
                        return $"({string.Join(", ", op.Targets)}) = {expression};";
                    var parts = op.Targets.Select((t, i) => t.Length == 0 ? "_" : declares[i] ? $"var {t}" : t);
                    return $"({string.Join(", ", parts)}) = {expression};";
                }
                default:
                    return $"{(declares[0] ? "var " : "")}{op.Targets[0]} = {expression};";
            }
        }

        private static void LineDirective(SourceWriter w, ForwardSpec forward, OpSpec op)
        {
            if (forward.FilePath.Length > 0) w.Directive($"#line {op.Line} {Literals.PathLiteral(forward.FilePath)}");
        }

        private static string Trim(SourceWriter w) => w.ToString().TrimEnd('\n');

        private static string Pad(int level) => new(' ', 4 * level);

        private static string Indent(string text, int level)
        {
            var pad = Pad(level);
            return string.Join("\n", text.Split('\n').Select(line => line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal) ? line : pad + line));
        }

        // One newline style and no trailing blanks, so snapshots compare across platforms.
        private static string Normalize(string text)
        {
            var lines = text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd());
            return string.Join("\n", lines).TrimEnd('\n') + "\n";
        }
    }
}
