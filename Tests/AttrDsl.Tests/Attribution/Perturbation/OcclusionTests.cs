using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Perturbation;

public class OcclusionTests
{
    private const int B = 3, N = 6;

    [Fact]
    public void OneElementWindowOnLinearModelIsWeightTimesInput()
    {
        using var scope = NewDisposeScope();
        var w = Values(N, 1);
        var xv = Values(B * N, 2, -2, 2);
        var occ = new Occlusion(LinearModel(w, 0.7));
        var attr = A(occ.Attribute(T(xv, B, N), Target.Output, [1]));
        var expected = new double[B * N];
        for (var b = 0; b < B; b++) for (var i = 0; i < N; i++) expected[b * N + i] = w[i] * xv[b * N + i];
        Close(expected, attr, 1e-12);
    }

    [Fact]
    public void OneElementWindowWithTensorBaselineIsWeightTimesDifference()
    {
        using var scope = NewDisposeScope();
        var w = Values(N, 3);
        var xv = Values(B * N, 4);
        var bv = Values(N, 5);
        var occ = new Occlusion(LinearModel(w));
        foreach (var perEval in new[] { 1, 4, 100 })
        {
            var attr = A(occ.Attribute(T(xv, B, N), Target.Output, [1], baselines: T(bv, N), perturbationsPerEval: perEval));
            var expected = new double[B * N];
            for (var b = 0; b < B; b++) for (var i = 0; i < N; i++) expected[b * N + i] = w[i] * (xv[b * N + i] - bv[i]);
            Close(expected, attr, 1e-12, $"perturbationsPerEval {perEval}");
        }
    }

    [Fact]
    public void OverlappingWindowsAverageTheDropOverCoveringWindows()
    {
        using var scope = NewDisposeScope();
        var w = Values(N, 6);
        var xv = Values(B * N, 7);
        var occ = new Occlusion(LinearModel(w, -0.3));
        var attr = A(occ.Attribute(T(xv, B, N), Target.Output, [2], baselines: 0.5, perturbationsPerEval: 3));
        // Window j covers {j, j+1} (j = 0..N−2); its drop is Σ over those of w·(x − 0.5).
        var expected = new double[B * N];
        for (var b = 0; b < B; b++)
        for (var i = 0; i < N; i++)
        {
            double sum = 0; var count = 0;
            for (var j = Math.Max(0, i - 1); j <= Math.Min(i, N - 2); j++)
            {
                sum += w[j] * (xv[b * N + j] - 0.5) + w[j + 1] * (xv[b * N + j + 1] - 0.5);
                count++;
            }
            expected[b * N + i] = sum / count;
        }
        Close(expected, attr, 1e-12);
    }

    [Fact]
    public void StrideLeavesTruncatedLastWindowAsCaptum()
    {
        using var scope = NewDisposeScope();
        const int n = 5;
        var w = Values(n, 8);
        var xv = Values(2 * n, 9);
        var occ = new Occlusion(LinearModel(w));
        // Windows of 2 with stride 2 start at 0, 2, 4 (⌈3/2⌉ + 1 = 3 of them); the last covers only element 4.
        var attr = A(occ.Attribute(T(xv, 2, n), Target.Output, [2], strides: [2]));
        int[][] windows = [[0, 1], [2, 3], [4]];
        var expected = new double[2 * n];
        for (var b = 0; b < 2; b++)
            foreach (var win in windows)
            {
                var drop = win.Sum(i => w[i] * xv[b * n + i]);
                foreach (var i in win) expected[b * n + i] = drop;
            }
        Close(expected, attr, 1e-12);
    }

