using AttrDsl.Decomposition.Acd;

namespace AttrDsl.Tests.Decomposition.Acd;

/// <summary>Scorers with known values for the agglomeration tests.</summary>
internal static class TestScorers
{
    /// <summary>
    /// The linear model's region score Σ w ⊙ x ⊙ mask with w ⊙ x = <paramref name="contributions"/> (float64): a
    /// region's score is the sum of its elements' contributions, so every gain ACD computes is known by hand.
    /// </summary>
    public static RegionScorer Linear(Tensor contributions) => masks =>
    {
        using var scope = NewDisposeScope();
        var dims = Enumerable.Range(1, (int)contributions.dim()).Select(d => (long)d).ToArray();
        return (masks.to(float64) * contributions.unsqueeze(0)).sum(dims).MoveToOuterDisposeScope();
    };

    /// <summary>A nonlinear scorer that treats every mask on its own (row-wise, float64): batching cannot change its values.</summary>
    public static RegionScorer Nonlinear(Tensor a, Tensor b) => masks =>
    {
        using var scope = NewDisposeScope();
        var dims = Enumerable.Range(1, (int)a.dim()).Select(d => (long)d).ToArray();
        var m = masks.to(float64);
        var s1 = (m * a.unsqueeze(0)).sum(dims);
        var s2 = (m * b.unsqueeze(0)).sum(dims);
        return (s1.tanh() * 3 + s2 * s2 / 10 - m.sum(dims) * 0.01).MoveToOuterDisposeScope();
    };
}
