using static AttrDsl.Tests.Modules.ModuleKit;

namespace AttrDsl.Tests.Modules;

/// <summary>Linear, Conv1d and Conv2d: gradients, forward against hand computations, initialisation bounds, errors.</summary>
public class LinearConvolutionTests
{
    // ------------------------------------------------------------------ gradients

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LinearGradients(bool bias)
    {
        using var layer = nn.Linear(5, 4, hasBias: bias);
        layer.to(ScalarType.Float64);
        FillParameters(layer, 1);
        using var x = Leaf(Uniform(new Random(2), 3 * 5), [3, 5]);
        CheckLayer(layer, x);
    }

    [Fact]
    public void LinearGradientsWithLeadingBatchDimensions()
    {
        using var layer = nn.Linear(3, 2);
        layer.to(ScalarType.Float64);
        FillParameters(layer, 3);
        using var x = Leaf(Uniform(new Random(4), 2 * 3 * 3), [2, 3, 3]);
        CheckLayer(layer, x);
    }

    [Fact]
    public void Conv1dGradients()
    {
        using var layer = nn.Conv1d(4, 6, 3, stride: 2, padding: 1, dilation: 2, groups: 2);
        layer.to(ScalarType.Float64);
        FillParameters(layer, 5);
        using var x = Leaf(Uniform(new Random(6), 2 * 4 * 9), [2, 4, 9]);
        CheckLayer(layer, x);
    }

    public static TheoryData<string> Conv2dCases => new() { "basic", "stride-padding-rect", "groups-dilation", "no-bias" };

    [Theory]
    [MemberData(nameof(Conv2dCases))]
    public void Conv2dGradients(string which)
    {
        using var layer = MakeConv2d(which);
        layer.to(ScalarType.Float64);
        FillParameters(layer, 7);
        using var x = Leaf(Uniform(new Random(8), 2 * 4 * 6 * 5), [2, 4, 6, 5]);
        CheckLayer(layer, x);
    }

    private static Conv2d MakeConv2d(string which) => which switch
    {
        "basic" => nn.Conv2d(4, 3, 3),
        "stride-padding-rect" => nn.Conv2d(4, 3, (2, 3), stride: (2, 1), padding: (1, 2)),
        "groups-dilation" => new Conv2d(4, 6, [2, 2], stride: [1, 2], padding: [1, 0], dilation: [2, 1], groups: 2),
        "no-bias" => nn.Conv2d(4, 2, 2, stride: 2, bias: false),
        _ => throw new ArgumentException(which),
    };

    // ------------------------------------------------------------------ forward against hand computations

    [Fact]
    public void LinearForwardMatchesHandComputation()
    {
        using var layer = nn.Linear(5, 3);
        var rng = new Random(10);
        var xs = Uniform(rng, 4 * 5);
        using var x = tensor(xs.Select(v => (float)v).ToArray(), [4, 5]);
        using var y = layer.forward(x);
        Assert.Equal(new long[] { 4, 3 }, y.shape);
        Assert.Equal(ScalarType.Float32, y.dtype);

        var w = layer.weight.ToArray<float>();
        var b = layer.bias!.ToArray<float>();
        var xf = x.ToArray<float>();
        var expected = new double[4 * 3];
        for (var n = 0; n < 4; n++)
        for (var o = 0; o < 3; o++)
        {
            double acc = b[o];
            for (var i = 0; i < 5; i++) acc += (double)xf[n * 5 + i] * w[o * 5 + i];
            expected[n * 3 + o] = acc;
        }
        Close(expected, D(y), 1e-5, 0, "Linear");
    }

    [Fact]
    public void LinearWithoutBiasIsPlainProductAndHasNoBiasParameter()
    {
        using var layer = nn.Linear(3, 2, hasBias: false);
        Assert.Null(layer.bias);
        Assert.Equal(new[] { "weight" }, layer.named_parameters().Select(p => p.name).ToArray());
        using var x = tensor(new float[] { 1, 2, 3, -1, 0, 4 }, [2, 3]);
        using var y = layer.forward(x);
        var w = layer.weight.ToArray<float>();
        var expected = new double[]
        {
            1 * w[0] + 2 * w[1] + 3 * w[2], 1 * w[3] + 2 * w[4] + 3 * w[5],
            -1 * w[0] + 0 * w[1] + 4 * w[2], -1 * w[3] + 0 * w[4] + 4 * w[5],
        };
        Close(expected, D(y), 1e-5, 0, "Linear(no bias)");
    }