    [Fact]
    public void TwoDimensionalPatchesOnImageShapedInput()
    {
        using var scope = NewDisposeScope();
        // f(x) = Σ W ⊙ x over [1, 4, 4]; non-overlapping 2×2 patches: every pixel gets its patch's Σ W ⊙ x.
        var wv = Values(16, 10);
        var xv = Values(2 * 16, 11);
        var wt = T(wv, 1, 4, 4);
        var occ = new Occlusion(x => (x * wt).sum([1L, 2L, 3L]));
        var attr = A(occ.Attribute(T(xv, 2, 1, 4, 4), Target.Output, [1, 2, 2], strides: [1, 2, 2], perturbationsPerEval: 2));
        var expected = new double[32];
        for (var b = 0; b < 2; b++)
        for (var ph = 0; ph < 2; ph++)
        for (var pw = 0; pw < 2; pw++)
        {
            double drop = 0;
            for (var h = 2 * ph; h < 2 * ph + 2; h++) for (var c = 2 * pw; c < 2 * pw + 2; c++) drop += wv[h * 4 + c] * xv[b * 16 + h * 4 + c];
            for (var h = 2 * ph; h < 2 * ph + 2; h++) for (var c = 2 * pw; c < 2 * pw + 2; c++) expected[b * 16 + h * 4 + c] = drop;
        }
        Close(expected, attr, 1e-12);
        var full = occ.Attribute(T(xv, 2, 1, 4, 4), Target.Output, [1, 2, 2], strides: [1, 2, 2]);
        Assert.Equal([2L, 1, 4, 4], full.shape);
    }

    [Fact]
    public void PerSampleTargetsPickEachRowsClass()
    {
        using var scope = NewDisposeScope();
        var wv = Values(2 * N, 12);          // two classes
        var xv = Values(B * N, 13);
        var wt = T(wv, 2, N);
        var occ = new Occlusion(x => x.mm(wt.t()));
        var labels = tensor(new long[] { 1, 0, 1 });
        var attr = A(occ.Attribute(T(xv, B, N), labels, [1], perturbationsPerEval: 5));
        long[] lab = [1, 0, 1];
        var expected = new double[B * N];
        for (var b = 0; b < B; b++) for (var i = 0; i < N; i++) expected[b * N + i] = wv[lab[b] * N + i] * xv[b * N + i];
        Close(expected, attr, 1e-12);
    }

    [Fact]
    public void NonLinearDropIsMeasuredNotLinearised()
    {
        using var scope = NewDisposeScope();
        // f = x0·x1 (+ x2²): occluding x0 alone drops x0·x1; occluding x2 drops x2².
        var occ = new Occlusion(x => x.select(1, 0) * x.select(1, 1) + x.select(1, 2).square());
        var attr = A(occ.Attribute(T([2.0, 3.0, -1.5], 1, 3), Target.Output, [1]));
        Close([6.0, 6.0, 2.25], attr, 1e-12);
    }

    [Fact]
    public void WindowLargerThanInputIsRejected()
    {
        using var scope = NewDisposeScope();
        var occ = new Occlusion(LinearModel(Values(N, 1)));
        var ex = Assert.Throws<ArgumentException>(() => occ.Attribute(zeros([2, N], float64), Target.Output, [N + 1]));
        Assert.Contains("larger than the input", ex.Message);
        Assert.Contains("[7]", ex.Message);
        Assert.Contains("[6]", ex.Message);
    }

    [Fact]
    public void WindowRankAndStrideErrorsNameTheShapes()
    {
        using var scope = NewDisposeScope();
        var occ = new Occlusion(x => x.sum([1L, 2L]));
        var x = zeros([2, 3, 4], float64);
        var rank = Assert.Throws<ArgumentException>(() => occ.Attribute(x, Target.Output, [1]));
        Assert.Contains("2 non-batch dimensions", rank.Message);
        Assert.Contains("[2, 3, 4]", rank.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => occ.Attribute(x, Target.Output, [1, 1], strides: [1, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => occ.Attribute(x, Target.Output, [1, 1], perturbationsPerEval: 0));
        var baseline = Assert.Throws<ArgumentException>(() => occ.Attribute(x, Target.Output, [1, 1], baselines: zeros([5], float64)));
        Assert.Contains("cannot be broadcast", baseline.Message);
    }
}
