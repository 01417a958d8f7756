using AttrDsl.Internal;
using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// A layer of a model found by its module path, read and replaced through forward hooks: <see cref="Activations"/>
/// runs the model up to the layer and keeps a copy of its output, <see cref="Forward"/> runs the whole model with the
/// layer's output replaced. The hooks live only for one forward; the model is left as it was, also after an error.
/// </summary>
/// <remarks>
/// TorchSharp runs hooks only from <c>module.call(x)</c>: a layer the model's forward calls with <c>.forward(x)</c>
/// is invisible here, and that is reported as such rather than as a wrong attribution.
/// </remarks>
internal sealed class NamedLayer
{
    private const string Api = "LayerSplit.At";
    private const int ListedPaths = 40;

    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly nn.Module<Tensor, Tensor> _layer;

    // Set after one forward showed the layer runs exactly once: later captures stop the forward at the layer.
    private bool _runsOnce;

    private NamedLayer(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor> layer, string path)
    {
        _model = model;
        _layer = layer;
        Path = path;
    }

    /// <summary>The layer's module path in the model, as <c>named_modules()</c> spells it.</summary>
    internal string Path { get; }

    /// <summary>The model's own forward, through <c>call</c> (hooks the user registered fire as usual).</summary>
    internal Tensor Model(Tensor inputs) => _model.call(inputs);

    /// <summary>The whole model the layer belongs to.</summary>
    internal nn.Module<Tensor, Tensor> Root => _model;

    /// <summary>The layer's module itself.</summary>
    internal nn.Module<Tensor, Tensor> Module => _layer;

    /// <summary>Finds the module at <paramref name="layerPath"/> in <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">The path is empty, names no module, or names one that does not map a tensor to a tensor.</exception>
    internal static NamedLayer Resolve(nn.Module<Tensor, Tensor> model, string layerPath)
    {
        Checks.Live(model, Api);
        ArgumentNullException.ThrowIfNull(layerPath);
        var modules = model.named_modules().ToList();
        var paths = modules.Select(m => m.name).ToList();
        if (layerPath.Length == 0)
            throw new ArgumentException(
                $"{Api}: the empty path names the whole model, not a layer inside it (for the model's input use the input " +
                $"attribution methods, e.g. IntegratedGradients); pass one of its module paths: {Listing(paths)}", nameof(layerPath));
        var index = paths.IndexOf(layerPath);
        if (index < 0)
            throw new ArgumentException(
                $"{Api}: the model ({ModuleHooks.TypeName(model)}) has no module at path \"{layerPath}\"{DidYouMean(layerPath, paths)}. " +
                $"Its module paths (from named_modules()): {Listing(paths)}", nameof(layerPath));
        var module = modules[index].module;
        if (module is not nn.Module<Tensor, Tensor> layer)
        {
            var children = paths.Where(p => p.StartsWith(layerPath + ".", StringComparison.Ordinal)).ToList();
            throw new ArgumentException(
                $"{Api}: the module at \"{layerPath}\" is a {ModuleHooks.TypeName(module)}, which does not map one tensor to one tensor " +
                "(Module<Tensor, Tensor>), so it has no single activation to attribute to" +
                (children.Count > 0 ? $"; choose one of the modules inside it: {Listing(children)}" : "; choose another layer"), nameof(layerPath));
        }
        return new NamedLayer(model, layer, layerPath);
    }

    /// <summary>
    /// The layer's output for <paramref name="inputs"/>: a copy, detached from the graph and from the forward's dispose
    /// scopes, registered in the caller's scope. The forward is stopped at the layer (the rest of the model is not run),
    /// except the first time, which runs it whole to check the layer runs exactly once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer is not called through <c>call</c>, or runs more than once per forward.</exception>
    internal Tensor Activations(Tensor inputs) => Capture(inputs, keepGraph: false);

    /// <summary>
    /// As <see cref="Activations"/>, but the copy stays in the autograd graph, so that it can be differentiated with respect
    /// to the inputs (the neuron methods).
    /// </summary>
    internal Tensor ActivationsWithGraph(Tensor inputs) => Capture(inputs, keepGraph: true);

