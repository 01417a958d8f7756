namespace AttrDsl.Tests.Attribution.Layer;

/// <summary>Hand-built float64 models for the layer attribution tests.</summary>
internal static class LayerTestModels
{
    /// <summary>Sequential(Linear(3, 4), ReLU, Linear(4, 2)) in float64 with fixed weights.</summary>
    public static (TorchSharp.Modules.Sequential Model, double[] W1, double[] B1, double[] W2, double[] B2) SmallMlp()
    {
        var w1 = Lpm.Values(12, 101);
        var b1 = Lpm.Values(4, 102);
        var w2 = Lpm.Values(8, 103);
        var b2 = Lpm.Values(2, 104);
        var l1 = torch.nn.Linear(3, 4, dtype: float64);
        var l2 = torch.nn.Linear(4, 2, dtype: float64);
        using (no_grad())
        {
            using var scope = NewDisposeScope();
            l1.weight.copy_(Lpm.T(w1, 4, 3));
            l1.bias!.copy_(Lpm.T(b1, 4));
            l2.weight.copy_(Lpm.T(w2, 2, 4));
            l2.bias!.copy_(Lpm.T(b2, 2));
        }
        return (torch.nn.Sequential(l1, torch.nn.ReLU(), l2), w1, b1, w2, b2);
    }

    /// <summary>relu(x W1ᵀ + b1) for one row, in C#.</summary>
    public static double[] Hidden(double[] x, double[] w1, double[] b1)
    {
        var h = new double[4];
        for (var j = 0; j < 4; j++)
        {
            var s = b1[j];
            for (var i = 0; i < 3; i++) s += w1[j * 3 + i] * x[i];
            h[j] = Math.Max(0, s);
        }
        return h;
    }
}
