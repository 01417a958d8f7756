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
        if (inputs.IsInvalid)
            throw new ArgumentException($"{method}: {name} was disposed; pass a live tensor", name);
        if (inputs.dim() >= 1 && inputs.size(0) == 0)
            throw new ArgumentException($"{method}: {name} is an empty batch (shape {Shape(inputs)}); pass at least one sample", name);
    }

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
        var value = t.detach().reshape(-1)[first].item<double>();
        throw new ArgumentException(
            $"{method}: {name} contains {count} non-finite value{(count == 1 ? "" : "s")} (first: {value} at index [{string.Join(", ", index)}] of shape {Shape(t)}); " +
            "attributions would be NaN. Clean or impute the data first (e.g. torch.nan_to_num).", name);
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
                $"{method}: the model returned an output of shape {Shape(output)} for a batch of {rows} rows; its first dimension must be the batch");
        return output;
    }

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    private static long[] Unravel(long flat, long[] shape)
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
