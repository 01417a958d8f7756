using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AttrDsl.Generators.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AttrDsl.Generators.Translation;

/// <summary>
/// Rewrites a body of forward (or of a helper) so that it computes over decompositions: the statements, control flow,
/// loops, non-tensor locals and arithmetic stay as the user wrote them; every tensor-valued expression that carries the
/// decomposed input becomes a call into the rule table (<see cref="ForwardTranslator.RulesPlaceholder"/>) and its
/// locals take the value type (<see cref="ForwardTranslator.ValuePlaceholder"/>). A tensor read where no tensor is
/// wanted (a shape, a condition) is read on the full value β + γ, so the decomposition takes the branch the model takes.
/// The first expression with no rule ends the translation with an <see cref="UnsupportedException"/> at its span.
/// </summary>
internal sealed class DecompositionRewriter : CSharpSyntaxRewriter
{
    private const string R = ForwardTranslator.RulesPlaceholder;
    private const string V = ForwardTranslator.ValuePlaceholder;

    // Members read from a tensor that need only its shape, dtype or device: read on β, which has them, without adding β + γ.
    private static readonly HashSet<string> MetadataMembers =
        ["shape", "size", "dim", "ndim", "Dimensions", "dtype", "device", "device_type", "numel", "NumberOfElements", "is_floating_point", "requires_grad"];

    private readonly TranslationScope _scope;
    private readonly Dependence _data;
    private readonly SemanticModel _model;
    private readonly string _mask;
    private readonly CancellationToken _cancellation;
    private readonly Stack<bool> _returnsValue = new();
    private readonly INamedTypeSymbol? _rules;   // the rule table in the compilation (CdFunctional), to check a call has an overload

    public DecompositionRewriter(TranslationScope scope, Dependence data, SemanticModel model, string mask, bool returnsValue, CancellationToken cancellation)
    {
        (_scope, _data, _model, _mask, _cancellation) = (scope, data, model, mask, cancellation);
        _returnsValue.Push(returnsValue);
        _rules = model.Compilation.GetTypeByMetadataName(RulesType);
    }

    /// <summary>The rule table the decomposition interpretation calls (its overloads are checked while translating).</summary>
    public const string RulesType = "AttrDsl.Decomposition.CdFunctional";

    private enum OperandKind { Decomposed, Tensor, Value }

    private OperandKind Kind(IOperation op) =>
        _data.Of(op) ? OperandKind.Decomposed : KnownTypes.IsTensorish(TranslationScope.Unwrap(op).Type) ? OperandKind.Tensor : OperandKind.Value;

    // Whether the rule table has an overload of method taking these operands: decomposed ones where it takes
    // decompositions, tensors where it takes tensors (a call with no overload would be generated code that does not compile).
    private bool RuleAccepts(string method, List<(string? Name, OperandKind Kind)> shape)
    {
        foreach (var candidate in _rules!.GetMembers(method).OfType<IMethodSymbol>())
        {
            var parameters = candidate.Parameters;
            var ok = true;
            var used = new HashSet<int>();
            var position = 0;
            foreach (var (name, kind) in shape)
            {
                int index;
                if (name is null)
                {
                    index = position < parameters.Length ? position : parameters.Length > 0 && parameters[parameters.Length - 1].IsParams ? parameters.Length - 1 : -1;
                    position++;
                }
                else index = parameters.IndexOf(parameters.FirstOrDefault(p => p.Name == name)!);
                if (index < 0) { ok = false; break; }
                used.Add(index);
                if (!Fits(parameters[index], kind)) { ok = false; break; }
            }
            if (ok && parameters.Select((p, i) => (p, i)).All(x => used.Contains(x.i) || x.p.IsOptional || x.p.IsParams)) return true;
        }
        return false;
    }

