using AttrDsl.Priors;
using AttrDsl.Tests.Infrastructure;

namespace AttrDsl.Tests.Priors;

/// <summary>Each prior against values computed by hand, and its gradient against finite differences.</summary>
public class PriorValueTests
{
    private static readonly PriorContext NoContext = new(zeros(1));

    [Fact]
    public void TotalVariationWithoutStandardisationIsTheSumOfAbsoluteNeighbourDifferences()
    {
        // one 1×2×3 image [[1, 4, 2], [0, 0, 5]]: vertical |0−1|+|0−4|+|5−2| = 8, horizontal |4−1|+|2−4|+|0−0|+|5−0| = 10
        // a second image of zeros has 0; the loss is the batch mean 9.
        using var a = tensor(new double[] { 1, 4, 2, 0, 0, 5, 0, 0, 0, 0, 0, 0 }, [2, 1, 2, 3]);
        using var loss = new TotalVariation { Standardize = false }.Loss(a, NoContext);
        Assert.Equal(9.0, loss.item<double>(), 12);
    }

    [Fact]
    public void TotalVariationSumsOverChannelsAndStandardisesPerImage()
    {
        // two identical channels double the variation; standardisation divides by the population std
        double[] img = [1, 4, 2, 0, 0, 5];
        using var a = tensor(img.Concat(img).ToArray(), [1, 2, 2, 3]);
        using var raw = new TotalVariation { Standardize = false }.Loss(a, NoContext);
        Assert.Equal(36.0, raw.item<double>(), 12);   // 2 channels × 18
        var mean = img.Average();
        var std = Math.Sqrt(img.Sum(v => (v - mean) * (v - mean)) / img.Length);
        using var standardised = new TotalVariation().Loss(a, NoContext);
        Assert.Equal(36.0 / std, standardised.item<double>(), 10);
    }

    [Fact]
    public void StandardisationFloorsTheStdAtOneOverRootN()
    {
        using var flat = full([1, 1, 2, 2], 3.0, ScalarType.Float64);   // std 0 → divide by 1/√4 after centring (all zeros)
        using var s = TotalVariation.StandardizePerImage(flat);
        Assert.All(s.ToArray<double>(), v => Assert.Equal(0.0, v));
        using var small = tensor(new double[] { 0, 0.01, 0, 0 }, [1, 1, 2, 2]);
        using var s2 = TotalVariation.StandardizePerImage(small);
        var expected = (0.01 - 0.0025) / 0.5;   // std ≈ 0.0043 < 1/√4 = 0.5
        Assert.Equal(expected, s2.ToArray<double>()[1], 12);
    }

    [Fact]
    public void GiniOfOneHotIsNMinusOneOverNAndOfConstantIsZero()
    {
        for (var n = 2; n <= 9; n++)
        {
            var v = new double[n];
            v[n / 2] = 3.7;
            using var oneHot = tensor(v);
            Assert.Equal((n - 1.0) / n, GiniSparsity.Gini(oneHot).item<double>(), 12);
            using var constant = full([n], 2.5, ScalarType.Float64);
            Assert.Equal(0.0, GiniSparsity.Gini(constant).item<double>(), 12);
        }
    }

    [Fact]
    public void GiniEqualsThePairwiseDefinition()
    {
        double[] phi = [0.3, 2.0, 0.0, 1.1, 0.7, 0.7];
        var n = phi.Length;
        var pairwise = phi.Sum(a => phi.Sum(b => Math.Abs(a - b))) / (2.0 * n * phi.Sum());
        using var t = tensor(phi);
        Assert.Equal(pairwise, GiniSparsity.Gini(t).item<double>(), 12);
        using var batch = tensor(phi.Concat(phi.Select(x => -x)).ToArray(), [2, n]);   // |·| then mean over samples gives φ back
        Assert.Equal(-pairwise, new GiniSparsity().Loss(batch, NoContext).item<double>(), 12);
    }

