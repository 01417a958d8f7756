using System.Reflection;

namespace AttrDsl.Internal;

/// <summary>
/// Runs a user's model at AttrDsl's boundary. A libtorch error inside the model (a Linear that does not fit the input,
/// a token id beyond an embedding, a dtype the weights do not take) becomes an <see cref="InvalidOperationException"/>
/// naming the method, the shape and dtype that went in and — when the model is a TorchSharp module — the innermost
/// module that was running, with libtorch's statement and no C++ frames (<see cref="LibTorch"/>).
/// </summary>
/// <remarks>
/// The module is found only after a failure, by running the same input once more with a pre- and post-hook on every
/// submodule: the module that entered and never returned is the one that failed. Normal calls pay nothing for it. The
/// diagnosis runs under <c>no_grad</c> with every module in eval mode (restored after), so a failing call does not update
/// batch-norm statistics twice.
/// </remarks>
internal static class ModelCall
{
    /// <summary>
    /// Wraps a user's forward. When the delegate is a module's method or a lambda that captured a module, the module is
    /// used to name the failing submodule.
    /// </summary>
    public static Func<Tensor, Tensor> Guard(Func<Tensor, Tensor> forward, string method, nn.Module<Tensor, Tensor>? model = null)
    {
        ArgumentNullException.ThrowIfNull(forward, nameof(forward));
        if (forward.Target is Guarded) return forward;
        // A module's own method (model.call) names its model: a disposed one is refused now, not at the first call.
        if ((model ?? forward.Target) is nn.Module direct) AttrDsl.Attribution.Checks.Live(direct, method);
        return new Guarded(forward, method, model).Invoke;
    }

    /// <summary>Wraps a module's <c>call</c> (hooks fire, as for every AttrDsl call of a model).</summary>
    public static Func<Tensor, Tensor> Guard(nn.Module<Tensor, Tensor> model, string method)
    {
        ArgumentNullException.ThrowIfNull(model, nameof(model));
        return new Guarded(model.call, method, model).Invoke;
    }

    /// <summary>Runs <paramref name="model"/> on <paramref name="input"/> once, translating a libtorch failure.</summary>
    public static Tensor Call(nn.Module<Tensor, Tensor> model, Tensor input, string method)
    {
        try { return model.call(input); }
        catch (Exception e) when (FailedInTorch(e))
        {
            throw LibTorch.InModel(e, method, input, FailingModule(model, input));
        }
    }

    /// <summary>Runs any model call (several inputs, a generated decomposition), translating a libtorch failure.</summary>
    public static T Run<T>(Func<T> call, string method, Tensor? input, nn.Module? model = null)
    {
        try { return call(); }
        catch (Exception e) when (FailedInTorch(e))
        {
            ThrowIfDisposed(model, method, e);
            throw LibTorch.InModel(e, method, input, model is nn.Module<Tensor, Tensor> m && input is not null ? FailingModule(m, input) : null);
        }
        catch (InvalidOperationException e) when (IsEmptyHandle(e))
        {
            throw Disposed(model, method, e);
        }
    }

    /// <summary>A two-argument model function (a layer split's rest, reading inputs and activations) guarded as the one-argument form.</summary>
    public static Func<Tensor, Tensor, Tensor> Guard(Func<Tensor, Tensor, Tensor> forward, string method, nn.Module<Tensor, Tensor>? model = null)
    {
        ArgumentNullException.ThrowIfNull(forward, nameof(forward));
        var module = model ?? CapturedModule(forward.Target);
        return (x, z) => Run(() => forward(x, z), method, z, module);
    }

    private sealed class Guarded(Func<Tensor, Tensor> forward, string method, nn.Module<Tensor, Tensor>? module)
    {
        // The module is looked for only after a failure: a healthy call pays nothing for the diagnosis.
        private nn.Module<Tensor, Tensor>? Module => module ?? CapturedModule(forward.Target);

        public Tensor Invoke(Tensor x)
        {
            try { return forward(x); }
            catch (Exception e) when (FailedInTorch(e))
            {
                var m = Module;
                ThrowIfDisposed(m, method, e);
                throw LibTorch.InModel(e, method, x, m is null ? null : FailingModule(m, x));
            }
            catch (InvalidOperationException e) when (IsEmptyHandle(e))
            {
                throw Disposed(Module, method, e);
            }
        }
    }

