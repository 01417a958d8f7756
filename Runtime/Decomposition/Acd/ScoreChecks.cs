namespace AttrDsl.Decomposition.Acd;

/// <summary>
/// The rule for what a region scorer returns: a live floating-point tensor with exactly one finite score per mask.
/// Checked on every call, because a wrong shape would silently misassign scores to regions and a NaN would make every
/// later threshold and comparison meaningless.
/// </summary>
internal static class ScoreChecks
{
    /// <summary>Checks <paramref name="scores"/> against <paramref name="rows"/> masks; returns it flattened to [rows].</summary>
    public static Tensor Scores(Tensor? scores, long rows, string who)
    {
        if (scores is null)
            throw new InvalidOperationException($"{who}: the scorer returned null; it must return one score per mask, a tensor [{rows}]");
        if (scores.IsInvalid)
            throw new InvalidOperationException($"{who}: the scorer returned a disposed tensor; move it out of its dispose scope before returning it");
        if (!scores.is_floating_point())
            throw new InvalidOperationException($"{who}: the scorer returned a {scores.dtype} tensor; return floating-point scores [{rows}]");
        var ok = scores.dim() == 1 && scores.size(0) == rows || scores.dim() == 2 && scores.size(0) == rows && scores.size(1) == 1;
        if (!ok)
            throw new InvalidOperationException(
                $"{who}: the scorer returned shape [{string.Join(", ", scores.shape)}] for {rows} masks; it must return one score per mask, shape [{rows}]");
        var flat = scores.reshape(rows);
        if (AttrDsl.Attribution.Checks.FirstNonFinite(flat) is { } bad)
            throw new InvalidOperationException(
                $"{who}: the scorer returned a non-finite score ({bad.Value}) for mask {bad.Flat} of {rows}; " +
                "scores must be finite (check the model's output and the input for NaN/Inf)");
        return flat;
    }
}
