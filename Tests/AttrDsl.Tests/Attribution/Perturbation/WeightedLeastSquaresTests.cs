using AttrDsl.Attribution;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace AttrDsl.Tests.Attribution.Perturbation;

/// <summary>
/// The weighted least-squares fit behind KernelSHAP and LIME against solutions computed another way: the SVD
/// pseudo-inverse of √W·X applied to √W·y (the minimum-norm least-squares solution, whether or not the system is singular).
/// </summary>
public class WeightedLeastSquaresTests
{
    private static (double[,] X, double[,] Y, double[] W) System(int n, int p, int m, int seed, bool duplicateColumn)
    {
        var rng = new Random(seed);
        var x = new double[n, p];
        var y = new double[n, m];
        var w = new double[n];
        for (var s = 0; s < n; s++)
        {
            for (var j = 0; j < p; j++) x[s, j] = rng.Next(2) - (j % 3 == 0 ? 0.5 : 0);
            if (duplicateColumn) x[s, p - 1] = x[s, 0];   // two identical columns: X'WX is singular
            for (var c = 0; c < m; c++) y[s, c] = rng.NextDouble() * 4 - 2;
            w[s] = s % 7 == 0 ? 0 : 0.1 + rng.NextDouble();
        }
        return (x, y, w);
    }

    private static Matrix<double> PseudoInverseSolution(double[,] x, double[,] y, double[] w)
    {
        var sqrtW = Matrix<double>.Build.DiagonalOfDiagonalArray(w.Select(Math.Sqrt).ToArray());
        var xm = sqrtW * Matrix<double>.Build.DenseOfArray(x);
        var ym = sqrtW * Matrix<double>.Build.DenseOfArray(y);
        return xm.PseudoInverse() * ym;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SolutionIsTheMinimumNormWeightedLeastSquaresSolution(bool singular)
    {
        var (x, y, w) = System(n: 120, p: 9, m: 3, seed: 4, duplicateColumn: singular);
        var beta = Matrix<double>.Build.DenseOfArray(WeightedLeastSquares.Solve(x, y, w));
        var expected = PseudoInverseSolution(x, y, w);
        Assert.True((beta - expected).FrobeniusNorm() < 1e-9 * Math.Max(1, expected.FrobeniusNorm()),
            $"difference {(beta - expected).FrobeniusNorm():E3} from the pseudo-inverse solution");
        if (singular)
        {
            // The minimum-norm solution splits the weight of the two identical columns equally.
            for (var c = 0; c < 3; c++) Assert.Equal(beta[0, c], beta[8, c], 9);
        }
    }

    [Fact]
    public void RidgeSolutionMatchesTheAugmentedSystem()
    {
        // Ridge λ on the coefficients from index 1 on equals least squares on X stacked over √λ·I (those rows only).
        var (x, y, w) = System(n: 60, p: 5, m: 2, seed: 9, duplicateColumn: false);
        const double lambda = 0.7;
        var beta = Matrix<double>.Build.DenseOfArray(WeightedLeastSquares.Solve(x, y, w, ridge: lambda, penalizeFrom: 1));
        var n = x.GetLength(0);
        var xa = new double[n + 4, 5];
        var ya = new double[n + 4, 2];
        var wa = new double[n + 4];
        for (var s = 0; s < n; s++)
        {
            for (var j = 0; j < 5; j++) xa[s, j] = x[s, j];
            for (var c = 0; c < 2; c++) ya[s, c] = y[s, c];
            wa[s] = w[s];
        }
        for (var j = 1; j < 5; j++)
        {
            xa[n + j - 1, j] = Math.Sqrt(lambda);
            wa[n + j - 1] = 1;
        }
        var expected = PseudoInverseSolution(xa, ya, wa);
        Assert.True((beta - expected).FrobeniusNorm() < 1e-9, $"difference {(beta - expected).FrobeniusNorm():E3} from the augmented system");
    }
}
