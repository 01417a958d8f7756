using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;
using MathNet.Numerics.LinearAlgebra.Double.Solvers;
using MathNet.Numerics.LinearAlgebra.Solvers;

namespace AttrDsl.Attribution;

/// <summary>
/// ROAD's noisy linear imputation of one image channel (Rong et al. 2022): every removed pixel takes the weighted mean of
/// its 8 neighbours inside the image (weight 1/6 for the 4 direct neighbours, 1/12 for the diagonals, as the paper's
/// code), where removed neighbours are unknowns too. That is one sparse linear system over the removed pixels,
/// (Σ_j w_ij)·v_i − Σ_{j removed} w_ij·v_j = Σ_{j kept} w_ij·x_j, solved with MathNet's BiCGStab.
/// </summary>
internal static class NoisyLinearImputation
{
    private static readonly (int Dy, int Dx, double W)[] Neighbours =
    [
        (-1, 0, 1.0 / 6), (1, 0, 1.0 / 6), (0, -1, 1.0 / 6), (0, 1, 1.0 / 6),
        (-1, -1, 1.0 / 12), (-1, 1, 1.0 / 12), (1, -1, 1.0 / 12), (1, 1, 1.0 / 12),
    ];

    /// <summary>
    /// <paramref name="image"/> (h·w values, row-major) with the pixels where <paramref name="removed"/> is true replaced
    /// by their imputed values (without noise). The grid is 8-connected, so every removed region of a partly removed image
    /// touches a kept pixel and the system has one solution; with every pixel removed there is nothing to interpolate
    /// from (the equations fix the image only up to a constant) and the result is 0.
    /// </summary>
    internal static double[] Impute(double[] image, bool[] removed, int h, int w)
    {
        var result = (double[])image.Clone();
        var unknown = new int[h * w];
        var count = 0;
        for (var i = 0; i < h * w; i++) unknown[i] = removed[i] ? count++ : -1;
        if (count == 0) return result;
        if (count == h * w) return new double[h * w];
        var entries = new List<Tuple<int, int, double>>();
        var rhs = new double[count];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var p = y * w + x;
                var row = unknown[p];
                if (row < 0) continue;
                var diagonal = 0.0;
                foreach (var (dy, dx, weight) in Neighbours)
                {
                    int ny = y + dy, nx = x + dx;
                    if (ny < 0 || ny >= h || nx < 0 || nx >= w) continue;   // outside the image: no neighbour, no weight
                    var q = ny * w + nx;
                    diagonal += weight;
                    if (unknown[q] >= 0) entries.Add(Tuple.Create(row, unknown[q], -weight));
                    else rhs[row] += weight * image[q];
                }
                entries.Add(Tuple.Create(row, row, diagonal));
            }
        var a = SparseMatrix.OfIndexed(count, count, entries);
        var b = Vector<double>.Build.DenseOfArray(rhs);
        var solution = Solve(a, b);
        for (var i = 0; i < h * w; i++)
            if (unknown[i] >= 0) result[i] = solution[unknown[i]];
        return result;
    }

    /// <summary>
    /// The matrix is symmetric and, region by region, irreducibly diagonally dominant (every removed region touches a kept pixel),
    /// so BiCGStab with a Jacobi preconditioner converges quickly; a dense LU is the fallback should it stall.
    /// </summary>
    private static Vector<double> Solve(Matrix<double> a, Vector<double> b)
    {
        var x = Vector<double>.Build.Dense(b.Count);
        // Every kept neighbour 0 (a black background): the solution is 0, and BiCGStab breaks down on a zero residual.
        if (b.All(v => v == 0)) return x;
        var iterator = new Iterator<double>(new IterationCountStopCriterion<double>(10 * b.Count + 100), new ResidualStopCriterion<double>(1e-12));
        try
        {
            new BiCgStab().Solve(a, b, x, iterator, new DiagonalPreconditioner());
            if (iterator.Status == IterationStatus.Converged && x.All(double.IsFinite)) return x;
        }
        catch (Exception e) when (e is MathNet.Numerics.NumericalBreakdownException or ArithmeticException or InvalidOperationException) { }   // a breakdown: take the exact route
        return Matrix<double>.Build.DenseOfArray(a.ToArray()).LU().Solve(b);
    }
}
