using AttrDsl.Attribution;
using AttrDsl.Internal;

namespace AttrDsl.Priors;

/// <summary>
/// The argument rules every built-in prior applies to the attributions it is given, in one place so each rule has one
/// wording. A prior is usually called by the trainer, whose batches are already checked, but it is public and users
/// call it directly on attributions they computed: an empty batch would give NaN (a mean of nothing), a vector without
/// a batch dimension a plausible but meaningless number, and integer or NaN attributions a wrong loss without a word.
/// </summary>
internal static class PriorChecks
{
    /// <summary>
    /// Attributions [B, ...] with at least <paramref name="minDims"/> dimensions (the batch included), floating point,
    /// not empty and finite.
    /// </summary>
    public static void Attributions(Tensor? attributions, PriorContext? context, string prior, int minDims, string shapeHint)
    {
        var method = $"{prior}.Loss";
        ArgumentNullException.ThrowIfNull(context);
        Checks.Live(attributions, method, "attributions");
        if (!attributions!.is_floating_point())
            throw new ArgumentException(
                $"{method}: attributions are {attributions.dtype}; a prior is a differentiable penalty on real-valued attributions " +
                "(expected or input gradients). Pass floating-point attributions (for integer data, convert the inputs to float before attributing).",
                nameof(attributions));
        if (attributions.dim() < minDims)
            throw new ArgumentException(
                $"{method}: attributions of shape {Format.Shape(attributions)} have no {(minDims == 1 ? "values" : "batch dimension")}; this prior needs {shapeHint}. " +
                "Keep the batch dimension (a single sample is [1, ...]).", nameof(attributions));
        if (attributions.numel() == 0)
            throw new ArgumentException(
                $"{method}: attributions of shape {Format.Shape(attributions)} are empty; the prior of no attributions is undefined (a mean over nothing is NaN). " +
                "Pass at least one sample with at least one feature.", nameof(attributions));
        Checks.Finite(attributions, method, "attributions");
    }
}
