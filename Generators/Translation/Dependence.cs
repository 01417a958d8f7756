using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace AttrDsl.Generators.Translation;

/// <summary>
/// Which values of forward (and of the helpers it calls) depend on its input: a flow-insensitive fixpoint over the locals,
/// parameters and helper results of the bodies. Two questions use it:
/// <list type="bullet">
/// <item>the decomposition (<see cref="DependenceKind.Data"/>): which tensor values carry the decomposed input's data,
/// so they become decompositions. Shape reads, <c>zeros_like(x)</c> and softmax weights (taken from the full input,
/// as constants) do not carry it;</item>
/// <item>the layer map (<see cref="DependenceKind.Input"/>): which values of any type are computed from the input at
/// all — through data, shapes or a branch taken on them — so a split point knows what it must not leave behind.</item>
/// </list>
/// </summary>
internal sealed class Dependence
{
    private readonly DependenceKind _kind;
    private readonly TranslationScope _scope;
    private readonly HashSet<ISymbol> _dependent = new(SymbolEqualityComparer.Default);
    private Dictionary<IOperation, bool>? _answers;

    private Dependence(DependenceKind kind, TranslationScope scope) => (_kind, _scope) = (kind, scope);

    /// <summary>Runs the analysis over <paramref name="scope"/>'s bodies.</summary>
    public static Dependence Analyze(DependenceKind kind, TranslationScope scope, CancellationToken cancellation)
    {
        var d = new Dependence(kind, scope);
        if (kind == DependenceKind.Input || !scope.TokenInput) d._dependent.Add(scope.Parameter);
        for (var changed = true; changed;)
        {
            cancellation.ThrowIfCancellationRequested();
            changed = false;
            foreach (var body in scope.Bodies)
                changed |= d.Walk(body.Operation, body.Method, dependentControl: false);
        }
        if (kind == DependenceKind.Data) d.DropUnconsumed(cancellation);
        d._answers = new Dictionary<IOperation, bool>();   // the sets are final: answers can be kept
        return d;
    }

    // A decomposed local that is only ever read where the full value is wanted (attention scores that go into a softmax,
    // a tensor read for its shape) needs no decomposition: computed as a plain tensor from β + γ it gives the same value
    // and saves the rules' work (for attention, the β half of q·kᵀ and the split of q and k).
    private void DropUnconsumed(CancellationToken cancellation)
    {
        var reads = new List<ILocalReferenceOperation>();
        foreach (var body in _scope.Bodies)
            reads.AddRange(body.Operation.DescendantsAndSelf().OfType<ILocalReferenceOperation>());
        for (var changed = true; changed;)
        {
            cancellation.ThrowIfCancellationRequested();
            changed = false;
            foreach (var local in _dependent.OfType<ILocalSymbol>().ToList())
            {
                if (!KnownTypes.IsTensorLike(local.Type)) continue;
                var ofLocal = reads.Where(r => SymbolEqualityComparer.Default.Equals(r.Local, local)).ToList();
                if (ofLocal.Any(r => IsWrite(r) || Consumed(r))) continue;
                changed |= _dependent.Remove(local);
            }
        }
    }

    // Written through a compound assignment or a deconstruction: kept decomposed (not worth following).
    private static bool IsWrite(IOperation reference) =>
        reference.Parent is ICompoundAssignmentOperation c && ReferenceEquals(c.Target, reference)
        || reference.Parent is IDeconstructionAssignmentOperation or ITupleOperation;

    // Whether a value flows into something that needs its decomposition: up the expression to the statement.
    private bool Consumed(IOperation operation)
    {
        for (var current = operation; current.Parent is { } parent; current = parent)
        {
            switch (parent)
            {
                case IConversionOperation or IParenthesizedOperation:
                    continue;
                case IArgumentOperation argument:
                    if (argument.Parent is IInvocationOperation call && _scope.IsTranslated(call.TargetMethod))
                        return argument.Parameter is { } p && _dependent.Contains(p.OriginalDefinition);
                    continue;
                case ISimpleAssignmentOperation assignment:
                    if (ReferenceEquals(assignment.Target, current)) return false;   // written, not read
                    return Target(assignment.Target) is not { } t || _dependent.Contains(t);
                case IVariableInitializerOperation initializer:
                    return initializer.Parent is not IVariableDeclaratorOperation declarator || _dependent.Contains(declarator.Symbol);
                case IReturnOperation or IExpressionStatementOperation or IForEachLoopOperation or IBlockOperation:
                    return true;
                default:
                    // A plain context (a condition, a shape, softmax weights): the value is wanted whole, not split.
                    if (parent.Type is null) continue;   // an array initializer, a tuple part: its container decides
                    if (!KnownTypes.IsTensorish(parent.Type)) return parent is ICompoundAssignmentOperation or IIncrementOrDecrementOperation;
                    if (parent is IInvocationOperation invocation && (OpRules.IsConstantWeights(invocation.TargetMethod) || OpRules.IsMetadataOnly(invocation.TargetMethod))) return false;
                    if (parent is IBinaryOperation b && IsComparison(b.OperatorKind)) return false;
                    continue;
            }
        }
        return true;
    }