    private Tensor Capture(Tensor inputs, bool keepGraph)
    {
        Tensor? captured = null;
        var calls = 0;
        var stopAtLayer = _runsOnce;
        var stop = new StopForward();
        var handle = _layer.register_forward_hook((_, _, output) =>
        {
            if (++calls > 1) return null!;
            if (output is null)
                throw new InvalidOperationException($"{Api}: layer \"{Path}\" returned null; it must return its activations [B, ...]");
            // A copy made outside every scope of the forward: forwards such as TorchVision's dispose their intermediates
            // when their scope ends (here, when the stop unwinds it), and the rest of the forward may change the output
            // in place (x.add_(identity).relu_()), which would change an alias of it.
            using (NewDisposeScope())
                captured = (keepGraph ? output.clone() : output.detach().clone()).DetachFromDisposeScope();
            if (stopAtLayer) throw stop;
            return null!;    // keeps the layer's output
        });
        try
        {
            using var scope = NewDisposeScope();   // frees the model's output (and what it made outside its own scopes)
            _model.call(inputs);
        }
        catch (Exception e) when (captured is not null && Caused(e, stop))
        {
            // The forward stopped at the layer, as asked.
        }
        catch
        {
            captured?.Dispose();
            throw;
        }
        finally
        {
            handle.remove();
        }

        if (captured is null) throw NotReached(inputs);
        if (calls > 1)
        {
            captured.Dispose();
            throw RunsMoreThanOnce(calls);
        }
        _runsOnce = true;
        // Into the caller's scope: an alias made here is registered there; the detached handle is released.
        var result = captured.alias();
        captured.Dispose();
        return result;
    }

