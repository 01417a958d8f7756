using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// The argument rules every attribution method applies, in one place so each rule has one wording: batches are not
/// empty, tensors that enter an attribution are finite, and a model's output is a floating-point tensor with one row per
/// sample. Each message names the method, the tensor and what to do.
/// </summary>
internal static class Checks
{
    /// <summary>
    /// The one empty-batch rule: every method rejects a batch with no samples, up front, with the same message
    /// (there is nothing to explain, and each method would otherwise fail differently deep inside).
    /// </summary>
    public static void NotEmpty(Tensor inputs, string method, string name = "inputs")
    {
        ArgumentNullException.ThrowIfNull(inputs, name);
        Live(inputs, method, name);
        if (inputs.dim() >= 1 && inputs.size(0) == 0)
            throw new ArgumentException($"{method}: {name} is an empty batch (shape {Format.Shape(inputs)}); pass at least one sample", name);
    }

    /// <summary>Attributions that must be shaped like the inputs they explain (the metrics that read them feature by feature).</summary>
    public static void ShapedLikeInputs(Tensor attributions, Tensor inputs, string method)
    {
        if (!attributions.shape.SequenceEqual(inputs.shape))
            throw new ArgumentException(
                $"{method}: attributions of shape {AttributionArgs.Str(attributions.shape)} do not match the inputs' shape {AttributionArgs.Str(inputs.shape)}; pass the attributions of these inputs",
                nameof(attributions));
    }