    private static ISymbol? Target(IOperation target) => target switch
    {
        ILocalReferenceOperation l => l.Local,
        IParameterReferenceOperation p => p.Parameter,
        _ => null,
    };

    /// <summary>True when the local, parameter or method result <paramref name="symbol"/> depends on the input.</summary>
    public bool Contains(ISymbol symbol) => _dependent.Contains(symbol);

    /// <summary>True when the value of <paramref name="operation"/> depends on the input (in this analysis' sense).</summary>
    public bool Of(IOperation? operation)
    {
        if (operation is null) return false;
        // The rewriters ask about every expression and again about its parts: once the analysis is done, each answer is
        // computed once (during the fixpoint the sets still grow, so nothing is kept).
        if (_answers is null) return Compute(operation);
        if (!_answers.TryGetValue(operation, out var answer)) _answers[operation] = answer = Compute(operation);
        return answer;
    }

    private bool Compute(IOperation operation)
    {
        if (_kind == DependenceKind.Data && operation.Type is not null && !KnownTypes.IsTensorish(operation.Type)) return false;
        switch (operation)
        {
            case ILocalReferenceOperation l: return _dependent.Contains(l.Local);
            case IParameterReferenceOperation p: return _dependent.Contains(p.Parameter);
            case IInstanceReferenceOperation: return false;
            case IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation }: return false;
            case IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation } p when p.Arguments.Length == 0: return false;
            case IAnonymousFunctionOperation or ILocalFunctionOperation: return Any(operation);
            case IInvocationOperation call: return Invocation(call);
            case ISimpleAssignmentOperation assignment when assignment.Target is ILocalReferenceOperation or IParameterReferenceOperation:
                return Of(assignment.Target);   // the value of an assignment is its target's
            case IBinaryOperation b when _kind == DependenceKind.Data && IsComparison(b.OperatorKind): return false;
            default: return Any(operation);
        }
    }

    private static bool IsComparison(BinaryOperatorKind kind) => kind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals
        or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual or BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual;

    private bool Any(IOperation operation)
    {
        foreach (var child in operation.ChildOperations)
            if (Of(child)) return true;
        return false;
    }

    private bool Invocation(IInvocationOperation call)
    {
        var method = call.TargetMethod;
        if (_kind == DependenceKind.Data)
        {
            if (OpRules.IsMetadataOnly(method)) return false;
            if (OpRules.IsConstantWeights(method)) return false;   // softmax: weights from the full input (CD-T)
            if (_scope.IsTokenEmbedding(call)) return true;
        }
        if (_scope.IsTranslated(method) && _dependent.Contains(method.OriginalDefinition)) return true;
        if (call.Instance is { } instance && Of(instance)) return true;
        foreach (var argument in call.Arguments)
            if (Of(argument.Value)) return true;
        return false;
    }

    // One pass over a body: marks the targets of dependent values. Returns whether anything was added.
    private bool Walk(IOperation operation, IMethodSymbol? method, bool dependentControl)
    {
        var changed = false;
        void Mark(ISymbol? symbol)
        {
            if (symbol is null) return;
            if (_kind == DependenceKind.Data && !KnownTypes.IsTensorish(TypeOf(symbol))) return;
            changed |= _dependent.Add(symbol);
        }

        switch (operation)
        {
            case IVariableDeclaratorOperation { Initializer: { } init } declarator:
                if (dependentControl || Of(init.Value)) Mark(declarator.Symbol);
                break;
            case ISimpleAssignmentOperation assignment:
                if (dependentControl || Of(assignment.Value)) MarkTarget(assignment.Target, Mark);
                break;
            case ICompoundAssignmentOperation compound:
                if (dependentControl || Of(compound.Value)) MarkTarget(compound.Target, Mark);
                break;
            case IDeconstructionAssignmentOperation deconstruction:
                if (dependentControl || Of(deconstruction.Value)) MarkTarget(deconstruction.Target, Mark);
                break;
            case IIncrementOrDecrementOperation increment when dependentControl:
                MarkTarget(increment.Target, Mark);
                break;
            case IForEachLoopOperation loop:
                if (dependentControl || Of(loop.Collection))
                    foreach (var local in loop.Locals) Mark(local);
                if (loop.LoopControlVariable is { } control && (dependentControl || Of(loop.Collection))) MarkTarget(control, Mark);
                break;
            case IReturnOperation { ReturnedValue: { } value } when method is not null:
                if (dependentControl || Of(value)) Mark(method.OriginalDefinition);
                break;
            case IInvocationOperation call:
                // list.Add(v): the collection holds dependent values; helper(arg): the parameter receives one.
                if (call.Instance is { } receiver && call.TargetMethod.Name is "Add" or "AddRange" or "Insert" or "Push" or "Enqueue"
                    && call.Arguments.Any(a => Of(a.Value)))
                    MarkTarget(receiver, Mark);
                if (_scope.IsTranslated(call.TargetMethod))
                {
                    foreach (var argument in call.Arguments)
                    {
                        if (argument.Parameter is not { } parameter) continue;
                        if (Of(argument.Value)) Mark(parameter.OriginalDefinition);
                        if (parameter.RefKind is RefKind.Out or RefKind.Ref && _dependent.Contains(parameter.OriginalDefinition))
                            MarkTarget(argument.Value, Mark);
                    }
                }
                break;
        }

        // A branch or loop whose condition depends on the input makes everything assigned in it depend on the input
        // (only for the layer map, which must know every value a skipped prefix would have computed).
        var implicitFlow = _kind == DependenceKind.Input;
        switch (operation)
        {
            case IConditionalOperation conditional when implicitFlow && !dependentControl && Of(conditional.Condition):
                changed |= Walk(conditional.Condition, method, false);
                changed |= Walk(conditional.WhenTrue, method, true);
                if (conditional.WhenFalse is { } whenFalse) changed |= Walk(whenFalse, method, true);
                return changed;
            case IWhileLoopOperation loop when implicitFlow && !dependentControl && Of(loop.Condition):
                foreach (var child in loop.ChildOperations) changed |= Walk(child, method, true);
                return changed;
            case IForLoopOperation loop when implicitFlow && !dependentControl && Of(loop.Condition):
                foreach (var child in loop.ChildOperations) changed |= Walk(child, method, true);
                return changed;
            case IForEachLoopOperation loop when implicitFlow && !dependentControl && Of(loop.Collection):
                foreach (var child in loop.ChildOperations) changed |= Walk(child, method, true);
                return changed;
            case ISwitchOperation s when implicitFlow && !dependentControl && Of(s.Value):
                foreach (var child in s.ChildOperations) changed |= Walk(child, method, true);
                return changed;
            case ILocalFunctionOperation local:
                foreach (var child in local.ChildOperations) changed |= Walk(child, local.Symbol, dependentControl);
                return changed;
            case IAnonymousFunctionOperation lambda:
                foreach (var child in lambda.ChildOperations) changed |= Walk(child, lambda.Symbol, dependentControl);
                return changed;
        }
        foreach (var child in operation.ChildOperations) changed |= Walk(child, method, dependentControl);
        return changed;
    }

    private static void MarkTarget(IOperation target, System.Action<ISymbol?> mark)
    {
        switch (target)
        {
            case ILocalReferenceOperation l: mark(l.Local); break;
            case IParameterReferenceOperation p: mark(p.Parameter); break;
            case IDeclarationExpressionOperation d: MarkTarget(d.Expression, mark); break;
            case ITupleOperation t: foreach (var e in t.Elements) MarkTarget(e, mark); break;
            case IVariableDeclaratorOperation v: mark(v.Symbol); break;
            case IVariableDeclarationOperation v: foreach (var d in v.Declarators) mark(d.Symbol); break;
            case IArrayElementReferenceOperation a: MarkTarget(a.ArrayReference, mark); break;
            case IPropertyReferenceOperation { Instance: { } instance } p when p.Arguments.Length > 0: MarkTarget(instance, mark); break;
            case IConversionOperation c: MarkTarget(c.Operand, mark); break;
            case IParenthesizedOperation p: MarkTarget(p.Operand, mark); break;
            case IArgumentOperation a: MarkTarget(a.Value, mark); break;
        }
    }

    private static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
    {
        ILocalSymbol l => l.Type,
        IParameterSymbol p => p.Type,
        IMethodSymbol m => m.ReturnType,
        _ => null,
    };
}

/// <summary>What a <see cref="Dependence"/> analysis follows.</summary>
internal enum DependenceKind
{
    /// <summary>Tensor values that carry the decomposed input's data (the decomposition).</summary>
    Data,
    /// <summary>Values of any type computed from the input, by data, shape or control (the layer map).</summary>
    Input,
}
