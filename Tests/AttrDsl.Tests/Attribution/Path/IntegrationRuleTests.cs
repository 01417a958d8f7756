using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.PathMethods;

/// <summary>Quadrature points and weights against hand-written values (ALGORITHMS.md §3).</summary>
public class IntegrationRuleTests
{
    private const double Tol = 1e-12;

    private static void Check(IntegrationMethod m, int n, double[] alphas, double[] weights)
    {
        var (a, w) = IntegrationRule.Get(m, n);
        AttrKit.Close(alphas, a, Tol, what: $"{m} n={n} alpha");
        AttrKit.Close(weights, w, Tol, what: $"{m} n={n} weight");
    }

    [Fact]
    public void RiemannLeft()
    {
        Check(IntegrationMethod.RiemannLeft, 1, [0], [1]);
        Check(IntegrationMethod.RiemannLeft, 2, [0, 0.5], [0.5, 0.5]);
        Check(IntegrationMethod.RiemannLeft, 3, [0, 1.0 / 3, 2.0 / 3], [1.0 / 3, 1.0 / 3, 1.0 / 3]);
        Check(IntegrationMethod.RiemannLeft, 4, [0, 0.25, 0.5, 0.75], [0.25, 0.25, 0.25, 0.25]);
    }

    [Fact]
    public void RiemannRight()
    {
        Check(IntegrationMethod.RiemannRight, 1, [1], [1]);
        Check(IntegrationMethod.RiemannRight, 2, [0.5, 1], [0.5, 0.5]);
        Check(IntegrationMethod.RiemannRight, 3, [1.0 / 3, 2.0 / 3, 1], [1.0 / 3, 1.0 / 3, 1.0 / 3]);
        Check(IntegrationMethod.RiemannRight, 4, [0.25, 0.5, 0.75, 1], [0.25, 0.25, 0.25, 0.25]);
    }

    [Fact]
    public void RiemannMiddle()
    {
        Check(IntegrationMethod.RiemannMiddle, 1, [0.5], [1]);
        Check(IntegrationMethod.RiemannMiddle, 2, [0.25, 0.75], [0.5, 0.5]);
        Check(IntegrationMethod.RiemannMiddle, 3, [1.0 / 6, 0.5, 5.0 / 6], [1.0 / 3, 1.0 / 3, 1.0 / 3]);
        Check(IntegrationMethod.RiemannMiddle, 4, [0.125, 0.375, 0.625, 0.875], [0.25, 0.25, 0.25, 0.25]);
    }

    [Fact]
    public void TrapezoidHasCorrectWeightsSummingToOne()
    {
        // Spacing 1/(n−1), ends halved (Captum's 1/n would give 0.25/0.5/0.25·(2/3)… summing to (n−1)/n).
        Check(IntegrationMethod.RiemannTrapezoid, 2, [0, 1], [0.5, 0.5]);
        Check(IntegrationMethod.RiemannTrapezoid, 3, [0, 0.5, 1], [0.25, 0.5, 0.25]);
        Check(IntegrationMethod.RiemannTrapezoid, 4, [0, 1.0 / 3, 2.0 / 3, 1], [1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6]);
    }

    [Fact]
    public void GaussLegendreSmallRulesMatchClosedForms()
    {
        Check(IntegrationMethod.GaussLegendre, 1, [0.5], [1]);
        var r3 = 1 / Math.Sqrt(3);
        Check(IntegrationMethod.GaussLegendre, 2, [0.5 * (1 - r3), 0.5 * (1 + r3)], [0.5, 0.5]);
        var t3 = Math.Sqrt(3.0 / 5);
        Check(IntegrationMethod.GaussLegendre, 3, [0.5 * (1 - t3), 0.5, 0.5 * (1 + t3)], [5.0 / 18, 8.0 / 18, 5.0 / 18]);
        // n = 4: t = ±sqrt(3/7 ∓ (2/7) sqrt(6/5)), v = (18 ± sqrt 30)/36 (inner nodes carry the larger weight).
        var inner = Math.Sqrt(3.0 / 7 - 2.0 / 7 * Math.Sqrt(6.0 / 5));
        var outer = Math.Sqrt(3.0 / 7 + 2.0 / 7 * Math.Sqrt(6.0 / 5));
        var vin = (18 + Math.Sqrt(30)) / 36;
        var vout = (18 - Math.Sqrt(30)) / 36;
        Check(IntegrationMethod.GaussLegendre, 4,
            [0.5 * (1 - outer), 0.5 * (1 - inner), 0.5 * (1 + inner), 0.5 * (1 + outer)],
            [0.5 * vout, 0.5 * vin, 0.5 * vin, 0.5 * vout]);
    }