    private static bool Fits(IParameterSymbol parameter, OperandKind kind)
    {
        var type = parameter.IsParams && parameter.Type is IArrayTypeSymbol a ? a.ElementType : parameter.Type;
        var decomposition = ContainsDecomposition(type) || (parameter.IsParams && ContainsDecomposition(parameter.Type));
        return kind switch
        {
            OperandKind.Decomposed => decomposition,
            OperandKind.Tensor => !decomposition && (KnownTypes.IsTensorish(type) || type.SpecialType == SpecialType.System_Object),
            _ => !decomposition,
        };
    }

    private static bool ContainsDecomposition(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol a => ContainsDecomposition(a.ElementType),
        INamedTypeSymbol { Name: "Decomposition", ContainingNamespace.Name: "Decomposition" } => true,
        INamedTypeSymbol { IsGenericType: true } g => g.TypeArguments.Any(ContainsDecomposition),
        _ => false,
    };

    /// <summary>The helper's generated name.</summary>
    public static string HelperName(IMethodSymbol method) => "__cd_" + method.Name;

    // ---- statements and declarations -------------------------------------------------------------------------------

    public override SyntaxNode? Visit(SyntaxNode? node)
    {
        _cancellation.ThrowIfCancellationRequested();
        if (node is ExpressionSyntax expression && !IsTypeOrName(expression) && _scope.Operation(expression) is { } op)
        {
            if (IsPlainValue(expression)) return ReadsDecomposed(expression) ? Replace(expression, Plain(expression)) : node;
            if (IsTranslatedCall(op) || _data.Of(op)) return Replace(expression, Decomposed(op));
            if (op is IInvocationOperation { Instance: { } collection } onCollection && !KnownTypes.IsTensorLike(collection.Type) && _data.Of(collection))
                return Replace(expression, CollectionCall(onCollection));
            if (ReadsDecomposed(expression)) return Replace(expression, Plain(expression));
            return node;
        }
        return base.Visit(node);
    }

    public override SyntaxNode? VisitExpressionStatement(ExpressionStatementSyntax node)
    {
        // x.add_(y).relu_();  →  x = rules.relu(rules.add(x, y));
        if (_scope.Operation(node.Expression) is IInvocationOperation call && InPlaceRoot(call) is { } root && _data.Of(call))
            return node.WithExpression(Replace(node.Expression, $"{root} = {Decomposed(call, statementRoot: true)}"));
        return base.VisitExpressionStatement(node);
    }

    public override SyntaxNode? VisitReturnStatement(ReturnStatementSyntax node)
    {
        if (node.Expression is { } value && _returnsValue.Peek() && _scope.Operation(value) is { } op)
            return node.WithExpression(Replace(value, Lift(op)));
        return base.VisitReturnStatement(node);
    }

    public override SyntaxNode? VisitVariableDeclaration(VariableDeclarationSyntax node)
    {
        var locals = node.Variables.Select(v => _model.GetDeclaredSymbol(v, _cancellation)).ToList();
        if (!locals.Any(l => l is not null && _data.Contains(l))) return base.VisitVariableDeclaration(node);
        var variables = new List<VariableDeclaratorSyntax>();
        var needsType = false;
        foreach (var v in node.Variables)
        {
            if (v.Initializer is { } init && _scope.Operation(init.Value) is { } value)
            {
                if (!_data.Of(value) && node.Type.IsVar && KnownTypes.IsTensorLike(value.Type)) needsType = true;
                variables.Add(v.WithInitializer(init.WithValue(Replace(init.Value, Lift(value)))));
            }
            else variables.Add(v);
        }
        var type = node.Type.IsVar && !needsType ? node.Type
            : node.Type.IsVar ? SyntaxFactory.ParseTypeName(ValueType(((ILocalSymbol)locals[0]!).Type)).WithTriviaFrom(node.Type)
            : RewriteType(node.Type);
        return node.WithType(type).WithVariables(SyntaxFactory.SeparatedList(variables, node.Variables.GetSeparators()));
    }

    public override SyntaxNode? VisitForEachStatement(ForEachStatementSyntax node)
    {
        var rewritten = (ForEachStatementSyntax)base.VisitForEachStatement(node)!;
        if (!node.Type.IsVar && _model.GetDeclaredSymbol(node, _cancellation) is { } local && _data.Contains(local))
            rewritten = rewritten.WithType(RewriteType(node.Type));
        return rewritten;
    }

