using System.ComponentModel;

namespace AttrDsl;

/// <summary>
/// One run of a generated layer map (<c>ForwardTo</c>, <c>ForwardFrom</c>, <c>ListLayers</c>): the model's forward,
/// rewritten by the generator, reports each split point to the run, which either keeps the output of the chosen one
/// (and has the rest of forward skipped), or skips forward up to it and continues from a given activation, or lists
/// the split points forward reaches. Generated code creates and disposes it; it is not meant to be used by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class LayerRun : IDisposable
{
    private enum Mode { To, From, Record }

    private readonly Mode _mode;
    private readonly int _site;
    private readonly int _iteration;
    private readonly string _name;
    private readonly Tensor? _activation;
    private readonly DisposeScope _home;
    private readonly Dictionary<int, int> _counts = [];
    private readonly List<(int Site, int Iteration)> _reached = [];
    private bool _targetHere;
    private bool _found;
    private Tensor? _captured;
    private bool _disposed;

    private LayerRun(Mode mode, int site, int iteration, string name, Tensor? activation)
    {
        (_mode, _site, _iteration, _name, _activation) = (mode, site, iteration, name, activation);
        Skipping = mode == Mode.From;
        // Everything the run makes outside the model's own scopes lands here and is freed when the run ends; the result
        // is moved out to the caller's scope first.
        _home = NewDisposeScope();
    }

    /// <summary>A run that keeps the output of split point <paramref name="site"/> at loop iteration <paramref name="iteration"/>.</summary>
    /// <exception cref="ArgumentException">The layer is a default value, not one of the model's layers.</exception>
    public static LayerRun To(int site, int iteration, string? name, string argument) =>
        new(Mode.To, site, iteration, name ?? throw NotALayer(argument), null);

    /// <summary>A run that continues forward from <paramref name="activation"/>, the output of split point <paramref name="site"/>.</summary>
    /// <exception cref="ArgumentException">The layer is a default value.</exception>
    /// <exception cref="ArgumentNullException">The activation is null.</exception>
    public static LayerRun From(int site, int iteration, string? name, Tensor activation, string argument, string activationArgument)
    {
        if (name is null) throw NotALayer(argument);
        ArgumentNullException.ThrowIfNull(activation, activationArgument);
        if (activation.IsInvalid) throw new ObjectDisposedException(activationArgument, $"The activation given for layer {name} has been disposed.");
        return new(Mode.From, site, iteration, name, activation);
    }

    /// <summary>
    /// The module path of generated layer <paramref name="name"/> for the layer methods that follow the model's forward
    /// through its rules and read the layer at its module (<see cref="LayerAttributionMethod.DeepLift"/>,
    /// <see cref="LayerAttributionMethod.Lrp"/>): <paramref name="modulePath"/>, which the generator found when forward
    /// calls the layer's module once, outside loops, as a field or property of the model.
    /// </summary>
    /// <param name="name">The layer's name; null for a default Layer value.</param>
    /// <param name="modulePath">The module path the generator found; null when it found none.</param>
    /// <param name="noModulePath">Why the generator found none (a clause: "its module is called in a loop"), for the message.</param>
    /// <param name="method">The method asked for.</param>
    /// <param name="argument">The layer argument's name, for the exception.</param>
    /// <exception cref="ArgumentException">The layer is a default value, or the generator found no module path for it.</exception>
    public static string ModulePath(string? name, string? modulePath, string? noModulePath, LayerAttributionMethod method, string argument)
    {
        if (name is null) throw NotALayer(argument);
        return modulePath ?? throw new ArgumentException(
            $"layer {method} cannot run at layer {name}: it follows the model's forward through its decomposition rules and reads the layer " +
            "at its module, so the layer's module must be a field or property of the model that forward calls exactly once, outside loops, " +
            $"but {noModulePath ?? "the layer has no such module"}. Choose a layer whose module runs once (the model's Layer.Fixed lists the " +
            "layers outside loops), or explain this layer with a method that splits forward at this very call " +
            "(LayerAttributionMethod.IntegratedGradients, Conductance or GradientXActivation).", argument);
    }

    /// <summary>A run of the whole forward that lists the split points it reaches.</summary>
    public static LayerRun Record() => new(Mode.Record, -1, -1, "", null);

    /// <summary>True while forward's statements that read the input must be skipped (before resuming, after capturing).</summary>
    public bool Skipping { get; private set; }

    /// <summary>The split points reached (record runs), in order, as (site, iteration).</summary>
    public IReadOnlyList<(int Site, int Iteration)> Reached => _reached;

    /// <summary>A statement holding split points <paramref name="sites"/> starts: counts them, and says whether to run it.</summary>
    public bool Enter(params int[] sites)
    {
        _targetHere = false;
        foreach (var s in sites)
        {
            var n = _counts.TryGetValue(s, out var c) ? c + 1 : 0;
            _counts[s] = n;
            if (_mode != Mode.Record && s == _site && n == _iteration) _targetHere = true;
        }
        return !Skipping || _targetHere;
    }

    /// <summary>Whether an operand holding the split points <paramref name="inner"/> is skipped (the run resumes in none of them).</summary>
    public bool Skips(params int[] inner) => Skipping && !(_targetHere && Array.IndexOf(inner, _site) >= 0);

    /// <summary>Split point <paramref name="site"/> produced <paramref name="value"/> (null when skipped): what forward continues with.</summary>
    public Tensor Site(int site, Tensor value)
    {
        var iteration = _counts.TryGetValue(site, out var n) ? n : 0;
        if (_mode == Mode.Record)
        {
            _reached.Add((site, iteration));
            return value;
        }
        if (!_targetHere || site != _site || iteration != _iteration || _found) return value;
        _found = true;
        if (_mode == Mode.To)
        {
            // A copy: forward may go on to change its output in place (x = conv.call(x).relu_()).
            _captured = value.clone().DetachFromDisposeScope();
            Skipping = true;
            return value;
        }
        Skipping = false;
        return _activation!.clone();   // the caller's activation is never changed in place by the rest of forward
    }

    /// <summary>The run's result, given forward's return value: the kept activation (ForwardTo) or forward's output (ForwardFrom).</summary>
    /// <exception cref="ArgumentException">forward did not reach the layer on this input.</exception>
    public Tensor Result(Tensor output)
    {
        if (_mode == Mode.Record) return output;
        if (!_found)
            throw new ArgumentException($"forward did not reach layer {_name} on this input (a loop ran fewer times, or the layer sits in a branch not taken); ListLayers(x) lists the layers forward reaches.");
        var kept = _mode == Mode.To ? _captured! : output ?? throw new InvalidOperationException($"forward returned null after layer {_name}.");
        // The result leaves every scope the run (or forward) opened, the run's own scope is freed, and the caller gets a
        // tensor made in its own scope (an alias: same storage, same graph).
        kept.DetachFromDisposeScope();
        _captured = null;
        Dispose();
        var result = kept.alias();
        kept.Dispose();
        return result;
    }

    /// <summary>Frees what the run made and did not return.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _captured?.Dispose();
        _home.Dispose();
    }

    private static ArgumentException NotALayer(string argument) =>
        new("not a layer of this model: use one of the generated Layer members (a default Layer value names none)", argument);
}
