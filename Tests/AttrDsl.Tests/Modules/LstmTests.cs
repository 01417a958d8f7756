using static AttrDsl.Tests.Modules.ModuleKit;

namespace AttrDsl.Tests.Modules;

/// <summary>LSTM: gradients of output/h_n/c_n, forward against a hand-written loop (gate order i, f, g, o), init, errors.</summary>
public class LstmTests
{
    private const int T = 4, B = 2, I = 3, H = 3;

    public static TheoryData<int, bool, bool> Configs => new()
    {
        { 1, false, false },
        { 2, false, false },
        { 1, true, false },
        { 2, true, true },
        { 1, false, true },
    };

    private static long[] InputShape(bool batchFirst) => batchFirst ? [B, T, I] : [T, B, I];

    // ------------------------------------------------------------------ gradients

    [Theory]
    [MemberData(nameof(Configs))]
    public void LstmGradients(int layers, bool bidirectional, bool batchFirst)
    {
        using var lstm = nn.LSTM(I, H, num_layers: layers, bidirectional: bidirectional, batch_first: batchFirst);
        lstm.to(ScalarType.Float64);
        FillParameters(lstm, 70 + layers, -0.6, 0.6);
        var shape = InputShape(batchFirst);
        using var x = Leaf(Uniform(new Random(71), Numel(shape)), shape);
        var targets = ParamTargets(lstm);
        Assert.Equal(layers * (bidirectional ? 2 : 1) * 4, targets.Count);
        targets.Insert(0, ("input", x));
        CheckGradients(() =>
        {
            var (o, h, c) = lstm.forward(x);
            return [o, h, c];
        }, targets);
    }

    [Fact]
    public void LstmGradientsWithInitialState()
    {
        using var lstm = nn.LSTM(I, H, num_layers: 2);
        lstm.to(ScalarType.Float64);
        FillParameters(lstm, 72, -0.6, 0.6);
        var rng = new Random(73);
        using var x = Leaf(Uniform(rng, T * B * I), [T, B, I]);
        using var h0 = Leaf(Uniform(rng, 2 * B * H), [2, B, H]);
        using var c0 = Leaf(Uniform(rng, 2 * B * H), [2, B, H]);
        var targets = ParamTargets(lstm);
        targets.InsertRange(0, [("input", x), ("h0", h0), ("c0", c0)]);
        CheckGradients(() =>
        {
            var (o, h, c) = lstm.forward(x, (h0, c0));
            return [o, h, c];
        }, targets);
    }

