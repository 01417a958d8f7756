using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Layer;

public class AumannShapleyAndGradCamTests
{
    // ------------------------------------------------------------------ Aumann–Shapley

    /// <summary>bottom(x) = x·Wᵀ + c (3 → 3, with a bias so bottom(0) ≠ 0).</summary>
    private static (Func<Tensor, Tensor> Bottom, double[] W, double[] C) AffineBottom()
    {
        var w = Values(9, 141);
        var c = Values(3, 142);
        var wt = T(w, 3, 3).DetachFromDisposeScope();
        var ct = T(c, 3).DetachFromDisposeScope();
        return (x => x.mm(wt.t()).add(ct), w, c);
    }

    private static double[] Affine(double[] x, double[] w, double[] c) =>
        Enumerable.Range(0, 3).Select(j => c[j] + Enumerable.Range(0, 3).Sum(i => w[j * 3 + i] * x[i])).ToArray();

    private static Tensor ProductTop(Tensor z) => z.select(1, 0) * z.select(1, 1) + z.select(1, 2).square();

    [Fact]
    public void IntegratedGradientsInFeatureSpaceHasClosedForm()
    {
        using var scope = NewDisposeScope();
        var (bottom, w, c) = AffineBottom();
        var xv = Values(6, 143, -2, 2);
        var attr = A(new AumannShapley(bottom, ProductTop).Attribute(T(xv, 2, 3), Target.Output, nSteps: 3));
        var z0 = Affine([0, 0, 0], w, c);     // z' = bottom(0) = c
        for (var r = 0; r < 2; r++)
        {
            var z = Affine(xv[(3 * r)..(3 * r + 3)], w, c);
            // ∫ along z' + α(z − z') of ∂(z0·z1 + z2²): endpoints' mean for the linear gradients.
            double[] expected =
            [
                (z[0] - z0[0]) * (z[1] + z0[1]) / 2,
                (z[1] - z0[1]) * (z[0] + z0[0]) / 2,
                z[2] * z[2] - z0[2] * z0[2],
            ];
            Close(expected, attr[(3 * r)..(3 * r + 3)], 1e-12, $"row {r}");
            Assert.Equal(z[0] * z[1] + z[2] * z[2] - (z0[0] * z0[1] + z0[2] * z0[2]), attr[(3 * r)..(3 * r + 3)].Sum(), 12);
        }
    }

    [Fact]
    public void SumsToTopDifferenceForSmoothTop()
    {
        using var scope = NewDisposeScope();
        var (bottom, _, _) = AffineBottom();
        var v = T(Values(6, 144, -2, 2), 2, 3);
        Func<Tensor, Tensor> top = z => z.tanh().mm(v.t()).sigmoid();
        var x = T(Values(9, 145, -2, 2), 3, 3);
        var xb = T(Values(3, 146), 1, 3);
        var attr = new AumannShapley(bottom, top).Attribute(x, Target.Class(0), baselines: xb, internalBatchSize: 10);
        var delta = A(top(bottom(x)).select(1, 0) - top(bottom(xb)).select(1, 0));
        Close(delta, A(attr.sum(1)), 1e-9);
    }

    [Fact]
    public void LayerBaselinesAreUsedDirectly()
    {
        using var scope = NewDisposeScope();
        var (bottom, w, c) = AffineBottom();
        var xv = Values(3, 147);
        double[] zb = [0.3, -0.2, 1.1];
        var attr = A(new AumannShapley(bottom, ProductTop).Attribute(T(xv, 1, 3), Target.Output, layerBaselines: T(zb, 3), nSteps: 2));
        var z = Affine(xv, w, c);
        Close([(z[0] - zb[0]) * (z[1] + zb[1]) / 2, (z[1] - zb[1]) * (z[0] + zb[0]) / 2, z[2] * z[2] - zb[2] * zb[2]], attr, 1e-12);
        var both = Assert.Throws<ArgumentException>(() =>
            new AumannShapley(bottom, ProductTop).Attribute(T(xv, 1, 3), Target.Output, baselines: zeros([3], float64), layerBaselines: T(zb, 3)));
        Assert.Contains("not both", both.Message);
        var shape = Assert.Throws<ArgumentException>(() =>
            new AumannShapley(bottom, ProductTop).Attribute(T(xv, 1, 3), Target.Output, layerBaselines: zeros([2], float64)));
        Assert.Contains("cannot be broadcast", shape.Message);
    }

    // ------------------------------------------------------------------ Grad-CAM

    /// <summary>top(A) = Σ V ⊙ A² over [C, H, W]: ∂f/∂A = 2·V ⊙ A.</summary>
    private static Func<Tensor, Tensor> QuadraticTop(double[] v, params long[] shape)
    {
        var vt = T(v, shape).DetachFromDisposeScope();
        return a => (a.square() * vt).sum([1L, 2L, 3L]);
    }

