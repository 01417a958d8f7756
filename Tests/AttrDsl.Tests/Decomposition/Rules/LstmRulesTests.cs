using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using TorchSharp.Modules;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

[Collection(GlobalRngCollection.Name)]
public sealed class LstmRulesTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Lstm_is_complete_in_the_modules_layout_and_full_relevance_leaves_gamma_zero(bool batchFirst)
    {
        manual_seed(30);
        using var scope = NewDisposeScope();
        var lstm = nn.LSTM(3, 4, batchFirst: batchFirst, dtype: float64);
        long[] shape = batchFirst ? [2, 5, 3] : [5, 2, 3];
        var x = randn(shape, dtype: float64) * 2;
        var mask = CdAssert.RandomMask(batchFirst ? [2, 5, 1] : [5, 2, 1]).expand(shape);
        var (output, hidden, cell) = LstmRules.Lstm(lstm, new Dec(mask * x, (1 - mask) * x));
        var (y, hn, cn) = lstm.call(x);
        CdAssert.Complete(output, y);
        CdAssert.Complete(hidden, hn);
        CdAssert.Complete(cell, cn);
        var full = LstmRules.Lstm(lstm, new Dec(x, zeros_like(x)));
        CdAssert.Zero(full.Output.Irrelevant);
        CdAssert.Zero(full.Cell.Irrelevant);
    }

    [Fact]
    public void One_unit_lstm_by_hand()
    {
        using var scope = NewDisposeScope();
        var lstm = nn.LSTM(1, 1, dtype: float64);
        // Gates in PyTorch's order i, f, g, o.
        double[] w = [0.5, -0.3, 0.8, 0.2], u = [0.1, 0.4, -0.6, 0.3], bih = [0.2, 0.1, -0.1, 0.05], bhh = [-0.05, 0.3, 0.2, 0.1];
        var p = lstm.named_parameters().ToDictionary(q => q.name, q => q.parameter);
        using (no_grad())
        {
            p["weight_ih_l0"].copy_(tensor(w, [4, 1]));
            p["weight_hh_l0"].copy_(tensor(u, [4, 1]));
            p["bias_ih_l0"].copy_(tensor(bih, [4]));
            p["bias_hh_l0"].copy_(tensor(bhh, [4]));
        }
        // Two steps [T = 2, N = 1, I = 1]; the first word is relevant, the second irrelevant.
        double x1 = 1.5, x2 = -2.0;
        var x = tensor(new[] { x1, x2 }, [2, 1, 1]);
        var m = tensor(new[] { 1.0, 0.0 }, [2, 1, 1]);
        var (output, _, _) = LstmRules.Lstm(lstm, new Dec(m * x, (1 - m) * x), batchFirst: false);

        static double S(double v) => 1 / (1 + Math.Exp(-v));
        static (double R, double I, double B) Three(double r, double i, double b, Func<double, double> f)
        {
            var cr = 0.5 * (f(r + b) - f(b) + f(r + i + b) - f(i + b));
            var ci = 0.5 * (f(i + b) - f(b) + f(r + i + b) - f(r + b));
            return (cr, ci, f(b));
        }
        var b = new double[4];
        for (var k = 0; k < 4; k++) b[k] = bih[k] + bhh[k];
        double relH = 0, irrH = 0, relC = 0, irrC = 0;
        var expected = new List<(double R, double I)>();
        foreach (var (xr, xi, share) in new[] { (x1, 0.0, 1.0), (0.0, x2, 0.0) })
        {
            double R(int k) => w[k] * xr + u[k] * relH;
            double I(int k) => w[k] * xi + u[k] * irrH;
            var (ri, ii, bi) = Three(R(0), I(0), b[0], S);
            var (rf, iff, bf) = Three(R(1), I(1), b[1], S);
            var (rg, ig, bg) = Three(R(2), I(2), b[2], Math.Tanh);
            var o = S(R(3) + I(3) + b[3]);
            var nr = ri * (rg + bg) + bi * rg + bi * bg * share + (rf + bf) * relC;
            var ni = ii * (rg + ig + bg) + (ri + bi) * ig + bi * bg * (1 - share) + (rf + iff + bf) * irrC + iff * relC;
            relC = nr; irrC = ni;
            // tanh(c) by the two-player rule (tanh(0) = 0, nothing to share).
            var tr = 0.5 * (Math.Tanh(relC) + Math.Tanh(relC + irrC) - Math.Tanh(irrC));
            var ti = 0.5 * (Math.Tanh(irrC) + Math.Tanh(relC + irrC) - Math.Tanh(relC));
            relH = o * tr; irrH = o * ti;
            expected.Add((relH, irrH));
        }
        var rel = output.Relevant.data<double>().ToArray();
        var irr = output.Irrelevant.data<double>().ToArray();
        for (var t = 0; t < 2; t++)
        {
            Assert.Equal(expected[t].R, rel[t], 1e-14);
            Assert.Equal(expected[t].I, irr[t], 1e-14);
        }
        var (y, _, _) = lstm.call(x);
        CdAssert.Complete(output, y);
    }

    [Fact]
    public void Stacked_lstm_is_refused_with_the_fix()
    {
        using var scope = NewDisposeScope();
        var lstm = nn.LSTM(2, 2, numLayers: 2, dtype: float64);
        var x = ones(3, 1, 2, dtype: float64);
        var ex = Assert.Throws<NotSupportedException>(() => LstmRules.Lstm(lstm, new Dec(x, zeros_like(x))));
        Assert.Contains("one LSTM per layer", ex.Message);
    }
}