    public override SyntaxNode? VisitDeclarationExpression(DeclarationExpressionSyntax node)
    {
        if (node.Type.IsVar) return node;
        return node.WithType(RewriteType(node.Type));
    }

    public override SyntaxNode? VisitLocalFunctionStatement(LocalFunctionStatementSyntax node)
    {
        if (_model.GetDeclaredSymbol(node, _cancellation) is not IMethodSymbol symbol) return base.VisitLocalFunctionStatement(node);
        var returnsValue = _data.Contains(symbol);
        _returnsValue.Push(returnsValue);
        try
        {
            var rewritten = (LocalFunctionStatementSyntax)base.VisitLocalFunctionStatement(node)!;
            return rewritten.WithParameterList(Parameters(node.ParameterList, symbol))
                .WithReturnType(returnsValue ? RewriteType(node.ReturnType) : node.ReturnType);
        }
        finally { _returnsValue.Pop(); }
    }

    public override SyntaxNode? VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node) => Lambda(node);

    public override SyntaxNode? VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node) => Lambda(node);

    public override SyntaxNode? VisitAnonymousMethodExpression(AnonymousMethodExpressionSyntax node) => Lambda(node);

    private SyntaxNode Lambda(ExpressionSyntax node) =>
        ReadsDecomposed(node)
            ? throw new UnsupportedException("a lambda that uses a decomposed tensor has no contextual-decomposition rule: write the operation in forward or a helper method", node)
            : node;

    /// <summary>The decomposition code of an arrow body's returned expression.</summary>
    public string ReturnValue(ExpressionSyntax value) =>
        Lift(_scope.Operation(value) ?? throw new UnsupportedException($"'{Text(value)}' could not be analysed (does forward compile?)", value));

    /// <summary>A helper's declaration, rewritten: the generated private member.</summary>
    public string Helper(MethodDeclarationSyntax method, IMethodSymbol symbol)
    {
        var returnsValue = _data.Contains(symbol);
        var body = method.Body is { } block
            ? (SyntaxNode)Visit(block)!
            : method.ExpressionBody!.WithExpression(Replace(method.ExpressionBody!.Expression,
                returnsValue ? Lift(_scope.Operation(method.ExpressionBody.Expression)!) : Plain(method.ExpressionBody.Expression)));
        var returnType = returnsValue ? RewriteType(method.ReturnType) : method.ReturnType;
        var modifiers = string.Join(" ", method.Modifiers.Where(m => m.IsKind(SyntaxKind.StaticKeyword) || m.IsKind(SyntaxKind.UnsafeKeyword)).Select(m => m.Text).Prepend("private"));
        var text = $"{modifiers} {returnType.ToString().Trim()} {HelperName(symbol)}{method.TypeParameterList}{Parameters(method.ParameterList, symbol).ToFullString().TrimEnd()}{method.ConstraintClauses}\n{body.ToFullString().TrimEnd()}";
        return method.ExpressionBody is null ? text : text + ";";
    }

    private ParameterListSyntax Parameters(ParameterListSyntax list, IMethodSymbol symbol)
    {
        var parameters = list.Parameters.Select((p, i) =>
            p.Type is { } type && i < symbol.Parameters.Length && _data.Contains(symbol.Parameters[i].OriginalDefinition)
                ? p.WithType(RewriteType(type)) : p);
        return list.WithParameters(SyntaxFactory.SeparatedList(parameters, list.Parameters.GetSeparators()));
    }

    // ---- expressions over decompositions ---------------------------------------------------------------------------

    /// <summary>The rule-table code of an expression whose value carries the decomposed input.</summary>
    private string Decomposed(IOperation op, bool statementRoot = false)
    {
        switch (op)
        {
            case IConversionOperation conversion when conversion.IsImplicit || KnownTypes.IsTensorish(conversion.Operand.Type):
                return Decomposed(conversion.Operand);
            case IParenthesizedOperation p:
                return "(" + Decomposed(p.Operand) + ")";
            case ILocalReferenceOperation or IParameterReferenceOperation:
                // A Tensor? local becomes a nullable decomposition: read its value where a decomposition is wanted.
                return IsNullableLocal(op) ? Text(op.Syntax) + ".Value" : Text(op.Syntax);
            case IBinaryOperation binary when BinaryRule(binary.OperatorKind) is { } rule:
                return $"{R}.{rule}({Operand(binary.LeftOperand)}, {Operand(binary.RightOperand)})";
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } minus:
                return $"{R}.neg({Decomposed(minus.Operand)})";
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Plus } plus:
                return Decomposed(plus.Operand);
            case IConditionalOperation { WhenFalse: { } whenFalse } conditional when conditional.Syntax is ConditionalExpressionSyntax:
                return $"{Plain(conditional.Condition.Syntax)} ? {Lift(conditional.WhenTrue)} : {Lift(whenFalse)}";
            case ISimpleAssignmentOperation assignment:
                return $"{Target(assignment.Target)} = {Lift(assignment.Value)}";
            case IDeconstructionAssignmentOperation deconstruction:
                return $"{Target(deconstruction.Target)} = {Decomposed(deconstruction.Value)}";
            case ICompoundAssignmentOperation compound when BinaryRule(compound.OperatorKind) is { } rule:
                return $"{Target(compound.Target)} = {R}.{rule}({Operand(compound.Target)}, {Operand(compound.Value)})";
            case IInvocationOperation call:
                return Invocation(call, statementRoot);
            case IArrayElementReferenceOperation element:
                return $"{Decomposed(element.ArrayReference)}[{string.Join(", ", element.Indices.Select(i => Plain(i.Syntax)))}]";
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance } indexer when KnownTypes.IsTensorLike(instance.Type):
                return $"{R}.index({Decomposed(instance)}, {Arguments(indexer.Arguments)})";
            case IPropertyReferenceOperation { Property.Name: "T" or "mT", Property.IsIndexer: false, Instance: { } transposed } when KnownTypes.IsTensorLike(transposed.Type):
                return $"{R}.{((IPropertyReferenceOperation)op).Property.Name}({Decomposed(transposed)})";
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } collection } item:
                return $"{Decomposed(collection)}[{Arguments(item.Arguments)}]";
            case IFieldReferenceOperation { Instance: { } tuple } field when tuple.Type is INamedTypeSymbol { IsTupleType: true }:
                return $"{Decomposed(tuple)}.{field.Field.Name}";
            case ITupleOperation tuple:
                return "(" + string.Join(", ", tuple.Elements.Select(Lift)) + ")";
            case IArrayCreationOperation { Initializer: { } init } array when array.Type is IArrayTypeSymbol arrayType:
                return $"new {ValueType(arrayType.ElementType)}[] {{ {string.Join(", ", init.ElementValues.Select(Lift))} }}";
            case IDeclarationExpressionOperation or IDiscardOperation:
                return Text(op.Syntax);
            case IAnonymousFunctionOperation or IDelegateCreationOperation:
                throw new UnsupportedException("a lambda that uses a decomposed tensor has no contextual-decomposition rule: write the operation in forward, a helper method or a local function", op.Syntax);
        }
        throw new UnsupportedException($"'{Text(op.Syntax)}' has no contextual-decomposition rule", op.Syntax);
    }

    private string Invocation(IInvocationOperation call, bool statementRoot)
    {
        var method = call.TargetMethod;
        if (ModuleCalls.Receiver(call) is { } module) return ModuleCall(call, module);
        if (_scope.IsHelper(method)) return $"{HelperName(method)}({TranslatedArguments(call)})";
        if (method.MethodKind == MethodKind.LocalFunction) return $"{Literals.Identifier(method.Name)}({TranslatedArguments(call)})";
        if (method.ContainingType is { } owner && KnownTypes.MetadataName(owner) == KnownTypes.DisposeScope)
        {
            if (method.Name == "MoveToOuter" && call.Arguments.Length == 1 && _data.Of(call.Arguments[0].Value))
                return $"{R}.MoveToOuter({Plain(call.Instance!.Syntax)}, {Decomposed(call.Arguments[0].Value)})";
            throw new UnsupportedException($"'{Text(call.Syntax)}': of a dispose scope, forward may use MoveToOuter(tensor) on a decomposed value", call.Syntax);
        }
        if (!OpRules.IsTorchSharp(method))
            throw new UnsupportedException($"the call '{Text(call.Syntax)}' has no contextual-decomposition rule: forward may call its modules, its own helper methods and local functions, and TorchSharp's tensor operations", call.Syntax);

        var name = method.Name;
        var inPlace = name.EndsWith("_", StringComparison.Ordinal) && OpRules.Find(name.Substring(0, name.Length - 1)) is not null;
        var rule = OpRules.Find(inPlace ? name.Substring(0, name.Length - 1) : name)
                   ?? throw new UnsupportedException($"'{Prefix(method)}{name}' has no contextual-decomposition rule; give the block that uses it an IDecomposable implementation, or write the operation with ones that have rules", call.Syntax);

        var parts = new List<string>();
        var shape = new List<(string? Name, OperandKind Kind)>();   // what the rule table must accept, checked below
        if (!method.IsStatic)
        {
            if (!_data.Of(call.Instance) && !rule.Binary)
                throw new UnsupportedException($"'{Text(call.Syntax)}': {name} of a constant tensor with a decomposed argument has no contextual-decomposition rule", call.Syntax);
            parts.Add(Operand(call.Instance!));
            shape.Add((null, Kind(call.Instance!)));
        }
        var ordered = call.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue).OrderBy(a => a.Parameter?.Ordinal ?? 0).ToList();
        var positional = rule.Binary || ordered.Any(a => a.ArgumentKind == ArgumentKind.ParamArray);
        for (var i = 0; i < ordered.Count; i++)
        {
            var argument = ordered[i];
            var parameter = argument.Parameter?.Name ?? "";
            if (rule.Ignored.Contains(parameter)) continue;
            if (argument.ArgumentKind == ArgumentKind.ParamArray)
            {
                foreach (var element in ParamsElements(argument))
                {
                    parts.Add(Operand(element));
                    shape.Add((null, Kind(element)));
                }
                continue;
            }
            var value = Operand(argument.Value);
            var first = method.IsStatic && i == 0;
            var ruleName = rule.Renames.TryGetValue(parameter, out var renamed) ? renamed : parameter;
            parts.Add(first || positional ? value : $"{ruleName}: {value}");
            shape.Add((first || positional ? null : ruleName, Kind(argument.Value)));
        }
        if (_rules is not null && !RuleAccepts(rule.Method, shape))
            throw new UnsupportedException($"'{Text(call.Syntax)}' has no contextual-decomposition rule for these operands ({string.Join(", ", shape.Select(s => s.Kind switch { OperandKind.Decomposed => "decomposed tensor", OperandKind.Tensor => "constant tensor", _ => "value" }))}); give the block that uses it an IDecomposable implementation, or write the operation with ones that have rules", call.Syntax);
        var text = $"{R}.{rule.Method}({string.Join(", ", parts)})";
        if (inPlace && InPlaceRoot(call) is { } root && !statementRoot) return $"({root} = {text})";
        return text;
    }

    // outputs.Add(y), list.Insert(0, y): a collection of decompositions receives a decomposition.
    private string CollectionCall(IInvocationOperation call)
    {
        var arguments = call.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue).Select(a =>
            a.Parameter is { } p && KnownTypes.IsTensorish(p.Type) ? Lift(a.Value) : Plain(a.Value.Syntax));
        return $"{Decomposed(call.Instance!)}.{call.TargetMethod.Name}({string.Join(", ", arguments)})";
    }

    private string ModuleCall(IInvocationOperation call, IOperation module)
    {
        var receiver = Plain(module.Syntax);
        var arguments = call.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue).ToList();
        if (_scope.IsTokenEmbedding(call)) return $"{R}.embedding({receiver}, {Plain(arguments[0].Value.Syntax)}, {_mask})";
        var type = module.Type!;
        var metadataName = KnownTypes.MetadataName(type);
        if (metadataName == KnownTypes.Lstm)
        {
            if (arguments.Count != 1)
                throw new UnsupportedException("the LSTM must start from zero states (call lstm.forward(x) without h0/c0) for its decomposition", call.Syntax);
            return $"{R}.lstm({receiver}, {Lift(arguments[0].Value)})";
        }
        if (metadataName == KnownTypes.Embedding)
            throw new UnsupportedException($"the Embedding '{Text(module.Syntax)}' is applied to a decomposed value; an Embedding takes token indices (forward's input)", call.Syntax);
        if (arguments.Count != 1)
            throw new UnsupportedException($"the module '{Text(module.Syntax)}' is called with {arguments.Count} arguments; a decomposed module takes one tensor", call.Syntax);
        ForwardTranslator.CheckModuleType(type, call.Syntax);
        return $"{R}.module({receiver}, {Lift(arguments[0].Value)})";
    }

    // Arguments of a translated helper or local function: decomposed where its parameter is, plain elsewhere.
    private string TranslatedArguments(IInvocationOperation call) =>
        string.Join(", ", call.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue).Select(a =>
        {
            var parameter = a.Parameter!;
            var value = _data.Contains(parameter.OriginalDefinition) ? Lift(a.Value) : Plain(a.Value.Syntax);
            var refKind = parameter.RefKind switch { RefKind.Out => "out ", RefKind.Ref => "ref ", _ => "" };
            return $"{Literals.Identifier(parameter.Name)}: {refKind}{value}";
        }));

    private string Arguments(IEnumerable<IArgumentOperation> arguments) =>
        string.Join(", ", arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue).SelectMany(ParamsElements).Select(Operand));

    // A params argument is an implicit array whose syntax is the whole call: its elements are what the user wrote.
    private static IEnumerable<IOperation> ParamsElements(IArgumentOperation argument) =>
        argument.ArgumentKind == ArgumentKind.ParamArray && argument.Value is IArrayCreationOperation { IsImplicit: true, Initializer: { } init }
            ? init.ElementValues : new[] { argument.Value };

    /// <summary>An operand: decomposed when it carries the input, else the user's code (constants, scalars) as it is.</summary>
    private string Operand(IOperation op) => _data.Of(op) ? Decomposed(op) : Plain(op.Syntax);

    /// <summary>A value that must be a decomposition: a constant tensor enters the decomposition on its own (shared 50/50).</summary>
    private string Lift(IOperation op)
    {
        if (_data.Of(op)) return Decomposed(op);
        var unwrapped = TranslationScope.Unwrap(op);
        if (unwrapped.Type is { } type && KnownTypes.IsTensorLike(type)) return $"{R}.constant({Plain(op.Syntax)})";
        return unwrapped switch
        {
            // An empty collection (or one of constants) that later receives decomposed values.
            IObjectCreationOperation or IArrayCreationOperation => RewriteTypesIn(unwrapped.Syntax),
            _ when unwrapped.ConstantValue is { HasValue: true, Value: null } => Text(op.Syntax),
            _ => throw new UnsupportedException($"'{Text(op.Syntax)}' is used as a decomposed value but is not a tensor expression the decomposition can follow", op.Syntax),
        };
    }

    private string Target(IOperation target) => target switch
    {
        ILocalReferenceOperation or IParameterReferenceOperation or IDiscardOperation => Text(target.Syntax),
        ITupleOperation tuple => "(" + string.Join(", ", tuple.Elements.Select(Target)) + ")",
        IArrayElementReferenceOperation or IPropertyReferenceOperation { Property.IsIndexer: true } => Decomposed(target),
        IDeclarationExpressionOperation => ((DeclarationExpressionSyntax)VisitDeclarationExpression((DeclarationExpressionSyntax)target.Syntax)!).ToString(),
        _ => throw new UnsupportedException($"the assignment to '{Text(target.Syntax)}' has no contextual-decomposition rule: forward may assign decomposed values to locals", target.Syntax),
    };

    // x.add_(y).relu_(): the local whose value an in-place chain replaces.
    private static string? InPlaceRoot(IInvocationOperation call)
    {
        IOperation? current = call;
        while (current is IInvocationOperation c && c.TargetMethod.Name.EndsWith("_", StringComparison.Ordinal) && !c.TargetMethod.IsStatic)
            current = c.Instance is null ? null : TranslationScope.Unwrap(c.Instance);
        return current is ILocalReferenceOperation or IParameterReferenceOperation && !ReferenceEquals(current, call) ? Text(current!.Syntax) : null;
    }

    // The value of a tensor local that needs no decomposition (it is only read whole, e.g. attention scores): computed plainly.
    private bool IsPlainValue(ExpressionSyntax expression)
    {
        var local = expression.Parent switch
        {
            EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } => _model.GetDeclaredSymbol(declarator, _cancellation),
            AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } a when a.Right == expression => _model.GetSymbolInfo(a.Left, _cancellation).Symbol,
            _ => null,
        };
        return local is ILocalSymbol l && KnownTypes.IsTensorLike(l.Type) && !_data.Contains(l);
    }

    // Declared Tensor? (written so: a var local is annotated too in a nullable context, but holds no null).
    private static bool IsNullableLocal(IOperation op) => op is ILocalReferenceOperation { Local: var local } && IsDeclaredNullable(local);

    private static bool IsDeclaredNullable(ILocalSymbol local) =>
        local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Type: NullableTypeSyntax } };

    private bool IsTranslatedCall(IOperation op) =>
        op is IInvocationOperation call && _scope.IsTranslated(call.TargetMethod) && call.Arguments.Any(a => a.Parameter is { } p && _data.Contains(p.OriginalDefinition));

    private static string? BinaryRule(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.Add => "add",
        BinaryOperatorKind.Subtract => "sub",
        BinaryOperatorKind.Multiply => "mul",
        BinaryOperatorKind.Divide => "div",
        _ => null,
    };

    // ---- plain code that reads decomposed values --------------------------------------------------------------------

    /// <summary>The user's code for <paramref name="syntax"/>, with each decomposed local it reads taken at its full value (or β for a shape).</summary>
    private string Plain(SyntaxNode syntax) => ReadsDecomposed(syntax) ? new PlainReads(this).Visit(syntax)!.ToFullString() : syntax.ToFullString();

    private bool ReadsDecomposed(SyntaxNode syntax)
    {
        foreach (var name in syntax.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            if (DecomposedSymbol(name) is not null) return true;
        return false;
    }

    // A decomposed tensor local read by name (a collection of decompositions is read as it is: groups.Length).
    private ISymbol? DecomposedSymbol(IdentifierNameSyntax name)
    {
        var symbol = _model.GetSymbolInfo(name, _cancellation).Symbol;
        var type = symbol switch { ILocalSymbol l => l.Type, IParameterSymbol p => p.Type, _ => null };
        return type is not null && KnownTypes.IsTensorLike(type) && _data.Contains(symbol!) ? symbol : null;
    }

    private sealed class PlainReads(DecompositionRewriter owner) : CSharpSyntaxRewriter
    {
        public override SyntaxNode? VisitIdentifierName(IdentifierNameSyntax node)
        {
            if (owner.DecomposedSymbol(node) is not { } symbol) return node;
            if (symbol is ILocalSymbol local && IsDeclaredNullable(local))
            {
                // skip is null, skip != null, skip is { }: a null test of a Tensor? local is the same test on its decomposition.
                if (node.Parent is IsPatternExpressionSyntax or BinaryExpressionSyntax { RawKind: (int)SyntaxKind.EqualsExpression or (int)SyntaxKind.NotEqualsExpression })
                    return node;
                return Replace(node, $"{R}.value({node.Identifier.Text}.Value)");
            }
            if (node.Parent is MemberAccessExpressionSyntax { Name: var member } access && access.Expression == node && MetadataMembers.Contains(member.Identifier.ValueText))
                return Replace(node, $"{R}.like({node.Identifier.Text})");
            return Replace(node, $"{R}.value({node.Identifier.Text})");
        }
    }

    // ---- types --------------------------------------------------------------------------------------------------

    /// <summary><paramref name="type"/> with Tensor replaced by the value type (Tensor[] → value[], List&lt;Tensor&gt; → List&lt;value&gt;).</summary>
    private TypeSyntax RewriteType(TypeSyntax type) => (TypeSyntax)new TensorTypes(this).Visit(type)!;

    private string RewriteTypesIn(SyntaxNode node) => new TensorTypes(this).Visit(node)!.ToFullString();

    private static string ValueType(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol a => ValueType(a.ElementType) + "[]",
        INamedTypeSymbol { IsTupleType: true } t => "(" + string.Join(", ", t.TupleElements.Select(e => ValueType(e.Type))) + ")",
        INamedTypeSymbol { IsGenericType: true } g when !KnownTypes.IsTensorLike(g) =>
            g.ConstructUnboundGenericType().ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Split('<')[0] + "<" + string.Join(", ", g.TypeArguments.Select(ValueType)) + ">",
        _ when KnownTypes.IsTensorLike(type) => V,
        _ => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
    };

    private sealed class TensorTypes(DecompositionRewriter owner) : CSharpSyntaxRewriter
    {
        public override SyntaxNode? Visit(SyntaxNode? node)
        {
            if (node is NullableTypeSyntax nullable && owner._model.GetSymbolInfo(nullable.ElementType, owner._cancellation).Symbol is ITypeSymbol inner && KnownTypes.IsTensor(inner))
                return SyntaxFactory.ParseTypeName(V + "?").WithTriviaFrom(nullable);
            if (node is TypeSyntax type && node is not PredefinedTypeSyntax
                && owner._model.GetSymbolInfo(type, owner._cancellation).Symbol is ITypeSymbol symbol && KnownTypes.IsTensor(symbol))
                return SyntaxFactory.ParseTypeName(V).WithTriviaFrom(type);
            return base.Visit(node);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static bool IsTypeOrName(ExpressionSyntax e) =>
        e is TypeSyntax && e.Parent is VariableDeclarationSyntax or ForEachStatementSyntax or DeclarationExpressionSyntax or ParameterSyntax or TypeArgumentListSyntax
            or ObjectCreationExpressionSyntax or ArrayTypeSyntax or CastExpressionSyntax or QualifiedNameSyntax or NullableTypeSyntax
            or MethodDeclarationSyntax or LocalFunctionStatementSyntax or TupleElementSyntax or RefTypeSyntax;

    private static ExpressionSyntax Replace(SyntaxNode original, string text)
    {
        var missing = CountLines(original.ToString()) - CountLines(text);
        var trailing = original.GetTrailingTrivia();
        // Keep the user's line numbers: the body runs under a #line directive that points into their file.
        for (var i = 0; i < missing; i++) trailing = trailing.Add(SyntaxFactory.EndOfLine("\n"));
        return SyntaxFactory.ParseExpression(text).WithLeadingTrivia(original.GetLeadingTrivia()).WithTrailingTrivia(trailing);
    }

    private static int CountLines(string text) => text.Count(c => c == '\n');

    private static string Text(SyntaxNode node) => node.ToString().Trim();

    private static string Prefix(IMethodSymbol method) => KnownTypes.MetadataName(method.ContainingType) switch
    {
        KnownTypes.Functional => "nn.functional.",
        KnownTypes.Torch => "torch.",
        _ => "Tensor.",
    };
}