    /// <summary>Grad-CAM by hand for activations [B, C, H·W] and top Σ V ⊙ A².</summary>
    private static double[] HandCam(double[] act, double[] v, int b, int c, int hw, bool relu)
    {
        var cam = new double[b * hw];
        for (var r = 0; r < b; r++)
        for (var ch = 0; ch < c; ch++)
        {
            double weight = 0;
            for (var p = 0; p < hw; p++) weight += 2 * v[ch * hw + p] * act[(r * c + ch) * hw + p];
            weight /= hw;
            for (var p = 0; p < hw; p++) cam[r * hw + p] += weight * act[(r * c + ch) * hw + p];
        }
        return relu ? cam.Select(x => Math.Max(0, x)).ToArray() : cam;
    }

    [Fact]
    public void GradCamOfHandBuiltModelEqualsHandComputation()
    {
        using var scope = NewDisposeScope();
        var xv = Values(2 * 2 * 3 * 3, 151, -2, 2);
        var vv = Values(2 * 3 * 3, 152, -1, 1);
        var gc = new GradCam(a => a.alias(), QuadraticTop(vv, 1, 2, 3, 3));
        var raw = gc.Attribute(T(xv, 2, 2, 3, 3), Target.Output, relu: false);
        Assert.Equal([2L, 1, 3, 3], raw.shape);
        var expectedRaw = HandCam(xv, vv, 2, 2, 9, relu: false);
        Close(expectedRaw, A(raw), 1e-12, "raw");
        Assert.Contains(expectedRaw, v => v < 0);   // so that ReLU is exercised
        Close(HandCam(xv, vv, 2, 2, 9, relu: true), A(gc.Attribute(T(xv, 2, 2, 3, 3), Target.Output)), 1e-12, "relu");
    }

    [Fact]
    public void GradCamUpsamplesBilinearlyToTheInput()
    {
        using var scope = NewDisposeScope();
        // bottom = 2×2 average pooling of [1, 2, 4, 4] → A [1, 2, 2, 2]; the 2×2 map is resized to 4×4.
        var xv = Values(32, 153, -2, 2);
        var vv = Values(8, 154, -1, 1);
        var gc = new GradCam(x => nn.functional.avg_pool2d(x, 2), QuadraticTop(vv, 1, 2, 2, 2));
        var act = new double[8];
        for (var ch = 0; ch < 2; ch++)
        for (var i = 0; i < 2; i++)
        for (var j = 0; j < 2; j++)
            act[ch * 4 + i * 2 + j] = (xv[ch * 16 + 2 * i * 4 + 2 * j] + xv[ch * 16 + 2 * i * 4 + 2 * j + 1] + xv[ch * 16 + (2 * i + 1) * 4 + 2 * j] + xv[ch * 16 + (2 * i + 1) * 4 + 2 * j + 1]) / 4;
        var cam = HandCam(act, vv, 1, 2, 4, relu: false);
        // Bilinear 2 → 4 without aligned corners: source = (dst + ½)/2 − ½, clamped: rows 0..3 take
        // (1, 0), (¾, ¼), (¼, ¾), (0, 1) of source rows (0, 1); the same for columns.
        double[][] wgt = [[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]];
        var expected = new double[16];
        for (var i = 0; i < 4; i++)
        for (var j = 0; j < 4; j++)
        for (var si = 0; si < 2; si++)
        for (var sj = 0; sj < 2; sj++)
            expected[i * 4 + j] += wgt[i][si] * wgt[j][sj] * cam[si * 2 + sj];
        var up = gc.Attribute(T(xv, 1, 2, 4, 4), Target.Output, relu: false, upsampleToInput: true);
        Assert.Equal([1L, 1, 4, 4], up.shape);
        Close(expected, A(up), 1e-12);
    }

    [Fact]
    public void GradCamOnFlatLayerWeightsEachUnitByItsGradient()
    {
        using var scope = NewDisposeScope();
        var w = T(Values(12, 155), 3, 4);
        var uv = new[] { 0.5, -1.0, 2.0 };
        var u = T(uv, 3);
        var xv = Values(8, 156, -2, 2);
        var gc = new GradCam(x => x.mm(w.t()), z => (z.square() * u).sum(1));
        var cam = gc.Attribute(T(xv, 2, 4), Target.Output, relu: false);
        Assert.Equal([2L, 1], cam.shape);
        var z = A(T(xv, 2, 4).mm(w.t()));
        var expected = Enumerable.Range(0, 2).Select(r => Enumerable.Range(0, 3).Sum(c => 2 * uv[c] * z[r * 3 + c] * z[r * 3 + c])).ToArray();
        Close(expected, A(cam), 1e-12);
    }

    [Fact]
    public void GradCamRejectsUpsamplingWithoutImages()
    {
        using var scope = NewDisposeScope();
        var gc = new GradCam(x => x.alias(), z => z.sum(1));
        var ex = Assert.Throws<ArgumentException>(() => gc.Attribute(ones([2, 4], float64), Target.Output, upsampleToInput: true));
        Assert.Contains("[2, 4]", ex.Message);
        Assert.Throws<ArgumentException>(() => gc.Attribute(ones([2, 4], float64), Target.Output, interpolateMode: "bicubic"));
    }
}
