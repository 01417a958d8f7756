using System.Reflection;
using System.Runtime.ExceptionServices;
using AttrDsl.Decomposition;
using D = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.HostileInputs;

/// <summary>
/// Every public decomposition rule — the ≈300 <c>CdFunctional</c> operations and the per-operation rule classes that hand-written
/// <c>IDecomposable</c> models and generated decompositions call — found by reflection, so a rule added later is in the
/// suite without anyone writing its case. Each gets its first decomposition argument twice: an empty one
/// (<c>default(Decomposition)</c>, both parts null) and one whose parts were disposed; the other arguments are ordinary
/// values (a working module of the type a per-module rule takes). The rule must refuse both with an error saying the
/// decomposition is empty or disposed, never "empty handle" or a <c>NullReferenceException</c>.
/// </summary>
public static class RuleCases
{
    public const string Area = "rules";

    private static readonly Type[] RuleTypes = typeof(D).Assembly.GetExportedTypes()
        .Where(t => t.Namespace == typeof(D).Namespace && t.IsAbstract && t.IsSealed && (t.Name == nameof(CdFunctional) || t.Name.EndsWith("Rules", StringComparison.Ordinal)))
        .Where(t => t.Name != nameof(DecompositionRules))   // the registry, not a rule
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToArray();

