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
/// ATTR004 / ATTR005, the forgotten train-EG flag: follows the value given to a model's <c>ExpectedGradients(output, ...)</c>
/// back to the <c>forward</c> call that produced it — directly, through locals, reassignment, branches, loops,
/// conditional expressions, into lambdas and through the return of a helper method in the same compilation — on the
/// method's control-flow graph (a forward data-flow analysis of which calls each Tensor local may hold).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TrainEgFlagAnalyzer : AttrDslAnalyzer
{
    /// <summary>Set on ATTR004 when the diagnostic sits on the forward call itself, so the fix can add trainEg: true.</summary>
    public const string FixableProperty = "AddTrainEg";

    private const int MaxHelperDepth = 3;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics =>
        ImmutableArray.Create(DiagnosticDescriptors.MissingTrainEgFlag, DiagnosticDescriptors.VariableTrainEgFlag);

    private protected override void Register(CompilationStartAnalysisContext start, KnownSymbols known)
    {
        var helpers = new ConcurrentDictionary<IMethodSymbol, ImmutableHashSet<Origin>>(SymbolEqualityComparer.Default);
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
    private enum OriginKind { Unknown, EgForward, PlainForward, FalseFlag, VariableFlag }

    private sealed class Origin(OriginKind kind, SyntaxNode? call, string description)
    {
        public OriginKind Kind { get; } = kind;
        public SyntaxNode? Call { get; } = call;
        public string Description { get; } = description;

        public static readonly Origin Unknown = new(OriginKind.Unknown, null, "");

        public override bool Equals(object? obj) => obj is Origin o && o.Kind == Kind && Equals(o.Call, Call);
        public override int GetHashCode() => ((int)Kind * 397) ^ (Call?.GetHashCode() ?? 0);
    }

    // Which origins each Tensor local (ILocalSymbol) and flow capture (CaptureId) may hold.
    private sealed class State
    {
        public static State Empty => new(ImmutableDictionary<object, ImmutableHashSet<Origin>>.Empty);

        public State(ImmutableDictionary<object, ImmutableHashSet<Origin>> values) => Values = values;

        public ImmutableDictionary<object, ImmutableHashSet<Origin>> Values { get; private set; }

        public ImmutableHashSet<Origin> Get(object key) => Values.TryGetValue(key, out var v) ? v : ImmutableHashSet.Create(Origin.Unknown);

        public void Set(object key, ImmutableHashSet<Origin> value) => Values = Values.SetItem(key, value);

        public static State Join(IEnumerable<State> states)
        {
            var joined = ImmutableDictionary<object, ImmutableHashSet<Origin>>.Empty;
            foreach (var s in states)
                foreach (var kv in s.Values)
                    joined = joined.SetItem(kv.Key, joined.TryGetValue(kv.Key, out var v) ? v.Union(kv.Value) : kv.Value);
            return new State(joined);
        }

        public bool SameAs(State other) =>
            Values.Count == other.Values.Count && Values.All(kv => other.Values.TryGetValue(kv.Key, out var v) && v.SetEquals(kv.Value));
    }

    private sealed class Analysis(KnownSymbols known, Compilation compilation, ConcurrentDictionary<IMethodSymbol, ImmutableHashSet<Origin>> helpers, System.Threading.CancellationToken ct)
    {
        private int _depth;

        /// <summary>Runs the data flow over <paramref name="cfg"/> to a fixed point, then reports at every ExpectedGradients call.</summary>
        public ImmutableHashSet<Origin> Run(ControlFlowGraph cfg, State entry, SyntaxNode body, Dictionary<(Location, string), Diagnostic>? diagnostics)
        {
            var blocks = cfg.Blocks;
            var outStates = new State?[blocks.Length];
            var returns = ImmutableHashSet<Origin>.Empty;
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
            return returns;
        }

        private static State In(BasicBlock block, State entry, State?[] outStates) =>
            block.Kind == BasicBlockKind.Entry
                ? new State(entry.Values)
                : State.Join(block.Predecessors.Select(p => outStates[p.Source.Ordinal]).Where(s => s is not null)!);

        private void Transfer(BasicBlock block, State state, SyntaxNode body, (ControlFlowGraph Cfg, Dictionary<(Location, string), Diagnostic> Out)? report, ref ImmutableHashSet<Origin> returns)
        {
            foreach (var operation in block.Operations) Visit(operation, state, body, report);
            if (block.BranchValue is { } value)
            {
                Visit(value, state, body, report);
                if (block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return) returns = returns.Union(Origins(value, state));
            }
        }

        // Children first: that is evaluation order for the expressions forward and ExpectedGradients appear in.
        private void Visit(IOperation operation, State state, SyntaxNode body, (ControlFlowGraph Cfg, Dictionary<(Location, string), Diagnostic> Out)? report)
        {
            if (operation is IFlowAnonymousFunctionOperation lambda)
            {
                // A lambda sees the locals it captures as they are where it is created.
                if (report is { } r) Run(r.Cfg.GetAnonymousFunctionControlFlowGraph(lambda, ct), state, body, r.Out);
                return;
            }
            foreach (var child in operation.ChildOperations) Visit(child, state, body, report);
            switch (operation)
            {
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment when known.IsTensor(local.Local.Type):
                    state.Set(local.Local, Origins(assignment.Value, state));
                    break;
                case IFlowCaptureOperation capture:
                    state.Set(capture.Id, state.Values.TryGetValue(capture.Id, out var existing)
                        ? existing.Union(Origins(capture.Value, state))
                        : Origins(capture.Value, state));
                    break;
                case IInvocationOperation { TargetMethod.Name: "ExpectedGradients" } call when report is { } r2 && IsModelCall(call) && call.Arguments.Length > 0:
                    Check(call, state, body, r2.Out);
                    break;
            }
        }

        private void Check(IInvocationOperation call, State state, SyntaxNode body, Dictionary<(Location, string), Diagnostic> diagnostics)
        {
            var argument = call.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).First();
            var origins = Origins(argument.Value, state);
            var wrong = origins.Where(o => o.Kind is OriginKind.PlainForward or OriginKind.FalseFlag).ToList();
            foreach (var origin in wrong)
            {
                var here = origin.Call is not null && body.Span.Contains(origin.Call.Span) && origin.Call.SyntaxTree == body.SyntaxTree;
                var location = here ? origin.Call!.GetLocation() : argument.Syntax.GetLocation();
                var properties = here ? ImmutableDictionary<string, string?>.Empty.Add(FixableProperty, "true") : ImmutableDictionary<string, string?>.Empty;
                diagnostics[(location, "ATTR004")] = Diagnostic.Create(DiagnosticDescriptors.MissingTrainEgFlag, location, properties, origin.Description);
            }
            if (wrong.Count > 0) return;
            foreach (var origin in origins.Where(o => o.Kind == OriginKind.VariableFlag))
            {
                var location = origin.Call is not null && origin.Call.SyntaxTree == body.SyntaxTree && body.Span.Contains(origin.Call.Span)
                    ? origin.Call.GetLocation() : argument.Syntax.GetLocation();
                diagnostics[(location, "ATTR005")] = Diagnostic.Create(DiagnosticDescriptors.VariableTrainEgFlag, location, origin.Description);
            }
        }

        private ImmutableHashSet<Origin> Origins(IOperation value, State state)
        {
            switch (value)
            {
                case IConversionOperation conversion:
                    return Origins(conversion.Operand, state);
                case IParenthesizedOperation parenthesized:
                    return Origins(parenthesized.Operand, state);
                case ILocalReferenceOperation local:
                    return state.Get(local.Local);
                case IFlowCaptureReferenceOperation capture:
                    return state.Get(capture.Id);
                case IInvocationOperation call when IsModelCall(call) && call.TargetMethod.Name == "forward":
                    return ImmutableHashSet.Create(Forward(call));
                case IInvocationOperation call when IsModelCall(call) && call.TargetMethod.Name == "call":
                    return ImmutableHashSet.Create(new Origin(OriginKind.PlainForward, call.Syntax, "call(x), a plain forward"));
                case IInvocationOperation call when known.IsTensor(call.TargetMethod.ReturnType):
                    return Helper(call);
                default:
                    return ImmutableHashSet.Create(Origin.Unknown);
            }
        }

        private Origin Forward(IInvocationOperation call)
        {
            var flag = call.Arguments.FirstOrDefault(a => a.Parameter?.Type.SpecialType == SpecialType.System_Boolean);
            if (flag is null) return new Origin(OriginKind.PlainForward, call.Syntax, "forward(x), a plain forward");
            if (flag.Value.ConstantValue is { HasValue: true, Value: bool b })
                return b ? new Origin(OriginKind.EgForward, call.Syntax, "") : new Origin(OriginKind.FalseFlag, call.Syntax, "forward(x, trainEg: false)");
            return new Origin(OriginKind.VariableFlag, call.Syntax, flag.Value.Syntax.ToString());
        }

        // A Tensor-returning method of this compilation: what its returns may hold (depth-limited, memoized).
        private ImmutableHashSet<Origin> Helper(IInvocationOperation call)
        {
            var method = call.TargetMethod.OriginalDefinition;
            // Generated members (ExpectedGradients itself, Explain, ...) are not helpers the user wrote: not followed.
            if (_depth >= MaxHelperDepth || method.IsAbstract || method.IsExtern || method.DeclaringSyntaxReferences.Length != 1
                || method.GetAttributes().Any(a => a.AttributeClass?.Name == "GeneratedCodeAttribute"))
                return ImmutableHashSet.Create(Origin.Unknown);
            if (helpers.TryGetValue(method, out var cached)) return Describe(cached, method);
            var syntax = method.DeclaringSyntaxReferences[0].GetSyntax(ct);
#pragma warning disable RS1030 // The called helper lives in another body (maybe another file); its operations need its tree's model. Memoized per compilation.
            var model = compilation.GetSemanticModel(syntax.SyntaxTree);
#pragma warning restore RS1030
            if (model.GetOperation(syntax, ct) is not IMethodBodyBaseOperation operation) return ImmutableHashSet.Create(Origin.Unknown);
            _depth++;
            try
            {
                helpers.TryAdd(method, ImmutableHashSet.Create(Origin.Unknown));   // recursion guard
                var returns = ControlFlowGraph.Create(syntax, model, ct) is { } graph ? Run(graph, State.Empty, syntax, null) : ImmutableHashSet.Create(Origin.Unknown);
                helpers[method] = returns;
                return Describe(returns, method);
            }
            finally
            {
                _depth--;
            }
        }

        private static ImmutableHashSet<Origin> Describe(ImmutableHashSet<Origin> origins, IMethodSymbol helper) =>
            origins.Select(o => o.Kind is OriginKind.PlainForward or OriginKind.FalseFlag or OriginKind.VariableFlag
                ? new Origin(o.Kind, o.Call, $"{helper.Name}(...), which returns {o.Description}")
                : o).ToImmutableHashSet();

        private bool IsModelCall(IInvocationOperation call) =>
            call.Instance?.Type is INamedTypeSymbol type && known.Has(type, known.Explainable) && known.IsTensor(call.TargetMethod.ReturnType);
    }
}