    [Theory]
    [MemberData(nameof(Conv2dCases))]
    public void Conv2dForwardMatchesNaiveLoops(string which)
    {
        using var layer = MakeConv2d(which);
        layer.to(ScalarType.Float64);
        FillParameters(layer, 11, -1, 1);
        long[] shape = [2, 4, 6, 5];
        var xs = Uniform(new Random(12), Numel(shape));
        using var x = Leaf(xs, shape, requiresGrad: false);
        using var y = layer.forward(x);

        var w = layer.weight.ToArray<double>();
        var b = layer.bias?.ToArray<double>();
        var expected = NaiveConv2d(xs, shape, w, layer.weight.shape, b, layer.stride, layer.padding, layer.dilation, layer.groups, out var outShape);
        Assert.Equal(outShape, y.shape);
        Close(expected, D(y), 1e-12, 1e-12, $"Conv2d {which}");
    }

    [Fact]
    public void Conv2dFloat32ForwardMatchesNaiveLoops()
    {
        using var layer = nn.Conv2d(3, 2, 3, padding: 1);
        long[] shape = [1, 3, 5, 5];
        var xs = Uniform(new Random(13), Numel(shape)).Select(v => (double)(float)v).ToArray();
        using var x = tensor(xs.Select(v => (float)v).ToArray(), shape);
        using var y = layer.forward(x);
        var expected = NaiveConv2d(xs, shape, D(layer.weight), layer.weight.shape, D(layer.bias!), layer.stride, layer.padding, layer.dilation, layer.groups, out var outShape);
        Assert.Equal(outShape, y.shape);
        Close(expected, D(y), 1e-5, 0, "Conv2d float32");
    }

    [Fact]
    public void Conv1dForwardMatchesNaiveLoops()
    {
        using var layer = nn.Conv1d(4, 2, 3, stride: 2, padding: 1, dilation: 1, groups: 2);
        layer.to(ScalarType.Float64);
        FillParameters(layer, 14, -1, 1);
        var xs = Uniform(new Random(15), 1 * 4 * 7);
        using var x = Leaf(xs, [1, 4, 7], requiresGrad: false);
        using var y = layer.forward(x);
        // Conv1d == Conv2d with height 1.
        var expected = NaiveConv2d(xs, [1, 4, 1, 7], D(layer.weight), [2, 2, 1, 3], D(layer.bias!), [1, 2], [0, 1], [1, 1], 2, out var outShape);
        Assert.Equal(new[] { outShape[0], outShape[1], outShape[3] }, y.shape);
        Close(expected, D(y), 1e-12, 1e-12, "Conv1d");
    }

    /// <summary>out[n,o,y,x] = b[o] + Σ w[o,c,ky,kx]·in[n, g·Cg + c, y·s − p + ky·d, x·s − p + kx·d] (zero outside).</summary>
    internal static double[] NaiveConv2d(double[] x, long[] xs, double[] w, long[] ws, double[]? b, long[] stride, long[] pad, long[] dil, long groups, out long[] outShape)
    {
        long n = xs[0], c = xs[1], h = xs[2], wd = xs[3];
        long o = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
        Assert.Equal(c / groups, cg);
        var oh = (h + 2 * pad[0] - dil[0] * (kh - 1) - 1) / stride[0] + 1;
        var ow = (wd + 2 * pad[1] - dil[1] * (kw - 1) - 1) / stride[1] + 1;
        outShape = [n, o, oh, ow];
        var outPerGroup = o / groups;
        var result = new double[n * o * oh * ow];
        for (long bn = 0; bn < n; bn++)
        for (long oc = 0; oc < o; oc++)
        {
            var g = oc / outPerGroup;
            for (long y = 0; y < oh; y++)
            for (long xx = 0; xx < ow; xx++)
            {
                var acc = b?[oc] ?? 0.0;
                for (long ic = 0; ic < cg; ic++)
                for (long ky = 0; ky < kh; ky++)
                for (long kx = 0; kx < kw; kx++)
                {
                    var iy = y * stride[0] - pad[0] + ky * dil[0];
                    var ix = xx * stride[1] - pad[1] + kx * dil[1];
                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                    var inC = g * cg + ic;
                    acc += w[((oc * cg + ic) * kh + ky) * kw + kx] * x[((bn * c + inC) * h + iy) * wd + ix];
                }
                result[((bn * o + oc) * oh + y) * ow + xx] = acc;
            }
        }
        return result;
    }