    /// <summary>
    /// The model's output for <paramref name="inputs"/> with the layer's output replaced by <paramref name="activations"/>
    /// (one row per input row). Gradients flow to <paramref name="activations"/>; the rest of the model still reads
    /// the inputs (skip connections around the layer, and the part before it, which must run for the forward to reach it).
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The layer is not called through <c>call</c>, runs more than once, or its output's shape or dtype differs from the activations'.
    /// </exception>
    internal Tensor Forward(Tensor inputs, Tensor activations)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(activations);
        var calls = 0;
        var handle = _layer.register_forward_hook((_, _, output) =>
        {
            if (++calls > 1) return null!;
            if (output is not null && (!output.shape.SequenceEqual(activations.shape) || output.dtype != activations.dtype))
                throw new InvalidOperationException(
                    $"{Api}: layer \"{Path}\" returned {output.dtype} {AttributionArgs.Str(output.shape)} for {inputs.size(0)} input rows, " +
                    $"but the activations to put in its place are {activations.dtype} {AttributionArgs.Str(activations.shape)}; " +
                    "pass one activation row per input row, as the layer computes them");
            // A copy, not the activations themselves: the rest of the forward may work on the layer's output in place
            // (relu_, add_), which must neither change the caller's tensor nor hit a leaf that requires grad. The copy
            // is differentiable, so gradients reach the activations.
            return activations.clone();
        });
        Tensor output;
        try
        {
            output = _model.call(inputs);
        }
        finally
        {
            handle.remove();
        }
        if (calls == 1) return output;
        output?.Dispose();
        if (calls == 0) throw NotReached(inputs);
        throw RunsMoreThanOnce(calls);
    }

    /// <summary>
    /// The layer's activations for <paramref name="inputs"/> and the gradient of the selected outputs with respect to
    /// them, in ONE forward: the part of the model before the layer runs without recording gradients, the layer's
    /// output becomes a fresh leaf, and the rest of the forward records gradients from there on. This is what a
    /// hand-written split costs (bottom, then top with gradients), where reading the activations and then replacing
    /// them would run the model twice.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer is not called through <c>call</c>, or runs more than once per forward.</exception>
    internal (Tensor Activations, Tensor Gradients) ActivationsAndGradients(Tensor inputs, Target target, string method)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Checks.TargetCount(target, inputs.size(0), method);
        using var scope = NewDisposeScope();
        Tensor? leaf = null;
        IDisposable? recording = null;
        var calls = 0;
        var handle = _layer.register_forward_hook((_, _, output) =>
        {
            if (++calls > 1) return null!;
            if (output is null)
                throw new InvalidOperationException($"{Api}: layer \"{Path}\" returned null; it must return its activations [B, ...]");
            if (!output.is_floating_point())
                throw new InvalidOperationException($"{method}: the layer activations are {output.dtype}; gradients need floating-point activations");
            // The leaf lives outside the forward's dispose scopes (TorchVision's forwards dispose their intermediates).
            using (NewDisposeScope())
                leaf = output.detach().clone().requires_grad_(true).DetachFromDisposeScope();
            recording = enable_grad();
            // A copy goes on: the rest of the forward may work on it in place (relu_, add_), which a leaf refuses.
            return leaf.clone();
        });
        try
        {
            Tensor selected;
            using (no_grad())
            {
                try
                {
                    var output = _model.call(inputs);
                    if (calls != 1) throw calls == 0 ? NotReached(inputs) : RunsMoreThanOnce(calls);
                    selected = target.Select(Checks.Output(output, inputs.size(0), method));
                }
                finally
                {
                    recording?.Dispose();   // back to no_grad before the outer mode is restored
                }
            }
            if (leaf!.size(0) != inputs.size(0))
                throw new InvalidOperationException($"{method}: layer \"{Path}\" returned activations of shape {AttributionArgs.Str(leaf.shape)} for a batch of {inputs.size(0)} rows; it must keep the batch dimension first");
            var g = Gradients.OfSelected(selected, leaf, createGraph: false, method);
            return (leaf.detach().MoveToOuterDisposeScope(), g.MoveToOuterDisposeScope());
        }
        finally
        {
            handle.remove();
            leaf?.Dispose();
        }
    }

    private InvalidOperationException RunsMoreThanOnce(int calls) => new(
        $"{Api}: layer \"{Path}\" runs {calls} times in one forward of the model (one module used at several places); " +
        "layer attribution needs one activation per input. Give each use its own module in the model (e.g. separate ReLU instances) " +
        "and name the one to explain.");

    /// <summary>The error for a layer whose hook never fired, listing the modules one diagnosing forward did call through <c>call</c>.</summary>
    private InvalidOperationException NotReached(Tensor inputs)
    {
        List<string> called;
        try
        {
            called = CalledPaths(inputs);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            called = [];
        }
        return new InvalidOperationException(
            $"{Api}: layer \"{Path}\" ({ModuleHooks.TypeName(_layer)}) was not called through call() during the model's forward: TorchSharp " +
            "runs forward hooks only from module.call(x), and the model's forward calls this layer with .forward(x), or not at all for " +
            "this input (a branch not taken). Call it with .call(x) in the model's forward, or choose a layer that is. " +
            (called.Count == 0
                ? "No module of the model was called through call() in this forward."
                : $"The modules called through call() in this forward: {Listing(called)}"));
    }

    /// <summary>The module paths called through <c>call</c> during one forward of <paramref name="inputs"/>, in order of first call.</summary>
    private List<string> CalledPaths(Tensor inputs)
    {
        var called = new List<string>();
        var seen = new HashSet<string>();
        var removers = new List<Action>();
        try
        {
            foreach (var (name, module) in _model.named_modules())
            {
                var path = name;
                if (ModuleHooks.AfterForward(module, _ => { if (seen.Add(path)) called.Add(path); }) is { } remove) removers.Add(remove);
            }
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            _model.call(inputs);
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
        return called;
    }

    private static bool Caused(Exception e, StopForward stop)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (ReferenceEquals(inner, stop)) return true;
        return false;
    }

    /// <summary>Up to <see cref="ListedPaths"/> paths, quoted, with the total when there are more.</summary>
    internal static string Listing(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) return "(none: the model has no submodules)";
        var shown = string.Join(", ", paths.Take(ListedPaths).Select(p => $"\"{p}\""));
        return paths.Count <= ListedPaths ? shown : $"{shown}, ... ({paths.Count} in all)";
    }

    /// <summary>" (did you mean ...?)" with the closest paths by edit distance, or paths the given one is a suffix of; empty when none is close.</summary>
    private static string DidYouMean(string path, IReadOnlyList<string> paths)
    {
        var limit = Math.Max(2, path.Length / 3);
        var close = paths
            .Select(p => (Path: p, Distance: p.EndsWith("." + path, StringComparison.Ordinal) || path.EndsWith("." + p, StringComparison.Ordinal) ? 1 : EditDistance(path, p)))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance).ThenBy(c => c.Path.Length)
            .Take(3)
            .Select(c => $"\"{c.Path}\"")
            .ToList();
        return close.Count == 0 ? "" : $" (did you mean {string.Join(" or ", close)}?)";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>Thrown by the capturing hook to end the forward at the layer; never leaves <see cref="Activations"/>.</summary>
    private sealed class StopForward : Exception
    {
        public StopForward() : base("the forward was stopped after the layer's output was captured") { }
    }
}
