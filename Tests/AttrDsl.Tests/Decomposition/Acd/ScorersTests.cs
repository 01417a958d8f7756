using AttrDsl.Decomposition.Acd;

namespace AttrDsl.Tests.Decomposition.Acd;

/// <summary>The build-up, occlusion and decomposition scorers compute their definitions, one score per mask.</summary>
public sealed class ScorersTests
{
    // A linear model with bias on [2, 3] samples, float64: f(z) = W·vec(z) + c, two outputs.
    private static readonly double[] W = [1, -2, 3, 0.5, 4, -1, 2, 2, -3, 1, 0, 5];
    private static readonly double[] Bias = [0.25, -1];

    private static Tensor Model(Tensor rows)
    {
        using var scope = NewDisposeScope();
        var w = tensor(W, [2, 6], float64);
        var c = tensor(Bias, [2], float64);
        return (rows.flatten(1).mm(w.t()) + c).MoveToOuterDisposeScope();
    }

    private static double F(double[] z, int target) => Enumerable.Range(0, 6).Sum(i => W[target * 6 + i] * z[i]) + Bias[target];

    private static readonly double[] X = [1, 2, -1, 0.5, 3, -2];
    private static readonly float[][] MaskRows = [[1, 0, 0, 1, 1, 0], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]];

    private static Tensor Masks() => tensor(MaskRows.SelectMany(r => r).ToArray(), [3, 2, 3]);

    [Fact]
    public void BuildUpKeepsTheRegionAndFillsTheRestWithTheBaseline()
    {
        using var x = tensor(X, [2, 3], float64);
        using var masks = Masks();
        using var scores = Scorers.BuildUp(Model, x, 1, baseline: 0.5)(masks);
        var expected = MaskRows.Select(m => F([.. X.Select((v, i) => m[i] == 1 ? v : 0.5)], 1));
        Assert.Equal([3L], scores.shape);
        Assert.Equal(expected, scores.data<double>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void OcclusionIsTheDropWhenTheRegionIsSetToTheBaseline()
    {
        using var x = tensor(X, [2, 3], float64);
        using var masks = Masks();
        using var scores = Scorers.Occlusion(Model, x, 0)(masks);
        var expected = MaskRows.Select(m => F(X, 0) - F([.. X.Select((v, i) => m[i] == 1 ? 0 : v)], 0));
        Assert.Equal(expected, scores.data<double>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
        // The empty region occludes nothing: no drop.
        Assert.Equal(0, scores[1].item<double>(), 12);
    }

    [Fact]
    public void FromDecompositionPassesXAndEachChunkOfMasks()
    {
        using var x = tensor(X, [2, 3], float64);
        using var masks = Masks();
        var chunks = new List<long>();
        // A stand-in decomposition: the relevant part of a linear model without bias is W·(m ⊙ x).
        Tensor Relevant(Tensor xs, Tensor m)
        {
            Assert.Equal(x.shape, xs.shape);
            chunks.Add(m.size(0));
            using var scope = NewDisposeScope();
            var w = tensor(W, [2, 6], float64);
            return (m * xs).flatten(1).mm(w.t()).select(1, 0).MoveToOuterDisposeScope();
        }
        using var scores = Scorers.FromDecomposition(Relevant, x, maxRowsPerCall: 2)(masks);
        Assert.Equal([2L, 1L], chunks);
        var expected = MaskRows.Select(m => F([.. X.Select((v, i) => m[i] * v)], 0) - Bias[0]);
        Assert.Equal(expected, scores.data<double>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void MasksNotShapedLikeXAreRejected()
    {
        using var x = tensor(X, [2, 3], float64);
        using var wrong = ones(3, 3, 2);
        var e = Assert.Throws<ArgumentException>(() => Scorers.BuildUp(Model, x, 0)(wrong));
        Assert.Contains("masks have shape [3, 3, 2] but x has shape [2, 3]", e.Message);
        Assert.Throws<ArgumentException>(() => Scorers.Occlusion(Model, x, 0)(ones(2, 3)));
        Assert.Throws<ArgumentException>(() => Scorers.FromDecomposition((a, m) => m.sum(1), x)(ones(4, 6)));
    }

    [Fact]
    public void BadScorerArgumentsAreRejected()
    {
        using var x = tensor(X, [2, 3], float64);
        Assert.Contains("maxRowsPerCall must be at least 1",
            Assert.Throws<ArgumentOutOfRangeException>(() => Scorers.BuildUp(Model, x, 0, maxRowsPerCall: 0)).Message);
        Assert.Contains("pass one non-empty input sample",
            Assert.Throws<ArgumentException>(() => Scorers.BuildUp(Model, zeros(0, 3), 0)).Message);
        using var bad = tensor(new double[] { 1, double.NaN }, [2], float64);
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => Scorers.Occlusion(Model, bad, 0)).Message);
        Assert.Contains("floating-point", Assert.Throws<ArgumentException>(() => Scorers.BuildUp(Model, ones(2, 3, int64), 0)).Message);
    }

    [Fact]
    public void DecompositionReturningWrongShapeOrNaNIsRejected()
    {
        using var x = tensor(X, [2, 3], float64);
        using var masks = Masks();
        Assert.Contains("one score per mask",
            Assert.Throws<InvalidOperationException>(() => Scorers.FromDecomposition((a, m) => m.flatten(1), x)(masks)).Message);
        Assert.Contains("non-finite",
            Assert.Throws<InvalidOperationException>(() => Scorers.FromDecomposition((a, m) => full(m.size(0), double.NaN, float64), x)(masks)).Message);
    }
}