    /// <summary>
    /// A failure of TorchSharp or libtorch inside the model, as opposed to one the model's own code raised (which passes
    /// through unchanged): libtorch's error, or an argument check of TorchSharp's own modules — its Conv2d refuses a
    /// wrong channel count with an <see cref="ArgumentException"/> of its own before libtorch sees the input.
    /// TorchSharp's "empty handle" is left to the disposed-model path.
    /// </summary>
    private static bool FailedInTorch(Exception e) =>
        LibTorch.IsNative(e) ||
        e is ArgumentException or InvalidOperationException && !IsEmptyHandle(e) && e.TargetSite?.DeclaringType?.Assembly == typeof(torch).Assembly;

    /// <summary>
    /// A model disposed after the method was made fails inside libtorch with "empty handle"; checked only after a
    /// failure, so a healthy call pays nothing.
    /// </summary>
    private static void ThrowIfDisposed(nn.Module? module, string method, Exception cause)
    {
        if (module is not null && AttrDsl.Attribution.Checks.DisposedPart(module) is not null) throw Disposed(module, method, cause);
    }

    /// <summary>TorchSharp's words for a freed tensor or module used in an operation.</summary>
    private static bool IsEmptyHandle(Exception e) => e.Message.Contains("invalid -- empty handle", StringComparison.Ordinal);

    /// <summary>
    /// The inputs were checked live before the model ran, so a freed handle inside it is the model's: a disposed module
    /// or a disposed tensor it holds. Names the part when the model is known.
    /// </summary>
    private static ObjectDisposedException Disposed(nn.Module? module, string method, Exception cause)
    {
        var part = module is null ? null : AttrDsl.Attribution.Checks.DisposedPart(module);
        var what = part is null
            ? "the model used a tensor or module that was disposed (a weight, a buffer or a cached tensor freed by Dispose() or by the end of the dispose scope it was made in)"
            : $"the model ({module!.GetType().Name}) was disposed: {part}";
        // TorchSharp's own "empty handle" exception adds nothing but its stack; a libtorch error stays as the inner one.
        return new ObjectDisposedException(
            $"{method}: {what}. Pass a live model (create or load it again), and keep tensors a model holds out of dispose scopes (DetachFromDisposeScope()).",
            LibTorch.IsNative(cause) ? cause : null);
    }

    /// <summary>
    /// The module a delegate runs: its target when it is a module's method, or a module field of the lambda's closure
    /// (<c>x =&gt; model.call(x)</c>); null when there is none or more than one.
    /// </summary>
    private static nn.Module<Tensor, Tensor>? CapturedModule(object? target)
    {
        if (target is nn.Module<Tensor, Tensor> direct) return direct;
        if (target is null) return null;
        var modules = target.GetType()
            .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Select(f => f.GetValue(target))
            .OfType<nn.Module<Tensor, Tensor>>()
            .Distinct()
            .Take(2)
            .ToList();
        return modules.Count == 1 ? modules[0] : null;
    }

    /// <summary>
    /// The innermost module that fails on <paramref name="input"/>, as "path (Type)", found by running the model again
    /// with enter/leave hooks; null when the second run does not fail (or the model has no hookable modules).
    /// </summary>
    internal static string? FailingModule(nn.Module<Tensor, Tensor> model, Tensor input)
    {
        if (input is null || input.IsInvalid) return null;
        var stack = new List<(string Path, nn.Module Module)>();
        var removers = new List<Action>();
        // The root first: train(bool) is recursive, so restoring in pre-order leaves every module as it was.
        var modes = new List<(nn.Module Module, bool Training)> { (model, model.training) };
        try
        {
            foreach (var (name, module) in model.named_modules())
            {
                var path = name.Length == 0 ? "(the model itself)" : name;
                var entry = (path, module);
                if (ModuleHooks.BeforeForward(module, _ => stack.Add(entry)) is { } removePre) removers.Add(removePre);
                if (ModuleHooks.AfterForward(module, _ => { if (stack.Count > 0) stack.RemoveAt(stack.Count - 1); }) is { } removePost) removers.Add(removePost);
                modes.Add((module, module.training));
            }
            foreach (var (module, _) in modes) module.eval();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            try { model.call(input); }
            catch (Exception)
            {
                if (stack.Count == 0) return null;
                var (path, failing) = stack[^1];
                return $"'{path}' ({ModuleHooks.TypeName(failing)})";
            }
            return null;
        }
        catch (Exception)
        {
            return null;   // the diagnosis is best effort: it must never replace the user's error with its own
        }
        finally
        {
            foreach (var remove in removers) remove();
            foreach (var (module, training) in modes) module.train(training);
        }
    }
}