    // ------------------------------------------------------------------ initialisation

    [Theory]
    [InlineData(60, 40)]
    [InlineData(7, 300)]
    public void LinearInitWithinInverseSqrtFanIn(int fanIn, int fanOut)
    {
        using var layer = nn.Linear(fanIn, fanOut);
        AssertUniformBound(D(layer.weight), 1 / Math.Sqrt(fanIn), "weight");
        AssertUniformBound(D(layer.bias!), 1 / Math.Sqrt(fanIn), "bias", nearBound: fanOut >= 200);
    }

    [Fact]
    public void Conv2dInitWithinInverseSqrtFanIn()
    {
        // fan_in = in/groups · kH · kW = 3 · 3 · 2 = 18.
        using var layer = new Conv2d(6, 64, [3, 2], groups: 2);
        AssertUniformBound(D(layer.weight), 1 / Math.Sqrt(18), "weight");
        AssertUniformBound(D(layer.bias!), 1 / Math.Sqrt(18), "bias", nearBound: false);
    }

    [Fact]
    public void Conv1dInitWithinInverseSqrtFanIn()
    {
        using var layer = nn.Conv1d(5, 200, 4); // fan_in 20
        AssertUniformBound(D(layer.weight), 1 / Math.Sqrt(20), "weight");
        AssertUniformBound(D(layer.bias!), 1 / Math.Sqrt(20), "bias");
    }

    /// <summary>All within ±bound, not all equal, and (for enough samples) reaching close to the bound.</summary>
    internal static void AssertUniformBound(double[] v, double bound, string what, bool nearBound = true)
    {
        Assert.All(v, x => Assert.True(Math.Abs(x) <= bound, $"{what}: {x} outside ±{bound}"));
        Assert.True(v.Distinct().Count() > v.Length / 2, $"{what}: values are not spread out");
        if (!nearBound) return;
        Assert.True(v.Max() > 0.8 * bound && v.Min() < -0.8 * bound, $"{what}: range [{v.Min()}, {v.Max()}] does not fill ±{bound}");
        // U(−b, b) has standard deviation b/√3.
        var mean = v.Average();
        var sd = Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Sum() / v.Length);
        Assert.InRange(sd, 0.85 * bound / Math.Sqrt(3), 1.15 * bound / Math.Sqrt(3));
    }

    // ------------------------------------------------------------------ errors

    [Fact]
    public void LinearWrongFeatureCountNamesShapesAndProcessContinues()
    {
        using var layer = nn.Linear(4, 5);
        using var bad = ones(2, 3);
        var e = Assert.Throws<TorchException>(() => layer.forward(bad));
        Assert.Contains("2x3", e.Message);
        Assert.Contains("4x5", e.Message);
        using var scalar = tensor(1.0);
        var e0 = Assert.ThrowsAny<Exception>(() => layer.forward(scalar));
        Assert.Contains("1D", e0.Message);

        using var good = ones(2, 4);
        using var y = layer.forward(good);
        Assert.Equal(new long[] { 2, 5 }, y.shape);
    }

    [Fact]
    public void Conv2dWrongChannelCountThrowsAndProcessContinues()
    {
        using var layer = nn.Conv2d(3, 2, 3);
        using var bad = ones(1, 4, 5, 5);
        var e = Assert.Throws<TorchException>(() => layer.forward(bad));
        Assert.Contains("3", e.Message);
        Assert.Contains("4", e.Message);
        using var good = ones(1, 3, 5, 5);
        using var y = layer.forward(good);
        Assert.Equal(new long[] { 1, 2, 3, 3 }, y.shape);
    }
}