    public static IEnumerable<Case> All()
    {
        foreach (var type in RuleTypes)
        foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly).OrderBy(m => m.ToString(), StringComparer.Ordinal))
        {
            var parameters = method.GetParameters();
            var hostileAt = Array.FindIndex(parameters, p => IsDecompositionLike(p.ParameterType));
            if (hostileAt < 0 || method.IsGenericMethodDefinition || !parameters.All(p => CanMake(p.ParameterType))) continue;
            var entry = $"{type.Name}.{method.Name}";
            var signature = string.Join(",", parameters.Select(p => p.ParameterType.Name));   // no spaces: case ids are space-separated in the runner's output
            yield return new Case(Area, entry, $"empty-decomposition({signature})",
                () => Invoke(method, parameters, hostileAt, Empty), Expect.Error("empty Decomposition"));
            yield return new Case(Area, entry, $"disposed-decomposition({signature})",
                () => Invoke(method, parameters, hostileAt, Disposed), Expect.Error<ObjectDisposedException>("disposed"));
        }
    }

    /// <summary>The rule types the generated cases cover, for the coverage test's view of what is exempt.</summary>
    public static IEnumerable<string> CoveredTypes() => RuleTypes.Select(t => t.Name);

    private static D Empty() => default;

    private static D Disposed()
    {
        var beta = ones(2, 3, 4, 4);
        var gamma = ones(2, 3, 4, 4);
        beta.Dispose();
        gamma.Dispose();
        return new D(beta, gamma);
    }

    private static D Valid() => new(randn(2, 3, 4, 4), randn(2, 3, 4, 4));

    private static bool IsDecompositionLike(Type t) =>
        t == typeof(D) || t == typeof(D[]) || t == typeof(IReadOnlyList<D>) || t == typeof(IEnumerable<D>) || t == typeof(D?);

    private static bool CanMake(Type t) =>
        IsDecompositionLike(t) || t == typeof(Tensor) || t == typeof(long) || t == typeof(int) || t == typeof(double) || t == typeof(float) ||
        t == typeof(bool) || t == typeof(long[]) || t == typeof(long?) || t == typeof(double?) || t == typeof(int?) || t == typeof(bool?) ||
        t == typeof(Scalar) || t == typeof(ScalarType?) || t.IsEnum || t == typeof(Func<Tensor, Tensor>) || t == typeof(string) ||
        t == typeof((long, long)) || t == typeof((long, long, long, long)) || t == typeof(Tensor[]) ||
        (Nullable.GetUnderlyingType(t) is { IsEnum: true }) || t == typeof(double[]) || t == typeof(DisposeScope) || Modules.ContainsKey(t);

    // A working instance of each module type a per-module rule takes, sized for the [2, 3, 4, 4] decompositions.
    private static readonly Dictionary<Type, Func<object>> Modules = new()
    {
        [typeof(nn.Module)] = () => { var dropout = nn.Dropout(); dropout.eval(); return dropout; },   // any module: one whose rule passes the decomposition through
        [typeof(TorchSharp.Modules.Linear)] = () => nn.Linear(4, 4),
        [typeof(TorchSharp.Modules.Conv1d)] = () => nn.Conv1d(3, 3, 1),
        [typeof(TorchSharp.Modules.Conv2d)] = () => nn.Conv2d(3, 3, 1),
        [typeof(TorchSharp.Modules.ConvTranspose1d)] = () => nn.ConvTranspose1d(3, 3, 1),
        [typeof(TorchSharp.Modules.ConvTranspose2d)] = () => nn.ConvTranspose2d(3, 3, 1),
        [typeof(TorchSharp.Modules.NormBase)] = () => { var bn = nn.BatchNorm2d(3); bn.eval(); return bn; },
        [typeof(TorchSharp.Modules.GroupNorm)] = () => nn.GroupNorm(1, 3),
        [typeof(TorchSharp.Modules.InstanceNorm)] = () => nn.InstanceNorm2d(3),
        [typeof(TorchSharp.Modules.LayerNorm)] = () => nn.LayerNorm(4),
        [typeof(TorchSharp.Modules.MaxPool1d)] = () => nn.MaxPool1d(2),
        [typeof(TorchSharp.Modules.MaxPool2d)] = () => nn.MaxPool2d(2),
        [typeof(TorchSharp.Modules.AvgPool1d)] = () => nn.AvgPool1d(2),
        [typeof(TorchSharp.Modules.AvgPool2d)] = () => nn.AvgPool2d(2),
        [typeof(TorchSharp.Modules.AdaptiveAvgPool2d)] = () => nn.AdaptiveAvgPool2d(1),
        [typeof(TorchSharp.Modules.AdaptiveMaxPool1d)] = () => nn.AdaptiveMaxPool1d(1),
        [typeof(TorchSharp.Modules.AdaptiveMaxPool2d)] = () => nn.AdaptiveMaxPool2d([1, 1]),
        [typeof(TorchSharp.Modules.Upsample)] = () => nn.Upsample(scale_factor: [2.0, 2.0]),
        [typeof(TorchSharp.Modules.PadBase)] = () => nn.ZeroPad2d(1),
        [typeof(TorchSharp.Modules.Flatten)] = () => nn.Flatten(),
        [typeof(TorchSharp.Modules.LSTM)] = () => nn.LSTM(4, 4, batchFirst: true),
        [typeof(TorchSharp.Modules.MultiheadAttention)] = () => nn.MultiheadAttention(4, 1),
    };

    private static object? Make(Type t, Func<D>? hostile)
    {
        if (hostile is not null)
        {
            if (t == typeof(D) || t == typeof(D?)) return hostile();
            return new[] { hostile(), Valid() };   // D[], IReadOnlyList<D>, IEnumerable<D>: the hostile one first
        }
        if (t == typeof(D) || t == typeof(D?)) return Valid();
        if (IsDecompositionLike(t)) return new[] { Valid(), Valid() };
        if (t == typeof(Tensor)) return ones(2, 3, 4, 4);
        if (t == typeof(Tensor[])) return new[] { ones(2, 3, 4, 4) };
        if (t == typeof(long) || t == typeof(long?)) return 1L;
        if (t == typeof(int) || t == typeof(int?)) return 1;
        if (t == typeof(double) || t == typeof(double?)) return 1.0;
        if (t == typeof(float)) return 1f;
        if (t == typeof(bool) || t == typeof(bool?)) return false;
        if (t == typeof(long[])) return new long[] { 1 };
        if (t == typeof(Scalar)) return (Scalar)1.0;
        if (t == typeof(ScalarType?)) return null;
        if (Modules.TryGetValue(t, out var module)) return module();
        if (t == typeof(double[])) return new[] { 2.0, 2.0 };
        if (t == typeof(DisposeScope)) return NewDisposeScope();
        if (t == typeof(Func<Tensor, Tensor>)) return (Func<Tensor, Tensor>)(x => x.relu());
        if (t == typeof(string)) return "none";
        if (t == typeof((long, long))) return (1L, 1L);
        if (t == typeof((long, long, long, long))) return (1L, 1L, 1L, 1L);
        if (t.IsEnum) return Enum.GetValues(t).GetValue(0);
        if (Nullable.GetUnderlyingType(t) is { IsEnum: true }) return null;
        throw new NotSupportedException(t.Name);
    }

    private static object? Invoke(MethodInfo method, ParameterInfo[] parameters, int hostileAt, Func<D> hostile)
    {
        var args = parameters.Select((p, i) => Make(p.ParameterType, i == hostileAt ? hostile : null)).ToArray();
        // The decoder rule takes its module as nn.Module but decomposes only TorchSharp's decoder (layer).
        if (method.Name == "TransformerDecoder")
        {
            var decoder = nn.TransformerDecoderLayer(4, 1, 8, 0.0);
            decoder.eval();
            args[0] = decoder;
        }
        try { return method.Invoke(null, args); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
