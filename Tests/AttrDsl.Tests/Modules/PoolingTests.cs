using static AttrDsl.Tests.Modules.ModuleKit;

namespace AttrDsl.Tests.Modules;

/// <summary>MaxPool2d, AvgPool2d, AdaptiveAvgPool2d: gradients and forward against naive loops.</summary>
public class PoolingTests
{
    private static readonly long[] Shape = [2, 3, 6, 7];

    public static TheoryData<string> Cases => new() { "max-2", "max-3-s2-p1", "avg-2", "avg-3-s2-p1", "adaptive-3x2", "adaptive-1" };

    private static nn.Module<Tensor, Tensor> Make(string which) => which switch
    {
        "max-2" => nn.MaxPool2d(2),
        "max-3-s2-p1" => nn.MaxPool2d(3, stride: 2, padding: 1),
        "avg-2" => nn.AvgPool2d(2),
        "avg-3-s2-p1" => nn.AvgPool2d(3, stride: 2, padding: 1),
        "adaptive-3x2" => nn.AdaptiveAvgPool2d((3, 2)),
        "adaptive-1" => nn.AdaptiveAvgPool2d(1),
        _ => throw new ArgumentException(which),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PoolingGradients(string which)
    {
        var layer = Make(which);
        // Distinct values 0.01 apart: no max-pool ties within ±1e-6.
        using var x = Leaf(Distinct(new Random(20), Numel(Shape)), Shape);
        CheckLayer(layer, x);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PoolingForwardMatchesNaiveLoops(string which)
    {
        var layer = Make(which);
        var xs = Uniform(new Random(21), Numel(Shape));
        using var x = Leaf(xs, Shape, requiresGrad: false);
        using var y = layer.forward(x);
        long[] s1;
        var expected = which switch
        {
            "max-2" => Window(xs, 2, 2, 0, true, out s1),
            "max-3-s2-p1" => Window(xs, 3, 2, 1, true, out s1),
            "avg-2" => Window(xs, 2, 2, 0, false, out s1),
            "avg-3-s2-p1" => Window(xs, 3, 2, 1, false, out s1),
            "adaptive-3x2" => Adaptive(xs, 3, 2, out s1),
            _ => Adaptive(xs, 1, 1, out s1),
        };
        Assert.Equal(s1, y.shape);
        Close(expected, D(y), 1e-12, 1e-12, which);
    }

    /// <summary>Square k×k window, stride s, zero padding p; max ignores padding, avg counts it (count_include_pad).</summary>
    private static double[] Window(double[] x, int k, int s, int p, bool max, out long[] shape)
    {
        long n = Shape[0], c = Shape[1], h = Shape[2], w = Shape[3];
        var oh = (h + 2 * p - k) / s + 1;
        var ow = (w + 2 * p - k) / s + 1;
        shape = [n, c, oh, ow];
        var r = new double[n * c * oh * ow];
        for (var plane = 0L; plane < n * c; plane++)
        for (var i = 0L; i < oh; i++)
        for (var j = 0L; j < ow; j++)
        {
            var acc = max ? double.NegativeInfinity : 0.0;
            for (var a = 0; a < k; a++)
            for (var b = 0; b < k; b++)
            {
                var yy = i * s - p + a;
                var xx = j * s - p + b;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                var v = x[(plane * h + yy) * w + xx];
                acc = max ? Math.Max(acc, v) : acc + v;
            }
            r[(plane * oh + i) * ow + j] = max ? acc : acc / (k * k);
        }
        return r;
    }

    /// <summary>PyTorch's adaptive windows: rows ⌊i·H/oh⌋ .. ⌈(i+1)·H/oh⌉ − 1 (likewise columns).</summary>
    private static double[] Adaptive(double[] x, long oh, long ow, out long[] shape)
    {
        long n = Shape[0], c = Shape[1], h = Shape[2], w = Shape[3];
        shape = [n, c, oh, ow];
        var r = new double[n * c * oh * ow];
        for (var plane = 0L; plane < n * c; plane++)
        for (var i = 0L; i < oh; i++)
        for (var j = 0L; j < ow; j++)
        {
            long y0 = i * h / oh, y1 = ((i + 1) * h + oh - 1) / oh;
            long x0 = j * w / ow, x1 = ((j + 1) * w + ow - 1) / ow;
            var acc = 0.0;
            for (var yy = y0; yy < y1; yy++)
            for (var xx = x0; xx < x1; xx++) acc += x[(plane * h + yy) * w + xx];
            r[(plane * oh + i) * ow + j] = acc / ((y1 - y0) * (x1 - x0));
        }
        return r;
    }
}
