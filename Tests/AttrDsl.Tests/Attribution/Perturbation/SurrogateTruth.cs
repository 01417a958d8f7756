namespace AttrDsl.Tests.Attribution.Perturbation;

/// <summary>Independent truths for the surrogate methods: exact Shapley values and Captum's test model, in plain C#.</summary>
internal static class SurrogateTruth
{
    /// <summary>
    /// Exact Shapley values of the players (groups) of <paramref name="f"/> at x against baseline b, by the closed form
    /// φ_i = Σ_{S ⊆ N∖{i}} |S|! (M − |S| − 1)! / M! · (v(S ∪ {i}) − v(S)), v(S) = f(x on the groups in S, b elsewhere);
    /// returned per element (each element gets its group's value).
    /// </summary>
    public static double[] Shapley(Func<double[], double> f, double[] x, double[] b, int[] group)
    {
        var players = group.Distinct().Order().ToArray();
        var m = players.Length;
        double V(int bits)
        {
            var v = new double[x.Length];
            for (var e = 0; e < x.Length; e++)
                v[e] = (bits >> Array.IndexOf(players, group[e]) & 1) == 1 ? x[e] : b[e];
            return f(v);
        }
        double Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);
        var phi = new double[m];
        for (var i = 0; i < m; i++)
            for (var bits = 0; bits < 1 << m; bits++)
            {
                if ((bits >> i & 1) == 1) continue;
                var s = System.Numerics.BitOperations.PopCount((uint)bits);
                phi[i] += Factorial(s) * Factorial(m - s - 1) / Factorial(m) * (V(bits | 1 << i) - V(bits));
            }
        return group.Select(g => phi[Array.IndexOf(players, g)]).ToArray();
    }

    /// <summary>
    /// Captum's <c>BasicModel_MultiLayer</c> (tests/helpers/basic_models.py), float64: linear0 = identity, linear1 with
    /// weight ones(4, 3) and bias [−10, 1, 1, 1], ReLU, linear2 with weight ones(2, 4) and bias [−1, 1].
    /// </summary>
    public static Tensor CaptumMultiLayer(Tensor x)
    {
        using var scope = NewDisposeScope();
        var w1 = ones(4, 3, dtype: x.dtype);
        var b1 = tensor(new[] { -10.0, 1, 1, 1 }).to(x.dtype);
        var w2 = ones(2, 4, dtype: x.dtype);
        var b2 = tensor(new[] { -1.0, 1 }).to(x.dtype);
        var hidden = nn.functional.relu(x.matmul(w1.t()) + b1);
        return (hidden.matmul(w2.t()) + b2).MoveToOuterDisposeScope();
    }

    /// <summary>The weighted least squares β = (X'WX)⁻¹ X'Wy by Gauss–Jordan elimination with partial pivoting.</summary>
    public static double[] WeightedLeastSquares(double[][] x, double[] y, double[] w)
    {
        var p = x[0].Length;
        var a = new double[p, p + 1];
        for (var s = 0; s < x.Length; s++)
            for (var i = 0; i < p; i++)
            {
                for (var j = 0; j < p; j++) a[i, j] += w[s] * x[s][i] * x[s][j];
                a[i, p] += w[s] * x[s][i] * y[s];
            }
        for (var c = 0; c < p; c++)
        {
            var pivot = c;
            for (var r = c + 1; r < p; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[pivot, c])) pivot = r;
            for (var j = 0; j <= p; j++) (a[c, j], a[pivot, j]) = (a[pivot, j], a[c, j]);
            for (var r = 0; r < p; r++)
            {
                if (r == c) continue;
                var factor = a[r, c] / a[c, c];
                for (var j = c; j <= p; j++) a[r, j] -= factor * a[c, j];
            }
        }
        return Enumerable.Range(0, p).Select(i => a[i, p] / a[i, i]).ToArray();
    }
}