    // ------------------------------------------------------------------ forward by hand

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    /// <summary>
    /// Reference LSTM over [T, B, in] (seq-first), PyTorch's equations and gate order (i, f, g, o):
    /// gates = W_ih·x + b_ih + W_hh·h + b_hh; c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c').
    /// Layers stack, the reverse direction reads the sequence backwards, outputs concatenate [fwd, bwd].
    /// Returns output [T, B, dirs·H] and h_n, c_n [layers·dirs, B, H].
    /// </summary>
    internal static (double[] output, double[] hn, double[] cn) Reference(LSTM lstm, double[] x, int t, int b, double[]? h0, double[]? c0)
    {
        var p = lstm.named_parameters().ToDictionary(kv => kv.name, kv => D(kv.parameter));
        int h = (int)lstm.hidden_size, layers = (int)lstm.num_layers, dirs = lstm.bidirectional ? 2 : 1;
        var hn = new double[layers * dirs * b * h];
        var cn = new double[layers * dirs * b * h];
        var input = x;
        var inSize = (int)lstm.input_size;
        for (var layer = 0; layer < layers; layer++)
        {
            var output = new double[t * b * dirs * h];
            for (var d = 0; d < dirs; d++)
            {
                var sfx = $"_l{layer}{(d == 1 ? "_reverse" : "")}";
                var (wih, whh, bih, bhh) = (p["weight_ih" + sfx], p["weight_hh" + sfx], p["bias_ih" + sfx], p["bias_hh" + sfx]);
                var slot = layer * dirs + d;
                for (var bi = 0; bi < b; bi++)
                {
                    var hs = new double[h];
                    var cs = new double[h];
                    for (var k = 0; k < h; k++)
                    {
                        hs[k] = h0?[(slot * b + bi) * h + k] ?? 0;
                        cs[k] = c0?[(slot * b + bi) * h + k] ?? 0;
                    }
                    for (var step = 0; step < t; step++)
                    {
                        var ti = d == 0 ? step : t - 1 - step;
                        var gates = new double[4 * h];
                        for (var r = 0; r < 4 * h; r++)
                        {
                            var acc = bih[r] + bhh[r];
                            for (var j = 0; j < inSize; j++) acc += wih[r * inSize + j] * input[(ti * b + bi) * inSize + j];
                            for (var j = 0; j < h; j++) acc += whh[r * h + j] * hs[j];
                            gates[r] = acc;
                        }
                        for (var k = 0; k < h; k++)
                        {
                            var ig = Sigmoid(gates[k]);
                            var fg = Sigmoid(gates[h + k]);
                            var gg = Math.Tanh(gates[2 * h + k]);
                            var og = Sigmoid(gates[3 * h + k]);
                            cs[k] = fg * cs[k] + ig * gg;
                            hs[k] = og * Math.Tanh(cs[k]);
                            output[(ti * b + bi) * dirs * h + d * h + k] = hs[k];
                        }
                    }
                    for (var k = 0; k < h; k++)
                    {
                        hn[(slot * b + bi) * h + k] = hs[k];
                        cn[(slot * b + bi) * h + k] = cs[k];
                    }
                }
            }
            input = output;
            inSize = dirs * h;
        }
        return (input, hn, cn);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public void LstmForwardMatchesHandWrittenLoop(int layers, bool bidirectional)
    {
        using var lstm = nn.LSTM(I, H, num_layers: layers, bidirectional: bidirectional);
        lstm.to(ScalarType.Float64); // the module's own (default-initialised) parameters
        var xs = Uniform(new Random(80), T * B * I, -2, 2);
        using var x = Leaf(xs, [T, B, I], requiresGrad: false);
        var (o, h, c) = lstm.forward(x);
        using (o) using (h) using (c)
        {
            var dirs = bidirectional ? 2 : 1;
            var (ro, rh, rc) = Reference(lstm, xs, T, B, null, null);
            Assert.Equal(new long[] { T, B, dirs * H }, o.shape);
            Assert.Equal(new long[] { layers * dirs, B, H }, h.shape);
            Assert.Equal(new long[] { layers * dirs, B, H }, c.shape);
            Close(ro, D(o), 1e-12, 1e-10, "output");
            Close(rh, D(h), 1e-12, 1e-10, "h_n");
            Close(rc, D(c), 1e-12, 1e-10, "c_n");
        }
    }

    [Fact]
    public void LstmForwardFromInitialStateMatchesHandWrittenLoop()
    {
        using var lstm = nn.LSTM(I, H, dtype: ScalarType.Float64);
        var rng = new Random(81);
        var xs = Uniform(rng, T * B * I, -2, 2);
        var h0s = Uniform(rng, B * H);
        var c0s = Uniform(rng, B * H, -2, 2);
        using var x = Leaf(xs, [T, B, I], requiresGrad: false);
        using var h0 = Leaf(h0s, [1, B, H], requiresGrad: false);
        using var c0 = Leaf(c0s, [1, B, H], requiresGrad: false);
        var (o, h, c) = lstm.forward(x, (h0, c0));
        using var _o = o;
        using var _h = h;
        using var _c = c;
        var (ro, rh, rc) = Reference(lstm, xs, T, B, h0s, c0s);
        Close(ro, D(o), 1e-12, 1e-10, "output");
        Close(rh, D(h), 1e-12, 1e-10, "h_n");
        Close(rc, D(c), 1e-12, 1e-10, "c_n");
        // The last output step of a one-layer forward LSTM is h_n.
        Assert.Equal(D(h), D(o).Skip((T - 1) * B * H).ToArray());
    }

    [Fact]
    public void BatchFirstIsTheTransposedLayout()
    {
        using var lstm = nn.LSTM(I, H, num_layers: 2, bidirectional: true, batch_first: true, dtype: ScalarType.Float64);
        var xs = Uniform(new Random(82), T * B * I, -2, 2); // seq-first values
        var xb = new double[xs.Length];
        for (var t = 0; t < T; t++) for (var b = 0; b < B; b++) for (var i = 0; i < I; i++) xb[(b * T + t) * I + i] = xs[(t * B + b) * I + i];
        using var x = Leaf(xb, [B, T, I], requiresGrad: false);
        var (o, h, c) = lstm.forward(x);
        using var _o = o;
        using var _h = h;
        using var _c = c;
        Assert.Equal(new long[] { B, T, 2 * H }, o.shape);
        Assert.Equal(new long[] { 4, B, H }, h.shape);
        var (ro, rh, rc) = Reference(lstm, xs, T, B, null, null);
        var rob = new double[ro.Length];
        for (var t = 0; t < T; t++) for (var b = 0; b < B; b++) for (var k = 0; k < 2 * H; k++) rob[(b * T + t) * 2 * H + k] = ro[(t * B + b) * 2 * H + k];
        Close(rob, D(o), 1e-12, 1e-10, "batch_first output");
        Close(rh, D(h), 1e-12, 1e-10, "h_n");
        Close(rc, D(c), 1e-12, 1e-10, "c_n");
    }

    // ------------------------------------------------------------------ parameters and init

    [Fact]
    public void ParameterNamesAndShapesFollowPyTorch()
    {
        using var lstm = nn.LSTM(5, 7, num_layers: 2, bidirectional: true);
        var named = lstm.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        string[] expectedNames =
        [
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
            "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
        ];
        Assert.Equal(expectedNames, lstm.named_parameters().Select(p => p.name).ToArray());
        Assert.Equal(new long[] { 28, 5 }, named["weight_ih_l0"]);
        Assert.Equal(new long[] { 28, 7 }, named["weight_hh_l0_reverse"]);
        Assert.Equal(new long[] { 28, 14 }, named["weight_ih_l1"]);
        Assert.Equal(new long[] { 28 }, named["bias_hh_l1_reverse"]);
    }

    [Fact]
    public void LstmInitWithinInverseSqrtHidden()
    {
        using var lstm = nn.LSTM(10, 20, num_layers: 2);
        var bound = 1 / Math.Sqrt(20);
        foreach (var (name, p) in lstm.named_parameters())
        {
            var v = D(p);
            LinearConvolutionTests.AssertUniformBound(v, bound, name, nearBound: v.Length >= 800);
        }
    }

    // ------------------------------------------------------------------ errors

    [Fact]
    public void WrongRankNamesExpectedLayout()
    {
        using var lstm = nn.LSTM(4, 3);
        using var x2 = ones(2, 4);
        var e = Assert.Throws<ArgumentException>(() => lstm.forward(x2));
        Assert.Contains("[seq, batch, feature]", e.Message);
        Assert.Contains("[2, 4]", e.Message);

        using var lstmBf = nn.LSTM(4, 3, batch_first: true);
        var e2 = Assert.Throws<ArgumentException>(() => lstmBf.forward(x2));
        Assert.Contains("[batch, seq, feature]", e2.Message);

        using var good = ones(2, 1, 4);
        var (o, _, _) = lstm.forward(good);
        Assert.Equal(new long[] { 2, 1, 3 }, o.shape);
    }

    [Fact]
    public void WrongFeatureCountNamesExpectedSize()
    {
        using var lstm = nn.LSTM(4, 3);
        using var bad = ones(2, 1, 5);
        var e = Assert.Throws<ArgumentException>(() => lstm.forward(bad));
        Assert.Contains("4", e.Message);
        Assert.Contains("5", e.Message);
    }

    /// <summary>
    /// PyTorch checks h0/c0 against [num_layers·directions, batch, hidden_size]
    /// ("Expected hidden[0] size (1, 1, 3), got [1, 2, 3]"). A wrong state must not be accepted.
    /// </summary>
    [Theory]
    [InlineData(1, 2, 3)] // wrong batch
    [InlineData(1, 1, 5)] // wrong hidden size
    [InlineData(2, 1, 3)] // wrong layer count
    public void WrongInitialStateShapeIsRejectedNamingExpectedShape(long l, long b, long h)
    {
        using var lstm = nn.LSTM(4, 3);
        using var x = ones(2, 1, 4); // seq 2, batch 1
        using var h0 = zeros(l, b, h);
        using var c0 = zeros(l, b, h);
        var e = Assert.ThrowsAny<Exception>(() => lstm.forward(x, (h0, c0)));
        Assert.True(e is ArgumentException or TorchException, e.GetType().Name);
        Assert.Contains("1, 1, 3", e.Message);
    }
}
