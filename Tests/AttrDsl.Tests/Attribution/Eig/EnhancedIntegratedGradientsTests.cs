using AttrDsl.Tests.Infrastructure;
using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Eig;

[Collection(GlobalRngCollection.Name)]
public class EnhancedIntegratedGradientsTests
{
    [Fact]
    public void LinearModelGivesWeightTimesDifferenceOnEveryPathKind()
    {
        using var w = tensor(new double[] { 1, -2, 0.5 });
        Func<Tensor, Tensor> f = t => t.mv(w).unsqueeze(1);
        using var data = randn([30, 3], ScalarType.Float64);
        using var x = tensor(new double[] { 1, 1, 1, -1, 0, 2 }, [2, 3]);
        using var baselines = tensor(new double[] { 0, 0, 0, 1, 1, 1, -1, 2, 0 }, [3, 3]);
        foreach (var kind in new[] { EigPath.Linear, EigPath.Neighbors, EigPath.LatentLinear })
        {
            var eig = new EnhancedIntegratedGradients(f, kind, encoder: t => t, decoder: t => t, data: data);
            using var attr = eig.Attribute(x, baselines, Target.Class(0), points: 60, aggregate: EigAggregate.Mean);
            // mean over baselines of w ⊙ (x − x'): x' mean = (0, 1, 1/3)
            double[] mean = [0, 1, 1.0 / 3];
            var expected = new[] { 1.0, 1, 1, -1, 0, 2 }.Select((v, i) => (v - mean[i % 3]) * new[] { 1.0, -2, 0.5 }[i % 3]).ToArray();
            var actual = attr.ToArray<double>();
            for (var i = 0; i < 6; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-9, $"{kind}: element {i} {actual[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void MedianOverBaselinesAveragesTheTwoMiddleValuesForEvenCounts()
    {
        using var w = tensor(new double[] { 1.0 });
        Func<Tensor, Tensor> f = t => t.mv(w).unsqueeze(1);
        using var x = tensor(new double[] { 10 }, [1, 1]);
        using var baselines = tensor(new double[] { 0, 1, 2, 9 }, [4, 1]);   // attributions 10, 9, 8, 1 → median 8.5
        var eig = new EnhancedIntegratedGradients(f);
        using var attr = eig.Attribute(x, baselines, Target.Class(0), points: 5);
        Assert.Equal(8.5, attr.item<double>(), 12);
    }

    [Fact]
    public void FindsTheFeaturesThatDistinguishTwoClassesOfATrainedModel()
    {
        manual_seed(5);
        const int n = 400, d = 8;
        using var y = randint(2, [n]);
        using var shift = zeros([n, d], ScalarType.Float64);
        using (var s = y.to(ScalarType.Float64).unsqueeze(1) * 2.0) { shift[TensorIndex.Colon, 0..2] = s.expand(n, 2); }
        using var x = randn([n, d], ScalarType.Float64) + shift;   // class 1 differs from class 0 in features 0 and 1 only
        using var model = nn.Linear(d, 2, dtype: ScalarType.Float64);
        using var opt = optim.Adam(model.parameters(), 0.05);
        for (var step = 0; step < 200; step++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            nn.functional.cross_entropy(model.forward(x), y).backward();
            opt.step();
        }

        using var classA = x[y.eq(1L).nonzero().squeeze(1)];
        using var classB = x[y.eq(0L).nonzero().squeeze(1)];
        using var a = classA[..150];
        using var nullSample = x[randperm(n)[..150]];   // an equally sized random sample of all the data
        using var centroids = EigBaselines.KMeans(classB, 3, seed: 0);
        var eig = new EnhancedIntegratedGradients(model.forward);
        using var attrA = eig.Attribute(a, centroids, Target.Class(1), points: 20);
        using var attrNull = eig.Attribute(nullSample, centroids, Target.Class(1), points: 20);
        var result = Significance.Test(attrA, attrNull, 0.05, Correction.Holm);
        Assert.Equal(new[] { true, true, false, false, false, false, false, false }, result.Significant);
    }
}
