using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Faithfulness;

[Collection(Infrastructure.GlobalRngCollection.Name)]
public class ParameterRandomizationTests
{
    private static nn.Module<Tensor, Tensor> Net() => nn.Sequential(("flat", nn.Flatten()), ("fc1", nn.Linear(16, 12)), ("relu", nn.ReLU()), ("fc2", nn.Linear(12, 3)));

    private static Tensor Saliency(nn.Module<Tensor, Tensor> m, Tensor x, Target t) => new Saliency(m).Attribute(x, t);

    [Fact]
    public void DefaultCascadeIsTheParameterisedLayersOutputFirst()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(["fc2", "fc1"], ParameterRandomization.Layers(Net()));
    }

    [Fact]
    public void TheCallersWeightsAreNeverChanged()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var model = Net();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var result = ParameterRandomization.Run(model, Net, Saliency, randn(3, 1, 4, 4), 0);
        Assert.Equal(2, result.Steps.Count);
        foreach (var (key, value) in model.state_dict())
            Assert.True(value.eq(before[key]).all().item<bool>(), $"the caller's '{key}' changed");
    }

    [Fact]
    public void TheCascadeRandomisesLayersCumulativelyWithinTheirInitialisationBound()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var model = Net();
        var seen = new List<(Tensor Fc1, Tensor Fc2)>();
        Tensor Record(nn.Module<Tensor, Tensor> m, Tensor x, Target t)
        {
            var p = m.state_dict();
            seen.Add((p["fc1.weight"].clone().DetachFromDisposeScope(), p["fc2.weight"].clone().DetachFromDisposeScope()));
            return Saliency(m, x, t);
        }
        ParameterRandomization.Run(model, Net, Record, randn(2, 1, 4, 4), 1);
        Assert.Equal(3, seen.Count);   // the model, then after fc2, then after fc1
        var (fc1, fc2) = seen[0];
        Assert.True(seen[1].Fc1.eq(fc1).all().item<bool>(), "fc1 changed at the fc2 step");
        Assert.False(seen[1].Fc2.eq(fc2).all().item<bool>(), "fc2 was not randomised");
        Assert.False(seen[2].Fc1.eq(fc1).all().item<bool>(), "fc1 was not randomised");
        Assert.True(seen[2].Fc2.eq(seen[1].Fc2).all().item<bool>(), "fc2 was drawn again instead of staying randomised");
        // ±1/√fan_in: fc2's fan_in is 12, fc1's 16.
        Assert.True(seen[1].Fc2.abs().max().item<float>() <= 1 / Math.Sqrt(12));
        Assert.True(seen[2].Fc1.abs().max().item<float>() <= 1 / Math.Sqrt(16));
        foreach (var (a, b) in seen) { a.Dispose(); b.Dispose(); }
    }

    [Fact]
    public void AnExplanationThatIgnoresTheModelStaysIdenticalAndFails()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var result = ParameterRandomization.Run(Net(), Net, (_, x, _) => x.abs() + x, randn(3, 1, 4, 4), 0);
        Assert.All(result.Steps, s =>
        {
            Assert.Equal(1, s.SpearmanAbsolute, 12);
            Assert.Equal(1, s.SpearmanSigned, 12);
            Assert.Equal(1, s.Ssim, 12);
        });
        Assert.False(result.Passes);
    }

    [Fact]
    public void GradientsOfARandomisedModelDecorrelateAndPass()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var result = ParameterRandomization.Run(Net(), Net, Saliency, randn(6, 1, 4, 4), 0, seed: 7);
        Assert.True(result.Passes, result.ToString());
        Assert.True(result.Final.SpearmanAbsolute < 0.5, result.ToString());
        // The same seed gives the same numbers.
        manual_seed(4);
        var again = ParameterRandomization.Run(Net(), Net, Saliency, randn(6, 1, 4, 4), 0, seed: 7);
        Assert.Equal(result.Final, again.Final);
    }

    [Fact]
    public void AFactoryThatReturnsTheModelItselfIsRefused()
    {
        using var scope = NewDisposeScope();
        var model = Net();
        var e = Assert.Throws<InvalidOperationException>(() => ParameterRandomization.Run(model, () => model, Saliency, randn(2, 1, 4, 4), 0));
        Assert.Contains("createModel", e.Message);
    }

    [Fact]
    public void SpearmanMatchesTheRankDifferenceFormula()
    {
        // No ties: ρ = 1 − 6·Σd²/(n(n² − 1)); ranks (1, 2, 3, 4) vs (1, 3, 2, 4): Σd² = 2, ρ = 1 − 12/60 = 0.8.
        Assert.Equal(0.8, ExplanationSimilarity.Spearman([10, 20, 30, 40], [0.1, 0.3, 0.2, 0.9]), 12);
        Assert.Equal(-1, ExplanationSimilarity.Spearman([1, 2, 3], [3, 2, 1]), 12);
        // Ties take their average rank: (1, 1, 2) → (1.5, 1.5, 3).
        Assert.Equal([1.5, 1.5, 3], ExplanationSimilarity.Ranks([5, 5, 7]));
        // A constant side: 1 when both are the same, else 0.
        Assert.Equal(1, ExplanationSimilarity.Spearman([2, 2], [2, 2]));
        Assert.Equal(0, ExplanationSimilarity.Spearman([2, 2], [1, 2]));
    }

    [Fact]
    public void SsimMatchesItsFormulaOnOneWindow()
    {
        // 3×3 maps: one 3×3 window. a = one-hot (already in [0, 1]), b = all 1: μa = 1/9, μb = 1, σa² = 1/9 − 1/81 = 8/81,
        // σb² = 0, σab = 1/9 − 1/9·1 = 0:
        // SSIM = (2·(1/9) + C₁)(0 + C₂) / ((1/81 + 1 + C₁)(8/81 + C₂)), C₁ = 10⁻⁴, C₂ = 9·10⁻⁴.
        const double c1 = 1e-4, c2 = 9e-4;
        double[] a = [0, 0, 0, 0, 1, 0, 0, 0, 0], b = [2, 2, 2, 2, 2, 2, 2, 2, 2];   // b scales to all 1
        Assert.Equal((2.0 / 9 + c1) * c2 / ((1.0 / 81 + 1 + c1) * (8.0 / 81 + c2)), ExplanationSimilarity.Ssim(a, b, 3, 3), 12);
        Assert.Equal(1, ExplanationSimilarity.Ssim(a, a, 3, 3), 12);
    }
}