    /// <summary>
    /// The one disposed-tensor rule: a tensor whose native memory was freed (its <c>Dispose()</c> ran, or the dispose
    /// scope it was made in ended) is refused up front with <see cref="ObjectDisposedException"/> naming the argument —
    /// libtorch would only say "empty handle".
    /// </summary>
    public static void Live(Tensor? t, string method, string name)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (t.IsInvalid)
            throw new ObjectDisposedException(name,
                $"{method}: the tensor passed as '{name}' was disposed (its Dispose() ran, or the dispose scope it was made in ended). " +
                "Pass a live tensor: keep it out of that scope with MoveToOuterDisposeScope() or DetachFromDisposeScope(), or create it again.");
    }

    /// <summary>
    /// A disposed model is refused up front: its parameters were freed, so any call would fail with "empty handle" (and
    /// saving it would report that it has no parameters).
    /// </summary>
    public static void Live(nn.Module? model, string method, string name = "model")
    {
        ArgumentNullException.ThrowIfNull(model, name);
        if (DisposedPart(model) is { } part)
            throw new ObjectDisposedException(name,
                $"{method}: the model passed as '{name}' ({model.GetType().Name}) was disposed: {part}. " +
                "Pass a live model (create or load it again); a model used after the 'using' block that created it ends is disposed.");
    }

    /// <summary>
    /// What of a model was freed, or null when nothing was: a parameter a module registered, or a tensor held in a
    /// module's field. Module.Dispose() frees the parameters, after which named_parameters() skips them (it ignores freed
    /// handles) and the model looks like one without parameters; the parameters each module registered still list them.
    /// The module's native handle cannot tell: generic Sequentials never have one.
    /// </summary>
    internal static string? DisposedPart(nn.Module model)
    {
        foreach (var (path, module) in model.named_modules().Prepend(("", model)))
        {
            string Qualified(string member) => path.Length == 0 ? member : $"{path}.{member}";
            if (RegisteredParameters?.GetValue(module) is IEnumerable<(string Name, TorchSharp.Modules.Parameter Parameter)> registered)
                foreach (var (parameterName, p) in registered)
                    if (p is null || p.IsInvalid)
                        return $"its parameter '{Qualified(parameterName)}' is freed";
            foreach (var field in TensorFields(module.GetType()))
                if (field.GetValue(module) is Tensor { IsInvalid: true })
                    return $"its tensor '{Qualified(Member(field))}' is freed";
        }
        foreach (var (path, b) in model.named_buffers())
            if (b is null || b.IsInvalid)
                return $"its buffer '{path}' is freed";
        return null;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, System.Reflection.FieldInfo[]> TensorFieldCache = new();

    // The instance fields of type Tensor (Parameters included) declared from the module's type down to nn.Module.
    private static System.Reflection.FieldInfo[] TensorFields(Type type) => TensorFieldCache.GetOrAdd(type, t =>
    {
        var fields = new List<System.Reflection.FieldInfo>();
        for (var k = t; k is not null && k != typeof(nn.Module); k = k.BaseType)
            fields.AddRange(k.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public |
                                        System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.DeclaredOnly)
                .Where(f => typeof(Tensor).IsAssignableFrom(f.FieldType)));
        return fields.ToArray();
    });

    // "weight" for a backing field "_weight" or "<weight>k__BackingField".
    private static string Member(System.Reflection.FieldInfo f)
    {
        var name = f.Name;
        if (name.StartsWith('<') && name.IndexOf('>') is > 1 and var end) return name[1..end];
        return name.TrimStart('_');
    }

    // TorchSharp's Module keeps the parameters it registered in a protected dictionary, which (unlike named_parameters())
    // still lists them once Dispose() has freed them.
    private static readonly System.Reflection.FieldInfo? RegisteredParameters =
        typeof(nn.Module).GetField("_internal_params", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);

    /// <summary>
    /// Rejects NaN and ±Inf in a tensor that enters an attribution (inputs, baselines, a background set): they
    /// propagate into every attribution silently. The message gives the first offending element's index.
    /// </summary>
    public static void Finite(Tensor t, string method, string name)
    {
        if (FirstNonFinite(t) is not { } bad) return;
        throw new ArgumentException(
            $"{method}: {name} contains {bad.Count} non-finite value{(bad.Count == 1 ? "" : "s")} (first: {bad.Value} at index {bad.IndexText} of shape {Format.Shape(t)}); " +
            "every result computed from it (attributions, losses, weights) would be NaN. Clean or impute the data first (e.g. torch.nan_to_num).", name);
    }

    /// <summary>
    /// Checks what a model returned for a batch of <paramref name="rows"/> samples: not null, floating point, at least
    /// one dimension, one row per sample.
    /// </summary>
    /// <param name="output">What the model returned.</param>
    /// <param name="rows">The batch size it was called with.</param>
    /// <param name="method">The public method, for the message.</param>
    /// <param name="requireFinite">Also refuse NaN/±Inf outputs (<see cref="NonFiniteOutput"/>): attribution of a non-finite
    /// output is meaningless. The trainer passes false: it checks its losses and names the non-finite weights itself.</param>
    public static Tensor Output(Tensor? output, long rows, string method, bool requireFinite = true)
    {
        if (output is null)
            throw new InvalidOperationException($"{method}: the model returned null; its forward must return the output tensor [B, ...]");
        if (output.IsInvalid)
            throw new InvalidOperationException($"{method}: the model returned a disposed tensor; don't dispose the output inside forward (or move it out of the forward's dispose scope)");
        if (!output.is_floating_point())
            throw new InvalidOperationException(
                $"{method}: the model returned a {output.dtype} tensor; attributions need floating-point outputs (logits or scores). " +
                "Return the scores, not argmax/class indices.");
        if (output.dim() == 0)
            throw new InvalidOperationException(
                $"{method}: the model returned a 0-dim tensor; attribution needs one output row per sample ([B] or [B, classes]). Don't reduce over the batch inside forward.");
        if (output.size(0) != rows)
            throw new InvalidOperationException(
                $"{method}: the model returned an output of shape {Format.Shape(output)} for inputs of {rows} rows (the inputs' first dimension is the batch); " +
                "its first dimension must be the batch too. If the inputs are a single sample without a batch dimension, add one (x.unsqueeze(0)).");
        if (requireFinite) NonFiniteOutput(output, method);
        return output;
    }

    /// <summary>
    /// A reference input (baselines, a background set) takes the inputs' floating dtype: integer zeros would be a baseline
    /// nobody chose for floating inputs, and a mistaken tensor (token ids, labels) passed where a reference belongs.
    /// </summary>
    public static void FloatingReference(Tensor reference, ScalarType? inputs, string method, string name)
    {
        if (reference.is_floating_point()) return;
        throw new ArgumentException(
            $"{method}: {name} are {reference.dtype}{(inputs is { } dtype ? $" but the inputs are {dtype}" : "")}: a baseline or reference is an input, so it takes " +
            $"the inputs' floating dtype. Pass it as floating point ({name}.to(inputs.dtype), or e.g. zeros_like(inputs)).", name);
    }

    /// <summary>
    /// An enum argument must be one of its declared values: a cast integer (<c>(Correction)8</c>) would otherwise fall
    /// through to some default branch without a word. <paramref name="method"/> prefixes the message when given.
    /// </summary>
    public static void Defined<T>(T value, string name, string? method = null) where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(name, value, $"{(method is null ? "" : method + ": ")}{name} = {value} is not one of {string.Join(", ", Enum.GetNames<T>())}");
    }

    /// <summary>
    /// Integer indices into a table of <paramref name="count"/> rows (token ids into an embedding, class labels into the
    /// outputs) must lie in [0, count): libtorch reports one outside only as "index out of range in self", without the
    /// argument, the value or where it is.
    /// </summary>
    public static void Indices(Tensor t, long count, string method, string name, string table)
    {
        if (t.is_floating_point() || t.is_complex() || t.dtype == ScalarType.Bool || t.numel() == 0) return;
        if (First(t, v => v.lt(0).logical_or(v.ge(count))) is not { } bad) return;
        throw new ArgumentOutOfRangeException(name,
            $"{method}: {name} holds {bad.Value} at index {bad.IndexText} (shape {Format.Shape(t)}), outside {table} ({count} entries): valid values are 0 to {count - 1}. " +
            "Map the ids into that range (e.g. an unknown-token id) or use a table large enough for them.");
    }

    /// <summary>
    /// A model output with NaN or ±Inf makes every attribution of it meaningless (and NaN), so it is an error naming the
    /// first non-finite output. The inputs were checked finite before, so the cause is the model: NaN or infinite weights
    /// (a training run that diverged), an overflow, or a log/division of something that reached zero.
    /// </summary>
    public static void NonFiniteOutput(Tensor output, string method)
    {
        if (FirstNonFinite(output) is not { } bad) return;
        throw new InvalidOperationException(
            $"{method}: the model's output has {bad.Count} non-finite value{(bad.Count == 1 ? "" : "s")} (first: {bad.Value} at output index {bad.IndexText} of shape {Format.Shape(output)}) " +
            "for finite inputs, so no attribution of it means anything. Check the model: NaN or infinite weights (after a training run that diverged), " +
            "an overflow, or a log or division of zero in its forward.");
    }

    /// <summary>
    /// Per-sample targets must give one class per sample the user passed: checked up front against the batch size
    /// the user knows (inputs.size(0)), because after the targets are repeated for the interpolation points or noisy
    /// copies a mismatch could only be reported in internal row counts.
    /// </summary>
    public static void TargetCount(Target target, long samples, string method)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.SampleCount is { } count && count != samples)
            throw new ArgumentException(
                $"{method}: {count} per-sample target{(count == 1 ? "" : "s")} for {samples} sample{(samples == 1 ? "" : "s")}; " +
                $"pass one class index per sample of the inputs (a 1-D int64 tensor of length {samples})", nameof(target));
    }

    /// <summary>An element found by <see cref="First"/>: how many match, the first one's flat and full index, and its value as text.</summary>
    internal readonly record struct Located(long Count, long Flat, long[] Index, string Value)
    {
        /// <summary>"[1, 2]".</summary>
        public string IndexText => $"[{string.Join(", ", Index)}]";
    }

    /// <summary>
    /// The elements of <paramref name="t"/> where <paramref name="where"/> holds (given the flattened, detached tensor, it
    /// returns a bool tensor): their count and the first one, or null when none does. The one way the checks find the bad
    /// element they name.
    /// </summary>
    internal static Located? First(Tensor t, Func<Tensor, Tensor> where)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var flat = t.detach().reshape(-1);
        var bad = where(flat);
        if (!bad.any().item<bool>()) return null;
        var first = bad.nonzero()[0, 0].item<long>();
        return new Located(bad.sum().item<long>(), first, Unravel(first, t.shape), Format.Value(flat[first]));
    }

    /// <summary>The NaN and ±Inf elements of a floating-point or complex tensor (<see cref="First"/>); null for integers.</summary>
    internal static Located? FirstNonFinite(Tensor t) =>
        t.is_floating_point() || t.is_complex() ? First(t, v => v.isfinite().logical_not()) : null;

    /// <summary>Whether every element of a floating-point tensor is finite (integer tensors always are).</summary>
    public static bool AllFinite(Tensor t)
    {
        if (!t.is_floating_point() && !t.is_complex()) return true;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return t.detach().isfinite().all().item<bool>();
    }

    /// <summary>
    /// Rejects a request to materialise <paramref name="rows"/> rows shaped like one sample of <paramref name="like"/>
    /// at once when that tensor alone would exceed the memory this process can use. It is a lower bound (the model's
    /// activations and the gradients come on top), so it only stops requests that cannot succeed — before they are
    /// allocated: libtorch's allocation would otherwise fail with an error that names no argument, or the operating
    /// system's overcommit would let it through and kill the process later.
    /// </summary>
    /// <param name="rows">Rows of the tensor to be built.</param>
    /// <param name="like">A batch [B, ...] whose samples have the row shape and whose dtype the rows take.</param>
    /// <param name="method">The public method, for the message.</param>
    /// <param name="paramName">The argument that sets <paramref name="rows"/>.</param>
    /// <param name="value">Its value.</param>
    /// <param name="what">What the rows are, e.g. "B·nSteps = 2·1000000 interpolation points".</param>
    /// <param name="advice">What to do instead.</param>
    public static void FitsInMemory(long rows, Tensor like, string method, string paramName, long value, string what, string advice)
    {
        var perRow = like.size(0) == 0 ? like.numel() : like.numel() / like.size(0);
        double bytes = (double)rows * perRow * like.element_size();
        double available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available <= 0) available = 1L << 40;   // the runtime reported no figure: 1 TiB still stops the absurd requests
        if (bytes > available)
            throw new ArgumentOutOfRangeException(paramName, value,
                $"{method}: {paramName} = {value} needs {what} of {perRow} {like.dtype} values each, {Gib(bytes)} for that tensor alone, " +
                $"more than the {Gib(available)} of memory this process can use; {advice}");
    }

    private static string Gib(double bytes) => $"{bytes / (1L << 30):G3} GiB";

    /// <summary>
    /// The error for a model output with no gradient path to the input: the model ignores its argument (e.g. its
    /// forward reads a stored tensor), so every gradient-based attribution would silently be zero.
    /// </summary>
    public static InvalidOperationException UnusedInput(string method) => new(
        $"{method}: the model's output does not depend on its input (no gradient path reaches it), so every attribution would be zero. " +
        "Check that forward computes from its argument x, not from a stored or detached tensor.");


    /// <summary>The multi-dimensional index of flat element <paramref name="flat"/> of a tensor of shape <paramref name="shape"/>.</summary>
    internal static long[] Unravel(long flat, long[] shape)
    {
        var index = new long[shape.Length];
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return index;
    }
}