    [Fact]
    public void GraphQuadraticFormIsTheWeightedSumOfSquaredEdgeDifferences()
    {
        double[] phi = [1.0, 3.0, -2.0, 0.5];
        var edges = new[] { (0L, 1L, 2.0), (1L, 2L, 0.5), (0L, 3L, 1.0) };
        using var graph = new GraphLaplacian(4, edges);
        using var t = tensor(phi);
        var expected = edges.Sum(e => e.Item3 * Math.Pow(phi[e.Item1] - phi[e.Item2], 2));
        Assert.Equal(expected, graph.Quadratic(t).item<double>(), 12);

        // the same number as φᵀ(D − A)φ with a dense Laplacian built by hand
        var a = new double[16];
        foreach (var (i, j, w) in edges) { a[i * 4 + j] = w; a[j * 4 + i] = w; }
        var l = new double[16];
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j < 4; j++) l[i * 4 + j] = -a[i * 4 + j];
            l[i * 4 + i] = Enumerable.Range(0, 4).Sum(j => a[i * 4 + j]);
        }
        var dense = Enumerable.Range(0, 4).Sum(i => Enumerable.Range(0, 4).Sum(j => phi[i] * l[i * 4 + j] * phi[j]));
        Assert.Equal(dense, expected, 12);
        using var adjacency = tensor(a, [4, 4]);
        using var fromAdjacency = GraphLaplacian.FromAdjacency(adjacency);
        Assert.Equal(expected, fromAdjacency.Quadratic(t).item<double>(), 12);
    }

    [Fact]
    public void GraphPriorUsesMeanAbsoluteAttributionPerFeature()
    {
        using var graph = new GraphLaplacian(2, [(0L, 1L, 1.0)]);
        using var attr = tensor(new double[] { 1, -3, -1, 1 }, [2, 2]);   // φ = (1, 2)
        Assert.Equal(1.0, graph.Loss(attr, NoContext).item<double>(), 12);
    }

    [Fact]
    public void L1AndL2AreMeansOfAbsoluteAndSquaredValues()
    {
        using var attr = tensor(new double[] { 1, -3, 0, 2 });
        Assert.Equal(1.5, new L1Attribution().Loss(attr, NoContext).item<double>(), 12);
        Assert.Equal(3.5, new L2Attribution().Loss(attr, NoContext).item<double>(), 12);
    }

    [Fact]
    public void PriorGradientsMatchFiniteDifferences()
    {
        using var graph = new GraphLaplacian(6, [(0L, 1L, 1.0), (1L, 2L, 0.5), (3L, 5L, 2.0)]);
        IAttributionPrior[] priors = [new TotalVariation(), new TotalVariation { Standardize = false }, new GiniSparsity(), graph, new L2Attribution()];
        foreach (var prior in priors)
        {
            manual_seed(3);
            // values away from 0 (|·| kinks) and from ties (sort in Gini, |differences| in TV)
            using var sign = randn([2, 1, 2, 3], ScalarType.Float64).sign();
            using var x = (rand([2, 1, 2, 3], ScalarType.Float64) + 0.5) * sign + arange(12.0).reshape(2, 1, 2, 3).to(ScalarType.Float64) * 0.01;
            GradCheck.Check(a => prior.Loss(prior is TotalVariation ? a : a.reshape(2, 6), NoContext), x, label: prior.Name);
        }
    }

    [Fact]
    public void SampleShapeChecksAcceptWhatTheLossAcceptsAndRejectTheRest()
    {
        var tv = new TotalVariation();
        tv.CheckSampleShape([1, 28, 28]);
        tv.CheckSampleShape([28, 28]);
        Assert.Contains("[784]", Assert.Throws<ArgumentException>(() => tv.CheckSampleShape([784])).Message);
        Assert.Throws<ArgumentException>(() => tv.CheckSampleShape([2, 1, 28, 28]));

        using var graph = new GraphLaplacian(6, [(0L, 1L, 1.0)]);
        graph.CheckSampleShape([6]);
        graph.CheckSampleShape([2, 3]);   // Loss flattens each sample
        Assert.Contains("6 features (graph nodes), but each sample holds 5 values", Assert.Throws<ArgumentException>(() => graph.CheckSampleShape([5])).Message);

        IAttributionPrior l1 = new L1Attribution();   // the default accepts every shape
        l1.CheckSampleShape([3, 7, 1, 2]);
    }

    [Fact]
    public void BadInputsAreClearErrors()
    {
        using var flat = zeros(4, 10);
        Assert.Contains("[B, C, H, W]", Assert.Throws<ArgumentException>(() => new TotalVariation().Loss(flat, NoContext)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraphLaplacian(3, [(0L, 3L, 1.0)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraphLaplacian(3, [(0L, 1L, -1.0)]));
    }
}
