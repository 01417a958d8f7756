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
        // Module.Dispose() frees the parameters, after which named_parameters() skips them (it ignores freed handles) and
        // the model looks like one without parameters. The parameters each module registered still list them, freed.
        foreach (var (path, module) in model.named_modules().Prepend(("", model)))
            if (RegisteredParameters?.GetValue(module) is IEnumerable<(string Name, TorchSharp.Modules.Parameter Parameter)> registered)
                foreach (var (parameterName, p) in registered)
                    if (p is null || p.IsInvalid)
                        throw new ObjectDisposedException(name,
                            $"{method}: the model passed as '{name}' ({model.GetType().Name}) was disposed: its parameter " +
                            $"'{(path.Length == 0 ? parameterName : path + "." + parameterName)}' is freed. " +
                            "Pass a live model (create or load it again); a model used after 'using var model = ...' ends is disposed.");
        foreach (var (path, b) in model.named_buffers())
            if (b is null || b.IsInvalid)
                throw new ObjectDisposedException(name,
                    $"{method}: the model passed as '{name}' ({model.GetType().Name}) was disposed: its buffer '{path}' is freed. Pass a live model.");
    }

    // TorchSharp's Module keeps the parameters it registered in a protected dictionary, which (unlike named_parameters())
    // still lists them once Dispose() has freed them. (Its native handle cannot tell: generic Sequentials never have one.)
    private static readonly System.Reflection.FieldInfo? RegisteredParameters =
        typeof(nn.Module).GetField("_internal_params", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);

    /// <summary>
    /// Rejects NaN and ±Inf in a tensor that enters an attribution (inputs, baselines, a background set): they
    /// propagate into every attribution silently. The message gives the first offending element's index.
    /// </summary>
    public static void Finite(Tensor t, string method, string name)
    {
        if (!t.is_floating_point() && !t.is_complex()) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var bad = t.detach().isfinite().logical_not();
        if (!bad.any().item<bool>()) return;
        var count = bad.sum().item<long>();
        var first = bad.reshape(-1).nonzero()[0, 0].item<long>();
        var index = Unravel(first, t.shape);
        var value = Format.Value(t.detach().reshape(-1)[first]);
        throw new ArgumentException(
            $"{method}: {name} contains {count} non-finite value{(count == 1 ? "" : "s")} (first: {value} at index [{string.Join(", ", index)}] of shape {Format.Shape(t)}); " +
            "every result computed from it (attributions, losses, weights) would be NaN. Clean or impute the data first (e.g. torch.nan_to_num).", name);
    }

    /// <summary>
    /// Checks what a model returned for a batch of <paramref name="rows"/> samples: not null, floating point, at least
    /// one dimension, one row per sample.
    /// </summary>
    public static Tensor Output(Tensor? output, long rows, string method)
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
                $"{method}: the model returned an output of shape {Format.Shape(output)} for a batch of {rows} rows; its first dimension must be the batch");
        return output;
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
