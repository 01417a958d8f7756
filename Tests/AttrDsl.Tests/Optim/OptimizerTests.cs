namespace AttrDsl.Tests.Optim;

/// <summary>
/// Each optimizer is run on f(p) = Σ c_i p_i² (gradient 2·c·p) and compared, step by step, with the
/// update rule written out in plain double arithmetic — an implementation independent of the runtime's.
/// </summary>
public class OptimizerTests
{
    private static readonly double[] C = [0.5, -1.25, 2.0, 0.75];
    private static readonly double[] P0 = [1.0, -2.0, 0.5, 3.0];

    private static double[] Grad(double[] p) => p.Select((v, i) => 2 * C[i] * v).ToArray();

    private static double[] RunRuntime(Func<Parameter, Optimizer> make, int steps, Action<Optimizer, int>? afterStep = null)
    {
        using var p = new Parameter(tensor(P0));
        using var opt = make(p);
        using var c = tensor(C);
        for (var s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var loss = (c * p * p).sum();
            loss.backward();
            opt.step();
            afterStep?.Invoke(opt, s);
        }
        return p.ToArray<double>();
    }

    private static void AssertClose(double[] expected, double[] actual, double tol = 1e-12)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0, false)]
    [InlineData(0.9, 0.0, 0.0, false)]
    [InlineData(0.9, 0.1, 0.01, false)]
    [InlineData(0.9, 0.0, 0.01, true)]
    public void SgdMatchesHandWrittenRule(double momentum, double dampening, double wd, bool nesterov)
    {
        const double lr = 0.05;
        const int steps = 7;
        var p = (double[])P0.Clone();
        double[]? buf = null;
        for (var s = 0; s < steps; s++)
        {
            var g = Grad(p).Select((v, i) => v + wd * p[i]).ToArray();
            if (momentum != 0)
            {
                buf = buf is null ? (double[])g.Clone() : buf.Select((b, i) => momentum * b + (1 - dampening) * g[i]).ToArray();
                g = nesterov ? g.Select((v, i) => v + momentum * buf[i]).ToArray() : buf;
            }
            p = p.Select((v, i) => v - lr * g[i]).ToArray();
        }
        var actual = RunRuntime(q => torch.optim.SGD([q], lr, momentum, dampening, wd, nesterov), steps);
        AssertClose(p, actual);
    }

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(false, 0.1)]
    [InlineData(true, 0.1)]
    public void AdamAndAdamWMatchHandWrittenRule(bool decoupled, double wd)
    {
        const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        const int steps = 10;
        var p = (double[])P0.Clone();
        var m = new double[p.Length];
        var v = new double[p.Length];
        for (var t = 1; t <= steps; t++)
        {
            var g = Grad(p);
            if (wd != 0)
            {
                if (decoupled) p = p.Select(x => x * (1 - lr * wd)).ToArray();
                else g = g.Select((x, i) => x + wd * p[i]).ToArray();
            }
            for (var i = 0; i < p.Length; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                var mhat = m[i] / (1 - Math.Pow(b1, t));
                var denom = Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(b2, t)) + eps;
                p[i] -= lr * mhat / denom;
            }
        }
        var actual = RunRuntime(q => decoupled ? torch.optim.AdamW([q], lr, weight_decay: wd) : torch.optim.Adam([q], lr, weight_decay: wd), steps);
        AssertClose(p, actual, 1e-10);
    }

    [Fact]
    public void ParameterGroupsUseTheirOwnLearningRates()
    {
        using var a = new Parameter(tensor(new double[] { 1.0 }));
        using var b = new Parameter(tensor(new double[] { 1.0 }));
        using var opt = torch.optim.SGD([new ParamGroup([a], lr: 0.1), new ParamGroup([b])], lr: 0.01);
        using (var scope = NewDisposeScope())
        {
            (a.sum() + b.sum()).backward();   // both gradients are 1
            opt.step();
        }
        Assert.Equal(0.9, a.item<double>(), 12);
        Assert.Equal(0.99, b.item<double>(), 12);
    }

    [Fact]
    public void ZeroGradClearsGradients()
    {
        using var a = new Parameter(tensor(new double[] { 2.0 }));
        using var opt = torch.optim.SGD([a], 0.1);
        using (var scope = NewDisposeScope()) a.square().sum().backward();
        using (var g = a.grad) Assert.NotNull(g);
        opt.zero_grad();
        Assert.Null(a.grad);
    }

    [Fact]
    public void StepLrAndExponentialLrFollowClosedForms()
    {
        using var a = new Parameter(tensor(new double[] { 1.0 }));
        var opt = torch.optim.SGD([a], 1.0);
        var step = torch.optim.lr_scheduler.StepLR(opt, step_size: 3, gamma: 0.5);
        var seen = new List<double>();
        for (var e = 0; e < 7; e++) { step.step(); seen.Add(step.get_last_lr()[0]); }
        Assert.Equal(new[] { 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25 }, seen);

        using var b = new Parameter(tensor(new double[] { 1.0 }));
        var opt2 = torch.optim.Adam([b], 0.2);
        var exp = torch.optim.lr_scheduler.ExponentialLR(opt2, 0.9);
        for (var e = 0; e < 5; e++) exp.step();
        Assert.Equal(0.2 * Math.Pow(0.9, 5), exp.get_last_lr()[0], 15);
    }

    [Fact]
    public void InvalidHyperparametersAreRejectedWithReasons()
    {
        using var a = new Parameter(tensor(new double[] { 1.0 }));
        Assert.Contains("learning rate", Assert.Throws<ArgumentOutOfRangeException>(() => torch.optim.SGD([a], double.NaN)).Message);
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => torch.optim.SGD([a], 0.1, nesterov: true)).Message);
        Assert.Contains("no parameters", Assert.Throws<ArgumentException>(() => torch.optim.Adam(Array.Empty<Parameter>())).Message);
        Assert.Contains("more than one", Assert.Throws<ArgumentException>(() => torch.optim.SGD([new ParamGroup([a]), new ParamGroup([a])], 0.1)).Message);
    }
}
