using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AttrDsl.Generators.Helpers;
using AttrDsl.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AttrDsl.Generators.Translation;

/// <summary>
/// Translates a model's <c>forward(Tensor x)</c> into single operations: each statement's expression is walked
/// inside-out, nested calls become temporaries, and every operation gets its tensor code and its
/// contextual-decomposition code. Straight-line bodies only (declarations, assignments, LSTM deconstruction, return);
/// the first construct without a rule ends the translation with a <see cref="TranslationResult.Failure"/>.
/// </summary>
internal sealed class ForwardTranslator
{
    private const string Cd = "global::AttrDsl.Decomposition.CdFunctional";
    private const string TorchPrefix = "global::TorchSharp.torch";

    /// <summary>Where the token decomposition's mask parameter goes in CD code (the emitter picks a name forward does not use).</summary>
    public const string MaskPlaceholder = "{mask}";

    private readonly SemanticModel _model;
    private readonly CancellationToken _cancellation;
    private readonly List<OpSpec> _ops = [];
    private readonly HashSet<string> _declared = [];
    private readonly Dictionary<string, int> _fieldCalls = new(StringComparer.Ordinal);
    // Syntax → operation for forward's whole body, from one GetOperation call: binding and building the operation tree
    // once is much cheaper than asking the semantic model expression by expression.
    private readonly Dictionary<SyntaxNode, IOperation> _operations = new();
    private string _parameter = "";
    private string _filePath = "";
    private int _temporaries;
    private bool _tokenInput;

    private ForwardTranslator(SemanticModel model, CancellationToken cancellation) => (_model, _cancellation) = (model, cancellation);

    /// <summary>Translates <paramref name="forward"/>, a method <c>Tensor forward(Tensor x)</c>.</summary>
    /// <param name="forward">forward's declaration.</param>
    /// <param name="model">The semantic model of its tree.</param>
    /// <param name="cancellation">Cancels the translation.</param>
    /// <param name="body">forward's operation tree when the caller has it (an analyzer's operation action), else it is asked for.</param>
    public static TranslationResult Translate(MethodDeclarationSyntax forward, SemanticModel model, CancellationToken cancellation, IOperation? body = null)
    {
        try
        {
            return new ForwardTranslator(model, cancellation).Run(forward, body);
        }
        catch (UnsupportedException e)
        {
            return TranslationResult.Failure(e.Message, e.Span, e.UndecomposableType);
        }
    }

    private TranslationResult Run(MethodDeclarationSyntax forward, IOperation? body)
    {
        if (forward.ParameterList.Parameters.Count != 1)
            throw new UnsupportedException("forward must take exactly one Tensor", forward.ParameterList);
        _parameter = Literals.Identifier(forward.ParameterList.Parameters[0].Identifier.ValueText);
        _filePath = forward.SyntaxTree.FilePath;
        _declared.Add(_parameter);

        if (forward.ExpressionBody is { } arrow)
        {
            Return(arrow.Expression);
        }
        else if (forward.Body is { } block)
        {
            foreach (var statement in block.Statements)
            {
                _cancellation.ThrowIfCancellationRequested();
                Statement(statement);
            }
            if (_ops.Count == 0 || _ops[_ops.Count - 1].Kind != OpKind.Return)
                throw new UnsupportedException("forward must end with a return statement", forward.Identifier);
        }
        else
        {
            throw new UnsupportedException("forward has no body", forward);
        }

        var layers = SplitPoints();
        return TranslationResult.Success(new ForwardSpec(_parameter, _filePath, _ops.ToEquatableArray(), _tokenInput, layers));
    }

