using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Eig;

public class SignificanceTests
{
    [Fact]
    public void WelchStatisticMatchesTheFormula()
    {
        double[] a = [1, 2, 3, 4, 5], b = [2, 4, 6, 8, 10, 12];
        var (t, df) = Significance.Welch(a, b);
        // means 3 and 7, variances 2.5 and 14: se² = 0.5 + 14/6
        var se2 = 0.5 + 14.0 / 6;
        Assert.Equal((3 - 7) / Math.Sqrt(se2), t, 12);
        Assert.Equal(se2 * se2 / (0.25 / 4 + (14.0 / 6) * (14.0 / 6) / 5), df, 12);
    }

    [Fact]
    public void PValuesMatchStudentTTables()
    {
        // t = 2.228, df = 10 is the two-sided 5% critical value; t = 1.812 the one-sided 5% one.
        Assert.Equal(0.05, Significance.PValue(2.228, 10, Alternative.TwoSided), 3);
        Assert.Equal(0.05, Significance.PValue(1.812, 10, Alternative.Greater), 3);
        // the correct one-sided p for a negative t is 1 − p/2 (the reference returns p/2)
        var two = Significance.PValue(-1.812, 10, Alternative.TwoSided);
        Assert.Equal(1 - two / 2, Significance.PValue(-1.812, 10, Alternative.Greater), 12);
        Assert.Equal(0.95, Significance.PValue(-1.812, 10, Alternative.Greater), 3);
    }

    [Fact]
    public void CorrectionsMatchHandComputedValues()
    {
        double[] p = [0.01, 0.04, 0.03, 0.005];
        Assert.Equal(new[] { 0.04, 0.16, 0.12, 0.02 }, Significance.Adjust(p, Correction.Bonferroni).Select(v => Math.Round(v, 12)));
        Assert.Equal(new[] { 0.03, 0.06, 0.06, 0.02 }, Significance.Adjust(p, Correction.Holm).Select(v => Math.Round(v, 12)));
        Assert.Equal(new[] { 0.02, 0.04, 0.04, 0.02 }, Significance.Adjust(p, Correction.BenjaminiHochberg).Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void ConstantFeaturesGetPValueOne()
    {
        using var a = zeros([5, 2], ScalarType.Float64);
        using var b = zeros([5, 2], ScalarType.Float64);
        var r = Significance.Test(a, b);
        Assert.Equal(new[] { 1.0, 1.0 }, r.PValues);
        Assert.DoesNotContain(true, r.Significant);
    }

    [Theory]
    [InlineData(Correction.Bonferroni)]
    [InlineData(Correction.Holm)]
    public void PlantedFeaturesAreFoundWhileNullFeaturesKeepTheFamilyWiseErrorAtAlpha(Correction correction)
    {
        const int trials = 300, n = 40, d = 20, planted = 3;
        const double alpha = 0.05;
        var rng = new Random(11);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        int familyErrors = 0, found = 0;
        for (var trial = 0; trial < trials; trial++)
        {
            var a = new double[n * d];
            var b = new double[n * d];
            for (var i = 0; i < n; i++)
            for (var j = 0; j < d; j++)
            {
                a[i * d + j] = Gauss() + (j < planted ? 1.5 : 0);
                b[i * d + j] = Gauss();
            }
            using var ta = tensor(a, [n, d]);
            using var tb = tensor(b, [n, d]);
            var r = Significance.Test(ta, tb, alpha, correction);
            if (r.Significant.Skip(planted).Any(s => s)) familyErrors++;
            found += r.Significant.Take(planted).Count(s => s);
        }
        var fwer = (double)familyErrors / trials;
        var bound = alpha + 3 * Math.Sqrt(alpha * (1 - alpha) / trials);   // α plus three binomial standard errors
        Assert.True(fwer <= bound, $"family-wise error {fwer:P1} exceeds {bound:P1}");
        Assert.True(found >= 0.95 * trials * planted, $"found {found} of {trials * planted} planted features");
    }

    [Fact]
    public void MismatchedFeatureCountsAreAClearError()
    {
        using var a = zeros([5, 2]);
        using var b = zeros([5, 3]);
        Assert.Contains("same D", Assert.Throws<ArgumentException>(() => Significance.Test(a, b)).Message);
    }
}
