using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Perturbation;

public class FeatureAblationTests
{
    private const int B = 3, N = 6;

    [Fact]
    public void DefaultMaskOnLinearModelIsWeightTimesDifference()
    {
        using var scope = NewDisposeScope();
        var w = Values(N, 21);
        var xv = Values(B * N, 22);
        var bv = Values(N, 23);
        var fa = new FeatureAblation(LinearModel(w, 1.25));
        var attr = A(fa.Attribute(T(xv, B, N), Target.Output, baselines: T(bv, 1, N), perturbationsPerEval: 4));
        var expected = new double[B * N];
        for (var b = 0; b < B; b++) for (var i = 0; i < N; i++) expected[b * N + i] = w[i] * (xv[b * N + i] - bv[i]);
        Close(expected, attr, 1e-12);
    }

    [Fact]
    public void GroupMaskGivesEveryElementItsGroupsTotal()
    {
        using var scope = NewDisposeScope();
        var w = Values(N, 24);
        var xv = Values(B * N, 25);
        long[] groups = [0, 0, 5, 5, 5, 2];    // ids need not be contiguous
        var fa = new FeatureAblation(LinearModel(w));
        foreach (var perEval in new[] { 1, 2, 3 })
        {
            var attr = A(fa.Attribute(T(xv, B, N), Target.Output, featureMask: tensor(groups, [1, N]), baselines: -0.5, perturbationsPerEval: perEval));
            var expected = new double[B * N];
            for (var b = 0; b < B; b++)
            for (var i = 0; i < N; i++)
            for (var j = 0; j < N; j++)
                if (groups[j] == groups[i]) expected[b * N + i] += w[j] * (xv[b * N + j] + 0.5);
            Close(expected, attr, 1e-12, $"perturbationsPerEval {perEval}");
        }
    }

    [Fact]
    public void PerSampleMasksGroupEachRowDifferently()
    {
        using var scope = NewDisposeScope();
        var w = Values(4, 26);
        var xv = Values(2 * 4, 27);
        long[] groups = [0, 0, 1, 1, /* row 1: */ 0, 1, 1, 0];
        var fa = new FeatureAblation(LinearModel(w));
        var attr = A(fa.Attribute(T(xv, 2, 4), Target.Output, featureMask: tensor(groups, [2, 4]), perturbationsPerEval: 2));
        var expected = new double[8];
        for (var b = 0; b < 2; b++)
        for (var i = 0; i < 4; i++)
        for (var j = 0; j < 4; j++)
            if (groups[b * 4 + j] == groups[b * 4 + i]) expected[b * 4 + i] += w[j] * xv[b * 4 + j];
        Close(expected, attr, 1e-12);
    }

    [Fact]
    public void InteractionsAreCreditedToEveryGroupThatBreaksThem()
    {
        using var scope = NewDisposeScope();
        // f = x0·x1 + x2: ablating x0 or x1 to 0 each removes the product.
        var fa = new FeatureAblation(x => x.select(1, 0) * x.select(1, 1) + x.select(1, 2));
        var attr = A(fa.Attribute(T([2.0, 3.0, 4.0], 1, 3), Target.Output));
        Close([6.0, 6.0, 4.0], attr, 1e-12);
    }

    [Fact]
    public void MaskThatDoesNotBroadcastIsRejected()
    {
        using var scope = NewDisposeScope();
        var fa = new FeatureAblation(LinearModel(Values(N, 1)));
        var x = zeros([B, N], float64);
        var ex = Assert.Throws<ArgumentException>(() => fa.Attribute(x, Target.Output, featureMask: zeros([5], int64)));
        Assert.Contains("cannot be broadcast", ex.Message);
        Assert.Contains("[5]", ex.Message);
        Assert.Contains("[3, 6]", ex.Message);
        var rows = Assert.Throws<ArgumentException>(() => fa.Attribute(x, Target.Output, featureMask: zeros([2, N], int64)));
        Assert.Contains("[2, 6]", rows.Message);
        var floats = Assert.Throws<ArgumentException>(() => fa.Attribute(x, Target.Output, featureMask: zeros([N], float64)));
        Assert.Contains("integer group ids", floats.Message);
    }

    [Fact]
    public void ModelThatDropsRowsIsReportedClearly()
    {
        using var scope = NewDisposeScope();
        // The shared output rule (Checks.Output) words it: a 0-dim output, and an output with too few rows.
        var fa = new FeatureAblation(x => x.sum());
        var ex = Assert.Throws<InvalidOperationException>(() => fa.Attribute(zeros([B, N], float64), Target.Output));
        Assert.StartsWith("FeatureAblation: the model returned a 0-dim tensor", ex.Message);
        Assert.Contains("one output row per sample", ex.Message);
        Assert.Contains("Don't reduce over the batch", ex.Message);
        var rows = Assert.Throws<InvalidOperationException>(() =>
            new FeatureAblation(x => x.narrow(0, 0, 2).sum(1)).Attribute(zeros([B, N], float64), Target.Output));
        Assert.StartsWith("FeatureAblation: the model returned an output of shape [2] for inputs of 3 rows", rows.Message);
    }
}
