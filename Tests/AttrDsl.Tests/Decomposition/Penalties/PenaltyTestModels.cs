namespace AttrDsl.Tests.Decomposition.Penalties;

/// <summary>Small float64 models and data with known weights for the penalty tests.</summary>
internal static class PenaltyTestModels
{
    /// <summary>A linear model 4 → 3 with fixed weights W [3, 4] and bias b [3].</summary>
    public static nn.Module<Tensor, Tensor> Linear(out double[,] w, out double[] b)
    {
        w = new double[,] { { 0.5, -1.0, 0.25, 2.0 }, { -0.75, 0.5, 1.5, -0.5 }, { 1.0, 0.25, -1.25, 0.75 } };
        b = [0.1, -0.2, 0.3];
        var linear = nn.Linear(4, 3, dtype: ScalarType.Float64);
        using (no_grad())
        {
            linear.weight!.copy_(tensor(w));
            linear.bias!.copy_(tensor(b));
        }
        return linear;
    }

    /// <summary>A seeded tanh MLP 4 → 5 → 3 (smooth, so central differences apply).</summary>
    public static nn.Module<Tensor, Tensor> Mlp(int seed)
    {
        manual_seed(seed);
        return nn.Sequential(nn.Linear(4, 5, dtype: ScalarType.Float64), nn.Tanh(), nn.Linear(5, 3, dtype: ScalarType.Float64));
    }

    public static double[,] Inputs => new double[,] { { 1.0, -2.0, 0.5, 1.5 }, { -0.5, 1.0, 2.0, -1.0 } };

    /// <summary>Per-sample masks: features 0 and 3 of sample 0, feature 2 of sample 1.</summary>
    public static double[,] Masks => new double[,] { { 1, 0, 0, 1 }, { 0, 0, 1, 0 } };

    public static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