    [Theory]
    [InlineData(IntegrationMethod.RiemannLeft)]
    [InlineData(IntegrationMethod.RiemannRight)]
    [InlineData(IntegrationMethod.RiemannMiddle)]
    [InlineData(IntegrationMethod.RiemannTrapezoid)]
    [InlineData(IntegrationMethod.GaussLegendre)]
    public void WeightsSumToOneAndAlphasAscendInUnitInterval(IntegrationMethod m)
    {
        foreach (var n in new[] { 2, 3, 4, 7, 50, 51, 300 })
        {
            var (a, w) = IntegrationRule.Get(m, n);
            Assert.Equal(n, a.Length);
            Assert.Equal(n, w.Length);
            Assert.True(Math.Abs(w.Sum() - 1) <= 1e-12, $"{m} n={n}: weights sum to {w.Sum():R}");
            for (var i = 0; i < n; i++)
            {
                Assert.InRange(a[i], 0.0, 1.0);
                Assert.True(w[i] > 0, $"{m} n={n}: weight {i} = {w[i]}");
                if (i > 0) Assert.True(a[i] > a[i - 1], $"{m} n={n}: alphas not ascending at {i}");
            }
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(50)]
    [InlineData(128)]
    public void GaussLegendreIsExactForPolynomialsUpToDegree2nMinus1(int n)
    {
        // ∫₀¹ α^d dα = 1/(d+1) for every d ≤ 2n − 1, and the rule is symmetric about ½.
        var (a, w) = IntegrationRule.Get(IntegrationMethod.GaussLegendre, n);
        for (var d = 0; d <= 2 * n - 1; d++)
        {
            double s = 0;
            for (var i = 0; i < n; i++) s += w[i] * Math.Pow(a[i], d);
            Assert.True(Math.Abs(s - 1.0 / (d + 1)) <= 1e-13, $"n={n}, degree {d}: {s:R} vs {1.0 / (d + 1):R}");
        }
        for (var i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(a[i] + a[n - 1 - i] - 1) <= 1e-15, $"node {i} not symmetric");
            Assert.Equal(w[i], w[n - 1 - i]);
        }
        // Not exact one degree higher (∫α^{2n} ≠ quadrature): the rule really is n-point Gauss.
        double high = 0;
        for (var i = 0; i < n; i++) high += w[i] * Math.Pow(a[i] - 0.5, 2 * n);
        var exact = Math.Pow(0.5, 2 * n) / (2 * n + 1) * 2;   // ∫₀¹ (α − ½)^{2n} dα
        Assert.True(Math.Abs(high - exact) > 1e-3 * exact, $"n={n}: degree-2n moment is exact, so this is not an n-point Gauss rule");
    }

    [Fact]
    public void InvalidStepCountsThrow()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => IntegrationRule.Get(IntegrationMethod.GaussLegendre, 0));
        Assert.Contains("at least 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => IntegrationRule.Get(IntegrationMethod.RiemannLeft, -3));
        var t = Assert.Throws<ArgumentOutOfRangeException>(() => IntegrationRule.Get(IntegrationMethod.RiemannTrapezoid, 1));
        Assert.Contains("at least 2", t.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => IntegrationRule.Get((IntegrationMethod)42, 3));
    }
}
