using MathNet.Numerics.LinearAlgebra;

namespace AttrDsl.Attribution;

/// <summary>
/// The weighted (optionally ridge-penalised) linear least-squares fit behind <see cref="KernelShap"/> and <see cref="Lime"/>.
/// <para>
/// Done with MathNet.Numerics rather than torch: the system is tiny (one unknown per feature group) and is solved on the CPU
/// in float64 whatever the model's device and dtype, so float32 models still get a float64 fit; MathNet is already a runtime
/// dependency (significance tests) and gives a symmetric eigendecomposition, with which a rank-deficient system (fewer
/// coalitions than groups, or groups that never vary) gets the minimum-norm solution instead of an exception or infinities.
/// </para>
/// </summary>
internal static class WeightedLeastSquares
{
    /// <summary>Eigenvalues below this fraction of the largest are treated as 0 (the pseudo-inverse's cut-off).</summary>
    private const double RelativeCutoff = 1e-12;

    /// <summary>
    /// β minimising Σ_s w_s (y_s − x_s·β)² + ridge · Σ_{j ≥ penalizeFrom} β_j², for every column of <paramref name="y"/> at
    /// once: x [n, p], y [n, m], w [n] (≥ 0); returns β [p, m]. Solved through the normal equations X'WX β = X'Wy with the
    /// pseudo-inverse of X'WX + ridge·I (minimum-norm β when the system is singular).
    /// </summary>
    internal static double[,] Solve(double[,] x, double[,] y, double[] w, double ridge = 0, int penalizeFrom = 0)
    {
        var n = x.GetLength(0);
        var p = x.GetLength(1);
        var m = y.GetLength(1);
        var build = Matrix<double>.Build;
        // X'WX and X'Wy by direct loops over the arrays (the lower triangle, mirrored): for a few hundred coalitions and
        // tens of groups this is a fraction of the cost of copying into MathNet matrices and multiplying there.
        var normalArray = new double[p, p];
        var rhsArray = new double[p, m];
        var row = new double[p];
        for (var s = 0; s < n; s++)
        {
            var ws = w[s];
            if (ws == 0) continue;
            for (var j = 0; j < p; j++) row[j] = ws * x[s, j];
            for (var j = 0; j < p; j++)
            {
                var xj = x[s, j];
                if (xj == 0) continue;
                for (var k = 0; k <= j; k++) normalArray[j, k] += row[k] * xj;
                for (var c = 0; c < m; c++) rhsArray[j, c] += row[j] * y[s, c];
            }
        }
        for (var j = 0; j < p; j++)
            for (var k = 0; k < j; k++) normalArray[k, j] = normalArray[j, k];
        var normal = build.DenseOfArray(normalArray);                 // X'WX [p, p]
        for (var j = penalizeFrom; j < p && ridge > 0; j++) normal[j, j] += ridge;
        var rhs = build.DenseOfArray(rhsArray);                       // X'Wy [p, m]
        // A well-conditioned system (the usual case: more coalitions than groups, every group varying) is solved by
        // Cholesky, an order of magnitude cheaper than the eigendecomposition; a singular or nearly singular one gets the
        // minimum-norm solution from the eigendecomposition below.
        if (TryCholesky(normal, rhs) is { } solved) return solved.ToArray();
        var evd = normal.Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(v => v.Real).ToArray();
        var vectors = evd.EigenVectors;
        var largest = values.Select(Math.Abs).DefaultIfEmpty(0).Max();
        var inverse = Vector<double>.Build.Dense(p, j => Math.Abs(values[j]) > RelativeCutoff * largest && largest > 0 ? 1 / values[j] : 0);
        var beta = vectors * build.DiagonalOfDiagonalVector(inverse) * vectors.TransposeThisAndMultiply(rhs);
        return beta.ToArray();
    }

    /// <summary>Cholesky's solution of the normal equations, or null when the matrix is not clearly positive definite.</summary>
    private static Matrix<double>? TryCholesky(Matrix<double> normal, Matrix<double> rhs)
    {
        MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double> cholesky;
        try { cholesky = normal.Cholesky(); }
        catch (ArgumentException) { return null; }   // not positive definite
        // (min Lᵢᵢ / max Lᵢᵢ)² bounds the reciprocal condition number from above: below the pseudo-inverse's cut-off the
        // system is treated as singular, as the eigendecomposition would treat it.
        var diagonal = cholesky.Factor.Diagonal();
        var ratio = diagonal.Minimum() / diagonal.Maximum();
        return ratio * ratio > RelativeCutoff * 1e3 ? cholesky.Solve(rhs) : null;
    }
}
