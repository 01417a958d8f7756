using static AttrDsl.Tests.Modules.ModuleKit;

namespace AttrDsl.Tests.Modules;

/// <summary>Loss modules against closed forms computed by hand in C#.</summary>
public class LossModuleTests
{
    private const int N = 5, C = 4;
    private static readonly long[] Targets = [2, 0, 3, 2, 1];
    private static readonly double[] ClassWeights = [0.5, 2.0, 1.0, 3.0];

    private static double[] Logits() => Uniform(new Random(90), N * C, -3, 3);

    /// <summary>log softmax of row n.</summary>
    private static double[] LogSoftmax(double[] x, int n)
    {
        var row = x.Skip(n * C).Take(C).ToArray();
        var max = row.Max();
        var lse = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
        return row.Select(v => v - lse).ToArray();
    }

    private static double Scalar(Tensor t)
    {
        Assert.Equal(0, t.dim());
        return D(t)[0];
    }

    // ------------------------------------------------------------------ cross entropy

    [Fact]
    public void CrossEntropyPlain()
    {
        var xs = Logits();
        using var x = Leaf(xs, [N, C], requiresGrad: false);
        using var y = tensor(Targets);
        using var loss = nn.CrossEntropyLoss().forward(x, y);
        var expected = Enumerable.Range(0, N).Average(n => -LogSoftmax(xs, n)[Targets[n]]);
        Assert.Equal(expected, Scalar(loss), 12);

        using var sum = nn.CrossEntropyLoss(reduction: Reduction.Sum).forward(x, y);
        Assert.Equal(expected * N, Scalar(sum), 11);
        using var none = nn.CrossEntropyLoss(reduction: Reduction.None).forward(x, y);
        Close(Enumerable.Range(0, N).Select(n => -LogSoftmax(xs, n)[Targets[n]]).ToArray(), D(none), 1e-12, 1e-12, "none");
    }

    [Fact]
    public void CrossEntropyWithClassWeightsDividesBySumOfTargetWeights()
    {
        var xs = Logits();
        using var x = Leaf(xs, [N, C], requiresGrad: false);
        using var y = tensor(Targets);
        using var w = tensor(ClassWeights);
        using var loss = nn.CrossEntropyLoss(weight: w).forward(x, y);
        var num = Enumerable.Range(0, N).Sum(n => ClassWeights[Targets[n]] * -LogSoftmax(xs, n)[Targets[n]]);
        var den = Targets.Sum(t => ClassWeights[t]);
        Assert.Equal(num / den, Scalar(loss), 12);
        // Not the plain mean over N (the weights 0.5..3 make these differ).
        Assert.NotEqual(num / N, Scalar(loss), 6);
    }

    [Fact]
    public void CrossEntropyWithLabelSmoothing()
    {
        const double eps = 0.1;
        var xs = Logits();
        using var x = Leaf(xs, [N, C], requiresGrad: false);
        using var y = tensor(Targets);
        using var loss = nn.CrossEntropyLoss(label_smoothing: eps).forward(x, y);
        // PyTorch: (1 − ε)·nll + ε/C · Σ_c (−log p_c), averaged over the batch.
        var expected = Enumerable.Range(0, N).Average(n =>
        {
            var lp = LogSoftmax(xs, n);
            return (1 - eps) * -lp[Targets[n]] + eps / C * lp.Sum(v => -v);
        });
        Assert.Equal(expected, Scalar(loss), 12);
    }

    [Fact]
    public void CrossEntropyWithClassWeightsAndLabelSmoothing()
    {
        const double eps = 0.1;
        var xs = Logits();
        using var x = Leaf(xs, [N, C], requiresGrad: false);
        using var y = tensor(Targets);
        using var w = tensor(ClassWeights);
        using var loss = nn.CrossEntropyLoss(weight: w, label_smoothing: eps).forward(x, y);
        // PyTorch (LossNLL.cpp, cross_entropy_loss_label_smoothing): both terms are normalised by Σ_n w[y_n];
        // the smoothing term weights class c by w_c.
        var den = Targets.Sum(t => ClassWeights[t]);
        double nll = 0, smooth = 0;
        for (var n = 0; n < N; n++)
        {
            var lp = LogSoftmax(xs, n);
            nll += ClassWeights[Targets[n]] * -lp[Targets[n]];
            for (var c = 0; c < C; c++) smooth += ClassWeights[c] * -lp[c];
        }
        Assert.Equal((1 - eps) * nll / den + eps / C * smooth / den, Scalar(loss), 12);
    }