    private void Statement(StatementSyntax statement)
    {
        if (_ops.Count > 0 && _ops[_ops.Count - 1].Kind == OpKind.Return)
            throw new UnsupportedException("a statement after the return is never run", statement);
        switch (statement)
        {
            case LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1 } local
                when local.Declaration.Variables[0].Initializer is { } init:
            {
                var name = Literals.Identifier(local.Declaration.Variables[0].Identifier.ValueText);
                CheckTensorLocal(local.Declaration.Variables[0], name);
                Assign(name, init.Value);
                return;
            }
            case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment } when assignment.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.SimpleAssignmentExpression):
            {
                if (assignment.Left is IdentifierNameSyntax target)
                {
                    var symbol = _model.GetSymbolInfo(target, _cancellation).Symbol;
                    if (symbol is ILocalSymbol or IParameterSymbol && KnownTypes.IsTensor(TypeOf(symbol)))
                    {
                        Assign(Literals.Identifier(target.Identifier.ValueText), assignment.Right);
                        return;
                    }
                }
                else if (assignment.Left is DeclarationExpressionSyntax { Designation: ParenthesizedVariableDesignationSyntax designation })
                {
                    Deconstruct(designation, assignment.Right, statement);
                    return;
                }
                throw new UnsupportedException($"the assignment to '{assignment.Left}' has no contextual-decomposition rule: forward may assign Tensor locals and parameters only", assignment.Left);
            }
            case ReturnStatementSyntax { Expression: { } value }:
                Return(value);
                return;
            default:
                throw new UnsupportedException($"the statement '{FirstLine(statement)}' has no contextual-decomposition rule: forward may hold Tensor declarations, assignments and a return", statement);
        }
    }

    private void CheckTensorLocal(VariableDeclaratorSyntax variable, string name)
    {
        if (_model.GetDeclaredSymbol(variable, _cancellation) is ILocalSymbol local && !KnownTypes.IsTensor(local.Type))
            throw new UnsupportedException($"the local '{name}' is a {local.Type.ToDisplayString()}, not a Tensor: compute it outside forward or inline it as a constant", variable);
    }

    private void Return(ExpressionSyntax value)
    {
        var result = Value(value, null);
        _ops.Add(new OpSpec(OpKind.Return, EquatableArray<string>.Empty, EquatableArray<bool>.Empty, new[] { result }.ToEquatableArray(),
            "return {0};", "return {0};", null, Line(value)));
    }

    private void Assign(string name, ExpressionSyntax value)
    {
        var result = Value(value, name);
        if (result != name)   // a plain alias: y = x
            Add(OpKind.Op, name, [result], "{0}", "{0}", null, value);
    }

    // var (output, h, c) = lstm.forward(x): the only statement form with several targets.
    private void Deconstruct(ParenthesizedVariableDesignationSyntax designation, ExpressionSyntax value, SyntaxNode statement)
    {
        if (designation.Variables.Count != 3 || Operation(value) is not IInvocationOperation call || LayerField(call) is not { } field
            || KnownTypes.MetadataName(field.Type) != KnownTypes.Lstm)
            throw new UnsupportedException("only an LSTM's result may be deconstructed in forward: var (output, h, c) = lstm.forward(x)", statement);
        var nonNull = call.Arguments.Skip(1).Where(a => a.ArgumentKind == ArgumentKind.Explicit && !(a.Value.ConstantValue.HasValue && a.Value.ConstantValue.Value is null)).ToList();
        if (call.Arguments.Length < 1 || nonNull.Count > 0)
            throw new UnsupportedException("the LSTM must start from zero states (call lstm.forward(x) without h0/c0) for its decomposition", call.Syntax);
        var input = Value(ArgumentSyntax(call.Arguments[0]), null);
        var targets = designation.Variables.Select(v => v is SingleVariableDesignationSyntax s ? Literals.Identifier(s.Identifier.ValueText) : "").ToArray();
        var declares = targets.Select(t => t.Length > 0 && _declared.Add(t)).ToArray();
        Count(field.Name);
        _ops.Add(new OpSpec(OpKind.Lstm, targets.ToEquatableArray(), declares.ToEquatableArray(), new[] { input }.ToEquatableArray(),
            $"this.{Literals.Identifier(field.Name)}.{call.TargetMethod.Name}({{0}})", $"{Cd}.lstm(this.{Literals.Identifier(field.Name)}, {{0}})", field.Name, Line(value)));
    }

    // The variable that holds the value of expression e; target names the variable the statement assigns (the
    // outermost operation writes it directly), null for a nested expression (a temporary).
    private string Value(ExpressionSyntax syntax, string? target)
    {
        _cancellation.ThrowIfCancellationRequested();
        var operation = Operation(syntax);
        return operation is null
            ? throw new UnsupportedException($"'{Text(syntax)}' could not be analysed (does forward compile?)", syntax)
            : Value(operation, target);
    }

    private IOperation? Operation(SyntaxNode syntax) =>
        _operations.TryGetValue(syntax, out var operation) ? operation : _model.GetOperation(syntax, _cancellation);

    private string Value(IOperation operation, string? target)
    {
        switch (operation)
        {
            case IConversionOperation { IsImplicit: true } conversion:
                return Value(conversion.Operand, target);
            case IParenthesizedOperation parenthesized:
                return Value(parenthesized.Operand, target);
            case IParameterReferenceOperation p when KnownTypes.IsTensor(p.Type):
                return Literals.Identifier(p.Parameter.Name);
            case ILocalReferenceOperation l when KnownTypes.IsTensor(l.Type):
                if (!_declared.Contains(Literals.Identifier(l.Local.Name)))
                    throw new UnsupportedException($"'{l.Local.Name}' is read before forward assigns it", operation.Syntax);
                return Literals.Identifier(l.Local.Name);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } add when KnownTypes.IsTensor(add.LeftOperand.Type) && KnownTypes.IsTensor(add.RightOperand.Type):
            {
                var a = Value(add.LeftOperand, null);
                var b = Value(add.RightOperand, null);
                return Add(OpKind.Op, target, [a, b], "{0} + {1}", $"{Cd}.add({{0}}, {{1}})", null, operation.Syntax);
            }
            case IInvocationOperation call:
                return Invocation(call, target);
            case IFieldReferenceOperation { Instance: IInvocationOperation inner } when LayerField(inner) is { } lstm && KnownTypes.MetadataName(lstm.Type) == KnownTypes.Lstm:
                throw new UnsupportedException($"an LSTM returns (output, h, c): deconstruct it, var (output, h, c) = {lstm.Name}.forward(x)", operation.Syntax);
            default:
                throw new UnsupportedException($"'{Text(operation.Syntax)}' has no contextual-decomposition rule", operation.Syntax);
        }
    }

    private string Invocation(IInvocationOperation call, string? target)
    {
        var method = call.TargetMethod;
        if (LayerField(call) is { } field)
            return LayerCall(call, field, target);

        var container = method.ContainingType is { } t ? KnownTypes.MetadataName(t) : "";
        OpHome? home = container switch
        {
            KnownTypes.Functional => OpHome.Functional,
            KnownTypes.Torch => OpHome.Torch,
            KnownTypes.Tensor when !method.IsStatic => OpHome.Tensor,
            _ => null,
        };
        if (home is null)
            throw new UnsupportedException($"the call '{Text(call.Syntax)}' has no contextual-decomposition rule: forward may call its layers, nn.functional and torch operations and Tensor methods", call.Syntax);

        if (method.Name == "cat" && home == OpHome.Torch) return Cat(call, target);
        if (method.Name == "add" && home is OpHome.Torch or OpHome.Tensor) return AddCall(call, home.Value, target);

        var arrayOverload = method.Parameters.Any(p => p.Name is "kernel_size" or "output_size" && p.Type is IArrayTypeSymbol);
        var rule = OpRules.Find(home.Value, method.Name, arrayOverload)
                   ?? throw new UnsupportedException($"'{Prefix(home.Value)}{method.Name}' has no contextual-decomposition rule", call.Syntax);

        // The tensor operand: the receiver of a Tensor method, else the first argument.
        IOperation operandOp;
        IEnumerable<IArgumentOperation> rest;
        if (home == OpHome.Tensor)
        {
            operandOp = call.Instance!;
            rest = call.Arguments;
        }
        else
        {
            if (call.Arguments.Length == 0) throw new UnsupportedException($"'{Text(call.Syntax)}' has no tensor argument", call.Syntax);
            var ordered = call.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToList();
            operandOp = ordered[0].Value;
            rest = ordered.Skip(1);
        }
        var operand = Value(operandOp, null);

        var tensorArgs = new List<string>();
        var cdArgs = new List<string>();
        foreach (var argument in rest.OrderBy(a => a.Parameter?.Ordinal ?? 0))
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue) continue;
            var parameter = argument.Parameter?.Name ?? "";
            if (argument.ArgumentKind == ArgumentKind.ParamArray || (rule.Positional && argument.Parameter?.IsParams == true))
            {
                var elements = ParamsElements(argument);
                tensorArgs.AddRange(elements);
                cdArgs.AddRange(elements);
                continue;
            }
            var text = ArgumentText(argument.Value);
            tensorArgs.Add($"{parameter}: {text}");
            if (rule.Ignored.Contains(parameter)) continue;
            if (!rule.Parameters.TryGetValue(parameter, out var cdName))
                throw new UnsupportedException($"the argument '{parameter}' of {method.Name} has no contextual-decomposition rule", argument.Syntax);
            cdArgs.Add($"{cdName}: {text}");
        }

        var tensorCode = home switch
        {
            OpHome.Tensor => $"{{0}}.{method.Name}({string.Join(", ", tensorArgs)})",
            _ => $"{Prefix(home.Value, qualified: true)}{method.Name}({string.Join(", ", new[] { "{0}" }.Concat(tensorArgs))})",
        };
        var cdCode = $"{Cd}.{rule.CdMethod}({string.Join(", ", new[] { "{0}" }.Concat(cdArgs))})";
        return Add(OpKind.Op, target, [operand], tensorCode, cdCode, null, call.Syntax);
    }

    private string LayerCall(IInvocationOperation call, IFieldSymbol field, string? target)
    {
        var type = KnownTypes.MetadataName(field.Type);
        if (type == KnownTypes.Lstm)
            throw new UnsupportedException($"an LSTM returns (output, h, c): deconstruct it, var (output, h, c) = {field.Name}.forward(x)", call.Syntax);
        var explicitArgs = call.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue).ToList();
        if (explicitArgs.Count != 1)
            throw new UnsupportedException($"the layer '{field.Name}' must be called with one tensor", call.Syntax);
        Count(field.Name);

        if (type == KnownTypes.Embedding)
        {
            var operandOp = Unwrap(explicitArgs[0].Value);
            if (_ops.Count > 0 || operandOp is not IParameterReferenceOperation)
                throw new UnsupportedException($"the Embedding '{field.Name}' takes token indices: it must be forward's first operation, applied to forward's input", call.Syntax);
            _tokenInput = true;
            return Add(OpKind.Embedding, target, [_parameter], $"this.{Literals.Identifier(field.Name)}.{call.TargetMethod.Name}({{0}})",
                $"{Cd}.embedding(this.{Literals.Identifier(field.Name)}, {{0}}, {MaskPlaceholder})", field.Name, call.Syntax);
        }

        if (!KnownTypes.Layers.Contains(type) && !KnownTypes.DecomposesItself(field.Type))
        {
            if (field.Type.Locations.Any(l => l.IsInSource))
                throw new UnsupportedException($"the field '{field.Name}' is a {field.Type.Name} with no decomposition: mark the class {field.Type.Name} [Decomposable] (and partial) so its forward is translated too", call.Syntax)
                    { UndecomposableType = type };
            throw new UnsupportedException($"the layer '{field.Name}' ({field.Type.ToDisplayString()}) has no contextual-decomposition rule", call.Syntax);
        }

        var input = Value(explicitArgs[0].Value, null);
        return Add(OpKind.Op, target, [input], $"this.{Literals.Identifier(field.Name)}.{call.TargetMethod.Name}({{0}})",
            $"{Cd}.module(this.{Literals.Identifier(field.Name)}, {{0}})", field.Name, call.Syntax);
    }

    private string AddCall(IInvocationOperation call, OpHome home, string? target)
    {
        var tensors = (home == OpHome.Tensor ? new[] { call.Instance! } : Array.Empty<IOperation>())
            .Concat(call.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).Select(a => a.Value)).ToList();
        if (tensors.Count != 2 || !tensors.All(t => KnownTypes.IsTensor(Unwrap(t).Type)))
            throw new UnsupportedException("add has a contextual-decomposition rule for two tensors (a residual connection) only", call.Syntax);
        var a = Value(tensors[0], null);
        var b = Value(tensors[1], null);
        var tensorCode = home == OpHome.Tensor ? "{0}.add({1})" : $"{TorchPrefix}.add({{0}}, {{1}})";
        return Add(OpKind.Op, target, [a, b], tensorCode, $"{Cd}.add({{0}}, {{1}})", null, call.Syntax);
    }

    private string Cat(IInvocationOperation call, string? target)
    {
        var ordered = call.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToList();
        var elements = Unwrap(ordered[0].Value) switch
        {
            IArrayCreationOperation { Initializer: { } init } => init.ElementValues,
            _ => throw new UnsupportedException("torch.cat needs the tensors written out in place: torch.cat(new[] { a, b }, dim)", call.Syntax),
        };
        var operands = elements.Select(e => Value(e, null)).ToList();
        var dim = ordered.Count > 1 && ordered[1].ArgumentKind != ArgumentKind.DefaultValue ? ArgumentText(ordered[1].Value) : "0";
        var placeholders = string.Join(", ", operands.Select((_, i) => $"{{{i}}}"));
        return Add(OpKind.Op, target, operands.ToArray(),
            $"{TorchPrefix}.cat(new {TorchPrefix}.Tensor[] {{ {placeholders} }}, {dim})",
            $"{Cd}.cat(new global::AttrDsl.Decomposition.Decomposition[] {{ {placeholders} }}, {dim})", null, call.Syntax);
    }

    private string Add(OpKind kind, string? target, string[] operands, string tensorCode, string cdCode, string? field, SyntaxNode syntax)
    {
        var name = target ?? NewTemporary(field);
        var declares = _declared.Add(name);
        _ops.Add(new OpSpec(kind, new[] { name }.ToEquatableArray(), new[] { declares }.ToEquatableArray(), operands.ToEquatableArray(),
            tensorCode, cdCode, field, Line(syntax)));
        return name;
    }

    // Temporaries are named after the layer whose output they hold (__conv1), else numbered (__t0).
    private string NewTemporary(string? field)
    {
        if (field is not null && !_declared.Contains("__" + field)) return "__" + field;
        string name;
        do name = $"__t{_temporaries++}";
        while (_declared.Contains(name));
        return name;
    }

    private IFieldSymbol? LayerField(IInvocationOperation call)
    {
        if (call.TargetMethod.Name is not ("forward" or "call")) return null;
        var receiver = call.Instance is null ? null : Unwrap(call.Instance);
        if (receiver is IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } f && KnownTypes.IsModule(f.Field.Type))
            return f.Field;
        if (receiver is IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation } p && KnownTypes.IsModule(p.Property.Type))
            throw new UnsupportedException($"the layer '{p.Property.Name}' is a property: hold layers in fields so they are registered and decomposed", call.Syntax);
        return null;
    }

    private List<string> ParamsElements(IArgumentOperation argument)
    {
        if (Unwrap(argument.Value) is IArrayCreationOperation { Initializer: { } init })
            return init.ElementValues.Select(ArgumentText).ToList();
        return [ArgumentText(argument.Value)];
    }

    // The C# text of a non-tensor argument: a constant, an array of constants, or a field/property of the model.
    private string ArgumentText(IOperation value)
    {
        if (value.ConstantValue.HasValue)
            return Literals.Format(value.ConstantValue.Value)
                   ?? throw new UnsupportedException($"the constant '{Text(value.Syntax)}' cannot be copied into the decomposition", value.Syntax);
        switch (Unwrap(value))
        {
            case IArrayCreationOperation { Initializer: { } init } array when array.Type is IArrayTypeSymbol arrayType:
                return $"new {arrayType.ElementType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)}[] {{ {string.Join(", ", init.ElementValues.Select(ArgumentText))} }}";
            case IFieldReferenceOperation { Instance: IInstanceReferenceOperation } f when !KnownTypes.IsTensor(f.Type):
                return $"this.{Literals.Identifier(f.Field.Name)}";
            case IPropertyReferenceOperation { Instance: IInstanceReferenceOperation } p when !KnownTypes.IsTensor(p.Type) && p.Arguments.Length == 0:
                return $"this.{Literals.Identifier(p.Property.Name)}";
            case IFieldReferenceOperation { Instance: null } sf:
                return $"{sf.Field.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)}.{Literals.Identifier(sf.Field.Name)}";
            default:
                throw new UnsupportedException($"the argument '{Text(value.Syntax)}' is neither a constant nor a field of the model, so the decomposition cannot repeat it", value.Syntax);
        }
    }

    // Layers at which the model can be split: called once, in straight-line code, with only their output live after
    // the call (so ForwardFrom can continue from that one activation).
    private EquatableArray<LayerSpec> SplitPoints()
    {
        var liveAfter = new HashSet<string>[_ops.Count];
        var live = new HashSet<string>();
        for (var i = _ops.Count - 1; i >= 0; i--)
        {
            liveAfter[i] = new HashSet<string>(live);
            foreach (var t in _ops[i].Targets) live.Remove(t);
            foreach (var o in _ops[i].Operands) live.Add(o);
        }
        var layers = new List<LayerSpec>();
        for (var i = 0; i < _ops.Count; i++)
        {
            var op = _ops[i];
            if (op.Kind != OpKind.Op || op.Field is not { } field || _fieldCalls[field] != 1) continue;
            if (liveAfter[i].Count == 1 && liveAfter[i].Contains(op.Targets[0])) layers.Add(new LayerSpec(field, i));
        }
        return layers.ToEquatableArray();
    }

    private void Count(string field) => _fieldCalls[field] = _fieldCalls.TryGetValue(field, out var n) ? n + 1 : 1;

    private static IOperation Unwrap(IOperation operation) => operation switch
    {
        IConversionOperation { IsImplicit: true } c => Unwrap(c.Operand),
        IParenthesizedOperation p => Unwrap(p.Operand),
        _ => operation,
    };

    private static ExpressionSyntax ArgumentSyntax(IArgumentOperation argument) =>
        argument.Syntax is ArgumentSyntax a ? a.Expression : (ExpressionSyntax)argument.Value.Syntax;

    private static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
    {
        ILocalSymbol l => l.Type,
        IParameterSymbol p => p.Type,
        _ => null,
    };

    private static string Prefix(OpHome home, bool qualified = false) => home switch
    {
        OpHome.Functional => qualified ? $"{TorchPrefix}.nn.functional." : "nn.functional.",
        OpHome.Torch => qualified ? $"{TorchPrefix}." : "torch.",
        _ => "Tensor.",
    };

    private static int Line(SyntaxNode node) => node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

    private static string Text(SyntaxNode node) => string.Join(" ", node.ToString().Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));

    private static string FirstLine(SyntaxNode node) => node.ToString().Split('\n')[0].Trim();

    private sealed class UnsupportedException : Exception
    {
        public UnsupportedException(string message, SyntaxNode node) : base(message) => Span = node.Span;

        public UnsupportedException(string message, SyntaxToken token) : base(message) => Span = token.Span;

        public Microsoft.CodeAnalysis.Text.TextSpan Span { get; }

        public string? UndecomposableType { get; init; }
    }
}
