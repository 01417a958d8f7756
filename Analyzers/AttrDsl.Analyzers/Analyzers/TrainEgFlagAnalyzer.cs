using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using AttrDsl.Analyzers.Diagnostics;
using AttrDsl.Analyzers.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace AttrDsl.Analyzers;

/// <summary>
/// ATTR004 / ATTR005 / ATTR014, the output given to a model's <c>ExpectedGradients(output, ...)</c> followed back to the
/// <c>forward</c> call that produced it. A forward data-flow analysis on the method's control-flow graph tracks, for every
/// local, parameter and flow capture, an abstract <see cref="Value"/>: the forward calls a tensor may come from, and the
/// same for its parts — tuple elements and members (by name) and collection or array elements (one summary "[]"). So a
/// plain forward is followed through locals, reassignment, branches, loops, conditional expressions, lambdas, tuples and
/// deconstruction, arrays, lists and other collections, and through the returns, <c>out</c>/<c>ref</c> parameters and
/// property getters of helpers and local functions in the same compilation (summarised once, with the helper's tensor
/// parameters as placeholders filled in at each call). A TorchSharp operation that computes a new tensor from a forward
/// output (<c>detach()</c>, <c>log_softmax(1)</c>, an operator, an indexer) is a transform: ExpectedGradients only
/// knows the tensor object forward(x, trainEg: true) returned.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TrainEgFlagAnalyzer : AttrDslAnalyzer
{
    /// <summary>Set on ATTR004 when the diagnostic sits on the forward call itself, so the fix can add trainEg: true.</summary>
    public const string FixableProperty = "AddTrainEg";

    private const int MaxHelperDepth = 3;
    private const int MaxValueDepth = 4;
    private const string Elements = "[]";

    // TorchSharp members that return the tensor they were given (the same object), not a new one.
    private static readonly ImmutableHashSet<string> SameTensor = ImmutableHashSet.Create(
        "print", "retain_grad", "MoveToOuterDisposeScope", "DetachFromDisposeScope", "MoveToOtherDisposeScope",
        "MoveToOuter", "MoveToOther", "Detach", "Attach", "Include");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics =>
        ImmutableArray.Create(DiagnosticDescriptors.MissingTrainEgFlag, DiagnosticDescriptors.VariableTrainEgFlag, DiagnosticDescriptors.TransformedTrainEgOutput);

    private protected override void Register(CompilationStartAnalysisContext start, KnownSymbols known)
    {
        var helpers = new ConcurrentDictionary<IMethodSymbol, Summary>(SymbolEqualityComparer.Default);
        // Per member: a cheap name check on each invocation notes whether the member calls ExpectedGradients at all; only
        // then, at the end of the member, its control-flow graph is built and analysed once for all its calls.
        start.RegisterOperationBlockStartAction(block =>
        {
            var calls = 0;
            block.RegisterOperationAction(c =>
            {
                if (((IInvocationOperation)c.Operation).TargetMethod.Name == "ExpectedGradients") System.Threading.Interlocked.Increment(ref calls);
            }, OperationKind.Invocation);
            block.RegisterOperationBlockEndAction(end =>
            {
                if (calls == 0) return;
                var diagnostics = new Dictionary<(Location, string), Diagnostic>();
                foreach (var root in end.OperationBlocks)
                {
                    if (root is not (IMethodBodyBaseOperation or IBlockOperation)) continue;
                    var cfg = end.GetControlFlowGraph(root);
                    new Analysis(known, end.Compilation, helpers, end.CancellationToken).Run(cfg, State.Empty, root.Syntax, diagnostics);
                }
                foreach (var d in diagnostics.Values) end.ReportDiagnostic(d);
            });
        });
    }

    /// <summary>Where a tensor value came from.</summary>
    private enum OriginKind { Unknown, EgForward, PlainForward, FalseFlag, VariableFlag, Transformed, Parameter }

    /// <summary>
    /// One possible source of a tensor. <see cref="Call"/>: the forward call (or, for Transformed, the transform).
    /// Parameter: a helper's tensor parameter, filled in at the call; <see cref="Call"/> then is a transform applied to it
    /// in the helper, if any.
    /// </summary>
    private sealed class Origin(OriginKind kind, SyntaxNode? call, string description, string source = "", IParameterSymbol? parameter = null)
    {
        public OriginKind Kind { get; } = kind;
        public SyntaxNode? Call { get; } = call;
        public string Description { get; } = description;
        /// <summary>Transformed: what the transform was applied to.</summary>
        public string Source { get; } = source;
        public IParameterSymbol? Parameter { get; } = parameter;

        public static readonly Origin Unknown = new(OriginKind.Unknown, null, "");

        public bool IsForward => Kind is OriginKind.EgForward or OriginKind.PlainForward or OriginKind.FalseFlag or OriginKind.VariableFlag;

        public override bool Equals(object? obj) =>
            obj is Origin o && o.Kind == Kind && Equals(o.Call, Call) && SymbolEqualityComparer.Default.Equals(o.Parameter, Parameter);

        public override int GetHashCode() => ((int)Kind * 397) ^ (Call?.GetHashCode() ?? 0) ^ (Parameter is null ? 0 : SymbolEqualityComparer.Default.GetHashCode(Parameter));
    }

    /// <summary>
    /// What a value may hold: the origins of the value itself (when it is a tensor) and of its parts — tuple elements and
    /// members by name, collection elements as one part "[]". A missing part is unknown.
    /// </summary>
    private sealed class Value
    {
        private static readonly ImmutableHashSet<Origin> UnknownSelf = ImmutableHashSet.Create(Origin.Unknown);

        public static readonly Value Unknown = new(UnknownSelf, ImmutableDictionary<string, Value>.Empty);

        private Value(ImmutableHashSet<Origin> self, ImmutableDictionary<string, Value> parts)
        {
            Self = self;
            Parts = parts;
            Depth = parts.Count == 0 ? 0 : 1 + parts.Values.Max(p => p.Depth);
        }

        public ImmutableHashSet<Origin> Self { get; }

        public ImmutableDictionary<string, Value> Parts { get; }

        public int Depth { get; }

        public static Value Of(ImmutableHashSet<Origin> self) => self.Count == 0 ? Unknown : new(self, ImmutableDictionary<string, Value>.Empty);

        public static Value Of(Origin origin) => Of(ImmutableHashSet.Create(origin));

        public static Value WithParts(IEnumerable<KeyValuePair<string, Value>> parts)
        {
            var value = new Value(UnknownSelf, ImmutableDictionary.CreateRange(parts));
            return value.Depth > MaxValueDepth ? Unknown : value;   // a value built up in a loop stays finite
        }

        public Value? Part(string name) => Parts.TryGetValue(name, out var v) ? v : null;

        public Value With(string name, Value part) => WithParts(Parts.SetItem(name, part));

        public static Value Join(Value a, Value b)
        {
            if (ReferenceEquals(a, b)) return a;
            var parts = a.Parts;
            foreach (var kv in b.Parts) parts = parts.SetItem(kv.Key, parts.TryGetValue(kv.Key, out var v) ? Join(v, kv.Value) : kv.Value);
            var joined = new Value(a.Self.Union(b.Self), parts);
            return joined.Depth > MaxValueDepth ? Of(joined.Self) : joined;
        }

        public static Value Join(IEnumerable<Value> values) => values.Aggregate((Value?)null, (a, b) => a is null ? b : Join(a, b)) ?? Unknown;

        public bool SameAs(Value other) =>
            ReferenceEquals(this, other)
            || Self.SetEquals(other.Self) && Parts.Count == other.Parts.Count && Parts.All(kv => other.Parts.TryGetValue(kv.Key, out var v) && v.SameAs(kv.Value));

        /// <summary>Every origin, the parts' included, replaced by <paramref name="map"/>.</summary>
        public Value Map(System.Func<Origin, ImmutableHashSet<Origin>> map)
        {
            var self = Self.SelectMany(map).ToImmutableHashSet();
            var parts = Parts.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.Map(map));
            return new Value(self.Count == 0 ? UnknownSelf : self, parts);
        }
    }

    // What each local, parameter (ILocalSymbol, IParameterSymbol) and flow capture (CaptureId) may hold.
    private sealed class State
    {
        public static State Empty => new(ImmutableDictionary<object, Value>.Empty);

        public State(ImmutableDictionary<object, Value> values) => Values = values;

        public ImmutableDictionary<object, Value> Values { get; private set; }

        public Value Get(object key) => Values.TryGetValue(key, out var v) ? v : Value.Unknown;

        public void Set(object key, Value value) => Values = Values.SetItem(key, value);

        /// <summary>What a nested graph (lambda, local function) sees: the variables, not this graph's flow captures.</summary>
        public State Variables() => new(ImmutableDictionary.CreateRange(Values.Where(kv => kv.Key is ISymbol)));

        public static State Join(IEnumerable<State> states)
        {
            var joined = ImmutableDictionary<object, Value>.Empty;
            foreach (var s in states)
                foreach (var kv in s.Values)
                    joined = joined.SetItem(kv.Key, joined.TryGetValue(kv.Key, out var v) ? Value.Join(v, kv.Value) : kv.Value);
            return new State(joined);
        }

        public bool SameAs(State other) =>
            Values.Count == other.Values.Count && Values.All(kv => other.Values.TryGetValue(kv.Key, out var v) && v.SameAs(kv.Value));
    }

    /// <summary>A helper's effect: what it returns and what its out/ref parameters hold when it returns.</summary>
    private sealed class Summary(Value returns, ImmutableDictionary<int, Value> outs)
    {
        public static readonly Summary Unknown = new(Value.Unknown, ImmutableDictionary<int, Value>.Empty);

        public Value Returns { get; } = returns;

        public ImmutableDictionary<int, Value> Outs { get; } = outs;
    }

    private sealed class Analysis(KnownSymbols known, Compilation compilation, ConcurrentDictionary<IMethodSymbol, Summary> helpers, System.Threading.CancellationToken ct)
    {
        private readonly HashSet<IMethodSymbol> _inProgress = new(SymbolEqualityComparer.Default);
        private ControlFlowGraph? _cfg;
        private int _truncated;   // helpers left unknown for depth or recursion: a summary built on one is not memoized

        /// <summary>
        /// Runs the data flow over <paramref name="cfg"/> to a fixed point, then (with <paramref name="diagnostics"/>)
        /// reports at every ExpectedGradients call. Returns what the graph returns and its state at the exit.
        /// </summary>
        public (Value Returns, State Exit) Run(ControlFlowGraph cfg, State entry, SyntaxNode body, Dictionary<(Location, string), Diagnostic>? diagnostics)
        {
            var saved = _cfg;
            _cfg = cfg;
            try
            {
                var blocks = cfg.Blocks;
                var outStates = new State?[blocks.Length];
                Value? returns = null;
                for (var pass = 0; pass < 100; pass++)
                {
                    var changed = false;
                    foreach (var block in blocks)
                    {
                        ct.ThrowIfCancellationRequested();
                        var state = In(block, entry, outStates);
                        Transfer(block, state, body, null, ref returns);
                        if (outStates[block.Ordinal] is not { } old || !old.SameAs(state))
                        {
                            outStates[block.Ordinal] = state;
                            changed = true;
                        }
                    }
                    if (!changed) break;
                }
                if (diagnostics is not null)
                {
                    foreach (var block in blocks)
                    {
                        var state = In(block, entry, outStates);
                        Transfer(block, state, body, (cfg, diagnostics), ref returns);
                    }
                    foreach (var local in cfg.LocalFunctions)
                        Run(cfg.GetLocalFunctionControlFlowGraph(local, ct), State.Empty, body, diagnostics);
                }
                return (returns ?? Value.Unknown, In(blocks[blocks.Length - 1], entry, outStates));
            }
            finally
            {
                _cfg = saved;
            }
        }

        private static State In(BasicBlock block, State entry, State?[] outStates) =>
            block.Kind == BasicBlockKind.Entry
                ? new State(entry.Values)
                : State.Join(block.Predecessors.Select(p => outStates[p.Source.Ordinal]).Where(s => s is not null)!);

        private void Transfer(BasicBlock block, State state, SyntaxNode body, (ControlFlowGraph Cfg, Dictionary<(Location, string), Diagnostic> Out)? report, ref Value? returns)
        {
            foreach (var operation in block.Operations) Visit(operation, state, body, report);
            if (block.BranchValue is { } value)
            {
                Visit(value, state, body, report);
                if (block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return)
                    returns = returns is null ? Evaluate(value, state) : Value.Join(returns, Evaluate(value, state));
            }
        }

        // Children first: that is evaluation order for the expressions forward and ExpectedGradients appear in.
        private void Visit(IOperation operation, State state, SyntaxNode body, (ControlFlowGraph Cfg, Dictionary<(Location, string), Diagnostic> Out)? report)
        {
            if (operation is IFlowAnonymousFunctionOperation lambda)
            {
                // A lambda sees the locals it captures as they are where it is created.
                if (report is { } r) Run(r.Cfg.GetAnonymousFunctionControlFlowGraph(lambda, ct), state.Variables(), body, r.Out);
                return;
            }
            foreach (var child in operation.ChildOperations) Visit(child, state, body, report);
            switch (operation)
            {
                case ISimpleAssignmentOperation assignment:
                    Write(assignment.Target, Evaluate(assignment.Value, state), state);
                    break;
                case IDeconstructionAssignmentOperation deconstruction:
                    Write(deconstruction.Target, Evaluate(deconstruction.Value, state), state);
                    break;
                case IFlowCaptureOperation capture:
                    state.Set(capture.Id, Evaluate(capture.Value, state));
                    break;
                case IInvocationOperation call:
                    AfterCall(call, state);
                    if (report is { } r2 && call.TargetMethod.Name == "ExpectedGradients" && IsModelCall(call) && call.Arguments.Length > 0)
                        Check(call, state, body, r2.Out);
                    break;
            }
        }

        // The effects of a call on its arguments: out/ref arguments get what the callee leaves there; a library call on a
        // collection with tensors (or collections of them) as arguments may add them to its elements (Add, Insert, Push, ...).
        private void AfterCall(IInvocationOperation call, State state)
        {
            var method = call.TargetMethod;
            var byReference = call.Arguments.Any(a => a.Parameter?.RefKind is RefKind.Out or RefKind.Ref);
            var source = IsSourceHelper(method);
            var summary = source && byReference ? Summarize(call, state) : null;
            var receiver = Receiver(call);
            foreach (var argument in byReference ? call.Arguments : ImmutableArray<IArgumentOperation>.Empty)
            {
                if (argument.Parameter is not { RefKind: RefKind.Out or RefKind.Ref } parameter) continue;
                Value value;
                if (summary is not null)
                    value = summary.Outs.TryGetValue(parameter.Ordinal, out var o) ? Substitute(o, call, state) : Value.Unknown;
                else if (receiver is not null && !known.IsTensor(receiver.Type) && known.IsTensor(parameter.Type) && Evaluate(receiver, state).Part(Elements) is { } element)
                    value = element;   // TryGetValue, TryPeek, TryDequeue, ...
                else
                    value = Value.Unknown;
                Write(argument.Value, value, state);
            }
            if (!source && call.Instance is { } instance && IsCollection(instance.Type) && !known.IsTensor(instance.Type) && IsVariable(instance))
            {
                var added = new List<Value>();
                foreach (var argument in call.Arguments)
                {
                    if (argument.Parameter?.RefKind is RefKind.Out or RefKind.Ref) continue;
                    var value = Evaluate(argument.Value, state);
                    if (known.IsTensor(argument.Value.Type)) added.Add(value);
                    else if (value.Part(Elements) is { } elements) added.Add(elements);
                }
                if (added.Count > 0)
                {
                    var current = Evaluate(instance, state);
                    var joined = Value.Join(current.Part(Elements) is { } old ? added.Prepend(old) : added);
                    Write(instance, current.With(Elements, joined), state);
                }
            }
        }

        // Assigns value to a local, parameter, deconstruction, tuple element or member, or (added to) an element.
        private void Write(IOperation target, Value value, State state)
        {
            switch (target)
            {
                case IConversionOperation conversion:
                    Write(conversion.Operand, value, state);
                    break;
                case IDeclarationExpressionOperation declaration:
                    Write(declaration.Expression, value, state);
                    break;
                case ILocalReferenceOperation local:
                    state.Set(local.Local, value);
                    break;
                case IParameterReferenceOperation parameter:
                    state.Set(parameter.Parameter, value);
                    break;
                case IFlowCaptureReferenceOperation capture:
                    state.Set(capture.Id, value);
                    break;
                case ITupleOperation tuple:
                    for (var i = 0; i < tuple.Elements.Length; i++) Write(tuple.Elements[i], value.Part("Item" + (i + 1)) ?? Value.Unknown, state);
                    break;
                case IFieldReferenceOperation { Instance: { } instance } field when IsVariable(instance):
                    Write(instance, Evaluate(instance, state).With(MemberName(field.Field), value), state);
                    break;
                case IPropertyReferenceOperation { Instance: { } instance, Arguments.Length: 0 } property when IsVariable(instance):
                    Write(instance, Evaluate(instance, state).With(property.Property.Name, value), state);
                    break;
                case IArrayElementReferenceOperation element when IsVariable(element.ArrayReference):
                    AddElement(element.ArrayReference, value, state);
                    break;
                case IPropertyReferenceOperation { Instance: { } instance, Arguments.Length: > 0 } when IsVariable(instance) && !known.IsTensor(instance.Type):
                    AddElement(instance, value, state);
                    break;
            }
        }

        private void AddElement(IOperation collection, Value value, State state)
        {
            var current = Evaluate(collection, state);
            Write(collection, current.With(Elements, current.Part(Elements) is { } old ? Value.Join(old, value) : value), state);
        }

        // A place the analysis tracks: a local, parameter or flow capture, or a tuple element or member of one.
        private static bool IsVariable(IOperation operation) => operation switch
        {
            IConversionOperation c => IsVariable(c.Operand),
            ILocalReferenceOperation or IParameterReferenceOperation or IFlowCaptureReferenceOperation => true,
            IFieldReferenceOperation { Instance: { } i } => IsVariable(i),
            IPropertyReferenceOperation { Instance: { } i, Arguments.Length: 0 } => IsVariable(i),
            _ => false,
        };

        private static string MemberName(IFieldSymbol field) => (field.CorrespondingTupleField ?? field).Name;

        private void Check(IInvocationOperation call, State state, SyntaxNode body, Dictionary<(Location, string), Diagnostic> diagnostics)
        {
            var argument = call.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).First();
            var origins = Evaluate(argument.Value, state).Self;
            bool Here(Origin o) => o.Call is not null && o.Call.SyntaxTree == body.SyntaxTree && body.Span.Contains(o.Call.Span);
            var wrong = 0;
            foreach (var origin in origins.Where(o => o.Kind is OriginKind.PlainForward or OriginKind.FalseFlag))
            {
                var location = Here(origin) ? origin.Call!.GetLocation() : argument.Syntax.GetLocation();
                var properties = Here(origin) ? ImmutableDictionary<string, string?>.Empty.Add(FixableProperty, "true") : ImmutableDictionary<string, string?>.Empty;
                diagnostics[(location, "ATTR004")] = Diagnostic.Create(DiagnosticDescriptors.MissingTrainEgFlag, location, properties, origin.Description);
                wrong++;
            }
            foreach (var origin in origins.Where(o => o.Kind == OriginKind.Transformed))
            {
                var location = Here(origin) ? origin.Call!.GetLocation() : argument.Syntax.GetLocation();
                diagnostics[(location, "ATTR014")] = Diagnostic.Create(DiagnosticDescriptors.TransformedTrainEgOutput, location, origin.Description, origin.Source);
                wrong++;
            }
            if (wrong > 0) return;
            foreach (var origin in origins.Where(o => o.Kind == OriginKind.VariableFlag))
            {
                var location = Here(origin) ? origin.Call!.GetLocation() : argument.Syntax.GetLocation();
                diagnostics[(location, "ATTR005")] = Diagnostic.Create(DiagnosticDescriptors.VariableTrainEgFlag, location, origin.Description);
            }
        }

        /// <summary>What the value of <paramref name="value"/> may hold in <paramref name="state"/>.</summary>
        private Value Evaluate(IOperation value, State state)
        {
            switch (value)
            {
                case IConversionOperation conversion:
                    return Evaluate(conversion.Operand, state);
                case IParenthesizedOperation parenthesized:
                    return Evaluate(parenthesized.Operand, state);
                case IDeclarationExpressionOperation declaration:
                    return Evaluate(declaration.Expression, state);
                case ILocalReferenceOperation local:
                    return state.Get(local.Local);
                case IParameterReferenceOperation parameter:
                    return state.Get(parameter.Parameter);
                case IFlowCaptureReferenceOperation capture:
                    return state.Get(capture.Id);
                case ITupleOperation tuple:
                    return Value.WithParts(tuple.Elements.Select((e, i) => new KeyValuePair<string, Value>("Item" + (i + 1), Evaluate(e, state))));
                case IArrayCreationOperation { Initializer: { } initializer }:
                    return Collection(ArrayElements(initializer).Select(e => Evaluate(e, state)));
                case IObjectCreationOperation creation when IsCollection(creation.Type):
                    // new List<Tensor>(outputs): its elements are the given collection's (an initializer is lowered to Add calls).
                    return Collection(creation.Arguments.Select(a => Evaluate(a.Value, state).Part(Elements)).OfType<Value>());
                case IFieldReferenceOperation { Instance: { } instance } field:
                    return Evaluate(instance, state).Part(MemberName(field.Field)) ?? Value.Unknown;
                case IArrayElementReferenceOperation element:
                    return Evaluate(element.ArrayReference, state).Part(Elements) ?? Value.Unknown;
                case IPropertyReferenceOperation property:
                    return Property(property, state);
                case IInvocationOperation call:
                    return Call(call, state);
                case IBinaryOperation { OperatorMethod: not null } binary when known.IsTensor(binary.Type):
                    return Transform(binary, "the operator " + binary.OperatorKind, [binary.LeftOperand, binary.RightOperand], state);
                case IUnaryOperation { OperatorMethod: not null } unary when known.IsTensor(unary.Type):
                    return Transform(unary, "the operator " + unary.OperatorKind, [unary.Operand], state);
                case var other when other.Kind == OperationKind.None || other.Kind.ToString() == "CollectionExpression":
                    // [a, b, ..rest] (no IOperation interface in the Roslyn the analyzers build against): elements and spreads.
                    return IsCollection(value.Type)
                        ? Collection(value.ChildOperations.Select(e => e.Kind.ToString() == "Spread"
                            ? e.ChildOperations.Select(s => Evaluate(s, state).Part(Elements)).FirstOrDefault() ?? Value.Unknown
                            : Evaluate(e, state)))
                        : Value.Unknown;
                default:
                    return Value.Unknown;
            }
        }

        private static IEnumerable<IOperation> ArrayElements(IArrayInitializerOperation initializer) =>
            initializer.ElementValues.SelectMany(e => e is IArrayInitializerOperation nested ? ArrayElements(nested) : [e]);

        private static Value Collection(IEnumerable<Value> elements)
        {
            var list = elements.ToList();
            return list.Count == 0 ? Value.Unknown : Value.WithParts([new KeyValuePair<string, Value>(Elements, Value.Join(list))]);
        }

        private static bool IsCollection(ITypeSymbol? type) =>
            type is IArrayTypeSymbol || type?.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_Collections_IEnumerable) == true;

        private Value Property(IPropertyReferenceOperation property, State state)
        {
            var instance = property.Instance;
            if (instance is not null && known.IsTensor(instance.Type) && known.IsTensor(property.Type) && !SameTensor.Contains(property.Property.Name))
                return Transform(property, property.Arguments.Length > 0 ? "an indexer" : property.Property.Name, [instance], state);
            var receiver = instance is null ? Value.Unknown : Evaluate(instance, state);
            if (property.Arguments.Length > 0) return receiver.Part(Elements) ?? Value.Unknown;   // list[i], dictionary[key]
            if (receiver.Part(property.Property.Name) is { } part) return part;
            if (property.Property.GetMethod is { } getter && IsSourceHelper(getter))
                return Describe(Helper(getter, null, state).Returns, getter);
            // enumerator.Current, dictionary.Values, ...: a view of the same elements.
            if (receiver.Part(Elements) is { } elements && instance is not null && !known.IsTensor(instance.Type))
                return known.IsTensor(property.Type) ? elements : Value.WithParts([new KeyValuePair<string, Value>(Elements, elements)]);
            return Value.Unknown;
        }

        private Value Call(IInvocationOperation call, State state)
        {
            var method = call.TargetMethod;
            if (IsModelCall(call) && method.Name == "forward") return Value.Of(Forward(call));
            if (IsModelCall(call) && method.Name == "call") return Value.Of(new Origin(OriginKind.PlainForward, call.Syntax, "call(x), a plain forward"));
            var returnsTensor = known.IsTensor(method.ReturnType);
            if (IsSourceHelper(method))
                return returnsTensor || method.ReturnType.IsTupleType || IsCollection(method.ReturnType)
                    ? Substitute(Summarize(call, state).Returns, call, state)
                    : Value.Unknown;
            if (returnsTensor && IsTorchSharp(method))
            {
                var inputs = new List<IOperation>();
                if (call.Instance is { } i && known.IsTensor(i.Type)) inputs.Add(i);
                inputs.AddRange(call.Arguments.Where(a => known.IsTensor(a.Value.Type) && a.Parameter?.RefKind is not (RefKind.Out or RefKind.Ref)).Select(a => a.Value));
                if (SameTensor.Contains(method.Name) || method.Name.EndsWith("_", System.StringComparison.Ordinal))
                    return inputs.Count > 0 ? Evaluate(inputs[0], state) : Value.Unknown;   // in place / the same object
                return Transform(call, method.Name + "(...)", inputs, state);
            }
            // A call on a collection: a tensor it returns is one of its elements (list.First(), stack.Pop(), ...); a
            // collection it returns holds the same elements (GetEnumerator, ToList, Where, ...) unless a delegate computes them.
            if (Receiver(call) is { } receiver && !known.IsTensor(receiver.Type) && Evaluate(receiver, state).Part(Elements) is { } elements)
            {
                if (returnsTensor) return elements;
                if (!call.Arguments.Any(a => a.Value.Type is INamedTypeSymbol { DelegateInvokeMethod: { } invoke } && !invoke.ReturnType.SpecialType.Equals(SpecialType.System_Boolean)))
                    return Value.WithParts([new KeyValuePair<string, Value>(Elements, elements)]);
            }
            return Value.Unknown;
        }

        // The instance of a call, or the collection an extension method is called on.
        private static IOperation? Receiver(IInvocationOperation call) =>
            call.Instance ?? (call.TargetMethod.IsExtensionMethod ? call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value : null);

        private static bool IsTorchSharp(IMethodSymbol method)
        {
            var ns = method.ContainingType?.ContainingNamespace;
            while (ns is { ContainingNamespace.IsGlobalNamespace: false }) ns = ns.ContainingNamespace;
            return ns?.Name == "TorchSharp" && method.ContainingType?.Name != "DisposeScope";
        }

        // A new tensor computed from the inputs: a forward output among them becomes Transformed; a helper's parameter
        // remembers the transform until the call fills it in.
        private Value Transform(IOperation operation, string name, IEnumerable<IOperation> inputs, State state)
        {
            var origins = inputs.SelectMany(i => Evaluate(i, state).Self).Select(o => o switch
            {
                { IsForward: true } => new Origin(OriginKind.Transformed, operation.Syntax, name, o.Kind == OriginKind.EgForward ? "forward(x, trainEg: true)" : o.Description),
                { Kind: OriginKind.Parameter, Call: null } => new Origin(OriginKind.Parameter, operation.Syntax, name, "", o.Parameter),
                _ => o,
            }).ToImmutableHashSet();
            return Value.Of(origins);
        }

        private Origin Forward(IInvocationOperation call)
        {
            var flag = call.Arguments.FirstOrDefault(a => a.Parameter?.Type.SpecialType == SpecialType.System_Boolean);
            if (flag is null) return new Origin(OriginKind.PlainForward, call.Syntax, "forward(x), a plain forward");
            if (flag.Value.ConstantValue is { HasValue: true, Value: bool b })
                return b ? new Origin(OriginKind.EgForward, call.Syntax, "") : new Origin(OriginKind.FalseFlag, call.Syntax, "forward(x, trainEg: false)");
            return new Origin(OriginKind.VariableFlag, call.Syntax, flag.Value.Syntax.ToString());
        }

        // Fills a helper's parameter placeholders in with what the call passes.
        private Value Substitute(Value value, IInvocationOperation call, State state)
        {
            var method = call.TargetMethod.OriginalDefinition;
            return value.Map(o =>
            {
                if (o.Kind != OriginKind.Parameter || o.Parameter is not { } p || !SymbolEqualityComparer.Default.Equals(p.ContainingSymbol, method))
                    return ImmutableHashSet.Create(o);
                var argument = call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == p.Ordinal);
                if (argument is null) return ImmutableHashSet.Create(Origin.Unknown);
                var given = Evaluate(argument.Value, state).Self;
                return o.Call is null
                    ? given
                    : given.Select(g => g switch
                    {
                        { IsForward: true } => new Origin(OriginKind.Transformed, o.Call, o.Description, g.Kind == OriginKind.EgForward ? "forward(x, trainEg: true)" : g.Description),
                        { Kind: OriginKind.Parameter, Call: null } => new Origin(OriginKind.Parameter, o.Call, o.Description, "", g.Parameter),
                        _ => g,
                    }).ToImmutableHashSet();
            });
        }

        // A method, local function or property getter written in this compilation (not a generated member such as
        // ExpectedGradients itself): followed through its body.
        private static bool IsSourceHelper(IMethodSymbol method)
        {
            method = method.OriginalDefinition;
            return !method.IsAbstract && !method.IsExtern && method.DeclaringSyntaxReferences.Length == 1
                && method.MethodKind is MethodKind.Ordinary or MethodKind.LocalFunction or MethodKind.PropertyGet
                && !method.GetAttributes().Any(a => a.AttributeClass?.Name == "GeneratedCodeAttribute")
                && !(method.AssociatedSymbol?.GetAttributes().Any(a => a.AttributeClass?.Name == "GeneratedCodeAttribute") ?? false);
        }

        private Summary Summarize(IInvocationOperation call, State state)
        {
            var summary = Helper(call.TargetMethod.OriginalDefinition, call, state);
            return new Summary(Describe(summary.Returns, call.TargetMethod), summary.Outs.ToImmutableDictionary(kv => kv.Key, kv => Describe(kv.Value, call.TargetMethod)));
        }

        // A helper's summary, with its tensor parameters as placeholders. Methods and getters: once per compilation
        // (depth-limited); a local function: at each call, with the caller's variables as it captures them.
        private Summary Helper(IMethodSymbol method, IInvocationOperation? call, State callerState)
        {
            method = method.OriginalDefinition;
            var local = method.MethodKind == MethodKind.LocalFunction;
            if (!local && helpers.TryGetValue(method, out var cached)) return cached;
            if (_inProgress.Count >= MaxHelperDepth || _inProgress.Contains(method) || _cfg is null)
            {
                _truncated++;
                return Summary.Unknown;
            }
            ControlFlowGraph? graph;
            SyntaxNode syntax;
            var entry = local ? callerState.Variables() : State.Empty;
            if (local)
            {
                try
                {
                    graph = _cfg.GetLocalFunctionControlFlowGraphInScope(method, ct);
                }
                catch (System.ArgumentException)
                {
                    return Summary.Unknown;
                }
                syntax = method.DeclaringSyntaxReferences[0].GetSyntax(ct);
            }
            else
            {
                syntax = method.DeclaringSyntaxReferences[0].GetSyntax(ct);
#pragma warning disable RS1030 // The called helper lives in another body (maybe another file); its operations need its tree's model. Memoized per compilation.
                var model = compilation.GetSemanticModel(syntax.SyntaxTree);
#pragma warning restore RS1030
                graph = model.GetOperation(syntax, ct) is { Parent: null } and (IMethodBodyBaseOperation or IBlockOperation) ? ControlFlowGraph.Create(syntax, model, ct) : null;
            }
            if (graph is null) return Summary.Unknown;
            foreach (var parameter in method.Parameters)
                entry.Set(parameter, parameter.RefKind == RefKind.Out || !known.IsTensor(parameter.Type)
                    ? Value.Unknown
                    : Value.Of(new Origin(OriginKind.Parameter, null, "", "", parameter)));
            _inProgress.Add(method);
            var truncatedBefore = _truncated;
            try
            {
                var (returns, exit) = Run(graph, entry, syntax, null);
                var outs = method.Parameters.Where(p => p.RefKind is RefKind.Out or RefKind.Ref)
                    .ToImmutableDictionary(p => p.Ordinal, p => exit.Get(p));
                var summary = new Summary(returns, outs);
                if (!local && _truncated == truncatedBefore) helpers[method] = summary;
                return summary;
            }
            finally
            {
                _inProgress.Remove(method);
            }
        }

        private static Value Describe(Value value, IMethodSymbol helper)
        {
            var name = helper.MethodKind == MethodKind.PropertyGet && helper.AssociatedSymbol is { } property ? property.Name : helper.Name + "(...)";
            return value.Map(o => ImmutableHashSet.Create(o.Kind is OriginKind.PlainForward or OriginKind.FalseFlag or OriginKind.VariableFlag
                ? new Origin(o.Kind, o.Call, $"{name}, which returns {o.Description}")
                : o));
        }

        private bool IsModelCall(IInvocationOperation call) => IsModel(call.Instance?.Type) && known.IsTensor(call.TargetMethod.ReturnType);

        // An [Explainable] class, a class derived from one, or a type parameter constrained to one.
        private bool IsModel(ITypeSymbol? type)
        {
            if (type is ITypeParameterSymbol parameter) return parameter.ConstraintTypes.Any(IsModel);
            for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
                if (known.Has(t.OriginalDefinition, known.Explainable)) return true;
            return false;
        }
    }
}