    [Fact]
    public void CrossEntropyIgnoreIndexLeavesEntriesOut()
    {
        var xs = Logits();
        using var x = Leaf(xs, [N, C], requiresGrad: false);
        using var y = tensor(new long[] { 2, -100, 3, -100, 1 });
        using var loss = nn.CrossEntropyLoss().forward(x, y);
        var kept = new[] { (0, 2L), (2, 3L), (4, 1L) };
        Assert.Equal(kept.Average(k => -LogSoftmax(xs, k.Item1)[k.Item2]), Scalar(loss), 12);
    }

    [Fact]
    public void CrossEntropyGradientIsSoftmaxMinusOneHotOverN()
    {
        var xs = Logits();
        using var x = Leaf(xs, [N, C]);
        using var y = tensor(Targets);
        using var loss = nn.CrossEntropyLoss().forward(x, y);
        var g = autograd.grad([loss], [x])[0]!.ToArray<double>();
        var expected = new double[N * C];
        for (var n = 0; n < N; n++)
        {
            var lp = LogSoftmax(xs, n);
            for (var c = 0; c < C; c++) expected[n * C + c] = (Math.Exp(lp[c]) - (c == Targets[n] ? 1 : 0)) / N;
        }
        Close(expected, g, 1e-12, 1e-10, "dCE/dx");
    }

    /// <summary>
    /// In PyTorch the class weight of a loss is a registered buffer, so <c>loss.to(float64)</c> (or
    /// <c>.double()</c>) converts it along with the model. Here it must too, or float64 gradient checks
    /// through a weighted loss fail with "expected scalar type Double but found Float".
    /// </summary>
    [Fact]
    public void LossWeightFollowsModuleDtypeConversion()
    {
        var xs = Logits();
        using var x = Leaf(xs, [N, C], requiresGrad: false);
        using var y = tensor(Targets);
        using var w32 = tensor(ClassWeights.Select(v => (float)v).ToArray());
        var ce = nn.CrossEntropyLoss(weight: w32);
        ce.to(ScalarType.Float64);
        using var loss = ce.forward(x, y);
        var num = Enumerable.Range(0, N).Sum(n => ClassWeights[Targets[n]] * -LogSoftmax(xs, n)[Targets[n]]);
        Assert.Equal(num / Targets.Sum(t => ClassWeights[t]), Scalar(loss), 12);
    }

    // ------------------------------------------------------------------ NLL

    [Fact]
    public void NllLossPlainWeightedAndSum()
    {
        var xs = Logits();
        var lps = Enumerable.Range(0, N).SelectMany(n => LogSoftmax(xs, n)).ToArray();
        using var lp = Leaf(lps, [N, C], requiresGrad: false);
        using var y = tensor(Targets);
        using (var loss = nn.NLLLoss().forward(lp, y))
            Assert.Equal(Enumerable.Range(0, N).Average(n => -lps[n * C + Targets[n]]), Scalar(loss), 12);
        using var w = tensor(ClassWeights);
        using (var loss = nn.NLLLoss(weight: w).forward(lp, y))
        {
            var num = Enumerable.Range(0, N).Sum(n => ClassWeights[Targets[n]] * -lps[n * C + Targets[n]]);
            Assert.Equal(num / Targets.Sum(t => ClassWeights[t]), Scalar(loss), 12);
        }
        using (var loss = nn.NLLLoss(reduction: Reduction.Sum).forward(lp, y))
            Assert.Equal(Enumerable.Range(0, N).Sum(n => -lps[n * C + Targets[n]]), Scalar(loss), 12);
        // NLL on arbitrary (non-normalised) inputs is just −x[n, y_n]: no softmax inside.
        var raw = Logits();
        using var r = Leaf(raw, [N, C], requiresGrad: false);
        using (var loss = nn.NLLLoss().forward(r, y))
            Assert.Equal(Enumerable.Range(0, N).Average(n => -raw[n * C + Targets[n]]), Scalar(loss), 12);
    }

    // ------------------------------------------------------------------ regression losses

    [Fact]
    public void MseAndL1()
    {
        var rng = new Random(91);
        var a = Uniform(rng, 12, -2, 2);
        var b = Uniform(rng, 12, -2, 2);
        using var x = Leaf(a, [3, 4], requiresGrad: false);
        using var t = Leaf(b, [3, 4], requiresGrad: false);
        var sq = a.Zip(b, (p, q) => (p - q) * (p - q)).ToArray();
        var ab = a.Zip(b, (p, q) => Math.Abs(p - q)).ToArray();
        using (var l = nn.MSELoss().forward(x, t)) Assert.Equal(sq.Average(), Scalar(l), 12);
        using (var l = nn.MSELoss(Reduction.Sum).forward(x, t)) Assert.Equal(sq.Sum(), Scalar(l), 12);
        using (var l = nn.MSELoss(Reduction.None).forward(x, t)) Close(sq, D(l), 1e-12, 1e-12, "mse none");
        using (var l = nn.L1Loss().forward(x, t)) Assert.Equal(ab.Average(), Scalar(l), 12);
        using (var l = nn.L1Loss(Reduction.Sum).forward(x, t)) Assert.Equal(ab.Sum(), Scalar(l), 12);
        using (var l = nn.L1Loss(Reduction.None).forward(x, t)) Close(ab, D(l), 1e-12, 1e-12, "l1 none");
    }

    // ------------------------------------------------------------------ BCE with logits

    private static double LogSigmoid(double v) => v >= 0 ? -Math.Log(1 + Math.Exp(-v)) : v - Math.Log(1 + Math.Exp(v));

    [Fact]
    public void BceWithLogitsPlainWeightAndPosWeight()
    {
        var rng = new Random(92);
        var xs = Uniform(rng, 6, -4, 4);
        var ys = new double[] { 1, 0, 1, 1, 0, 0.3 }; // soft target allowed
        double[] pw = [3.0, 0.5, 2.0];
        double[] w = [1.0, 2.0, 0.5, 0.25, 4.0, 1.0];
        using var x = Leaf(xs, [2, 3], requiresGrad: false);
        using var y = Leaf(ys, [2, 3], requiresGrad: false);

        double Term(int i, double posW) => -(posW * ys[i] * LogSigmoid(xs[i]) + (1 - ys[i]) * LogSigmoid(-xs[i]));
        using (var l = nn.BCEWithLogitsLoss().forward(x, y))
            Assert.Equal(Enumerable.Range(0, 6).Average(i => Term(i, 1)), Scalar(l), 12);
        using var pwt = tensor(pw);
        using (var l = nn.BCEWithLogitsLoss(pos_weight: pwt).forward(x, y))
            Assert.Equal(Enumerable.Range(0, 6).Average(i => Term(i, pw[i % 3])), Scalar(l), 12);
        using var wt = tensor(w, [2, 3]);
        using (var l = nn.BCEWithLogitsLoss(weight: wt, pos_weight: pwt, reduction: Reduction.Sum).forward(x, y))
            Assert.Equal(Enumerable.Range(0, 6).Sum(i => w[i] * Term(i, pw[i % 3])), Scalar(l), 12);
    }

    [Fact]
    public void BceWithLogitsIsStableForLargeLogits()
    {
        using var x = tensor(new double[] { 800, -800 });
        using var y = tensor(new double[] { 0, 1 });
        using var l = nn.BCEWithLogitsLoss(reduction: Reduction.None).forward(x, y);
        Assert.Equal(new double[] { 800, 800 }, D(l));
    }
}
