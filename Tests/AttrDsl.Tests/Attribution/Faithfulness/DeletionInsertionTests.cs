using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Faithfulness;

/// <summary>
/// Deletion and insertion curves on a toy linear model whose curves are worked out by hand: f(x) = [w·x, 0] with
/// w = (1, 1, 1, 1), so the class-0 logit is x₁ + x₂ + x₃ + x₄ and its probability σ(x₁ + x₂ + x₃ + x₄).
/// </summary>
public class DeletionInsertionTests
{
    private static Tensor Forward(Tensor x, Action? onCall = null)
    {
        onCall?.Invoke();
        var logit = x.reshape(x.size(0), -1).sum(1, keepdim: true);
        return cat([logit, zeros_like(logit)], 1);
    }

    private static Tensor X(params float[][] rows) => tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);

    [Fact]
    public void DeletionLogitCurveAndAreaAreTheHandComputedOnes()
    {
        using var scope = NewDisposeScope();
        // Sample 0: x = (1, 2, 3, 4), attributions x·w = (1, 2, 3, 4): x₄, x₃, x₂, x₁ go first, logits 10, 6, 3, 1, 0.
        //   Area, x = 0, ¼, ½, ¾, 1: ¼·((10+6)/2 + (6+3)/2 + (3+1)/2 + (1+0)/2) = ¼·15 = 3.75.
        // Sample 1: x = (4, 3, 2, 1) with the wrong attributions (1, 2, 3, 4): x₄ = 1 goes first, logits 10, 9, 7, 4, 0.
        //   Area ¼·(9.5 + 8 + 5.5 + 2) = 6.25: the wrong attribution has the larger deletion area.
        var x = X([1, 2, 3, 4], [4, 3, 2, 1]);
        var attr = X([1, 2, 3, 4], [1, 2, 3, 4]);
        var curve = Deletion.Compute(v => Forward(v), x, attr, 0, steps: 4, score: CurveScore.Logit);
        Assert.Equal("deletion", curve.Kind);
        Assert.Equal([0, 0.25, 0.5, 0.75, 1], curve.Fractions);
        Assert.Equal([10, 6, 3, 1, 0], curve.Scores[0]);
        Assert.Equal([10, 9, 7, 4, 0], curve.Scores[1]);
        Assert.Equal(3.75, curve.Areas[0], 12);
        Assert.Equal(6.25, curve.Areas[1], 12);
        Assert.Equal(5.0, curve.MeanArea, 12);
        Assert.Equal([10, 7.5, 5, 2.5, 0], curve.MeanScores);
    }

    [Fact]
    public void InsertionLogitCurveAndAreaAreTheHandComputedOnes()
    {
        using var scope = NewDisposeScope();
        // From zeros, x = (1, 2, 3, 4) most relevant first: logits 0, 4, 7, 9, 10; area ¼·(2 + 5.5 + 8 + 9.5) = 6.25.
        var x = X([1, 2, 3, 4]);
        var curve = Insertion.Compute(v => Forward(v), x, x.clone(), 0, steps: 4, score: CurveScore.Logit);
        Assert.Equal("insertion", curve.Kind);
        Assert.Equal([0, 4, 7, 9, 10], curve.Scores[0]);
        Assert.Equal(6.25, curve.Areas[0], 12);
    }

    [Fact]
    public void StepsThatDoNotDivideTheFeaturesRoundTheCount()
    {
        using var scope = NewDisposeScope();
        // 4 features in 3 steps: round(k·4/3) = 0, 1, 3, 4 features deleted: logits 10, 6, 1, 0 at x = 0, ⅓, ⅔, 1;
        // area ⅓·(8 + 3.5 + 0.5) = 4.
        var x = X([1, 2, 3, 4]);
        var curve = Deletion.Compute(v => Forward(v), x, x.clone(), 0, steps: 3, score: CurveScore.Logit);
        Assert.Equal([10, 6, 1, 0], curve.Scores[0]);
        Assert.Equal(4, curve.Areas[0], 12);
    }

    [Fact]
    public void ProbabilityScoreIsTheSoftmaxOfTheTarget()
    {
        using var scope = NewDisposeScope();
        // Two steps: logits 10, 3, 0, so probabilities σ(10), σ(3), σ(0) = ½ (softmax of [l, 0] is σ(l)); area ½·((σ10 + σ3)/2 + (σ3 + ½)/2).
        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        var x = X([1, 2, 3, 4]);
        var curve = Deletion.Compute(v => Forward(v), x, x.clone(), 0, steps: 2);
        Assert.Equal(CurveScore.Probability, curve.Score);
        Assert.Equal(Sigmoid(10), curve.Scores[0][0], 6);
        Assert.Equal(Sigmoid(3), curve.Scores[0][1], 6);
        Assert.Equal(0.5, curve.Scores[0][2], 6);
        Assert.Equal(0.5 * ((Sigmoid(10) + Sigmoid(3)) / 2 + (Sigmoid(3) + 0.5) / 2), curve.Areas[0], 6);
    }

    [Fact]
    public void BaselineFeatureMaskAndTiesFollowTheirRules()
    {
        using var scope = NewDisposeScope();
        var x = X([1, 2, 3, 4]);
        // Baseline 1: x₄, x₃, x₂, x₁ become 1 in turn: logits 10, 7, 5, 4, 4; area ¼·(8.5 + 6 + 4.5 + 4) = 5.75.
        var withBaseline = Deletion.Compute(v => Forward(v), x, x.clone(), 0, steps: 4, baseline: ones(4), score: CurveScore.Logit);
        Assert.Equal([10, 7, 5, 4, 4], withBaseline.Scores[0]);
        Assert.Equal(5.75, withBaseline.Areas[0], 12);
        // Groups {x₁, x₃} (relevance 4) and {x₂, x₄} (relevance 6): the second goes first; logits 10, 4, 0; area ½·(7 + 2) = 4.5.
        var grouped = Deletion.Compute(v => Forward(v), x, x.clone(), 0, steps: 2, featureMask: tensor(new long[] { 0, 1, 0, 1 }), score: CurveScore.Logit);
        Assert.Equal([10, 4, 0], grouped.Scores[0]);
        Assert.Equal(4.5, grouped.Areas[0], 12);
        // All attributions equal: the lower index goes first, x₁, x₂, x₃, x₄: logits 10, 9, 7, 4, 0.
        var ties = Deletion.Compute(v => Forward(v), x, zeros(1, 4), 0, steps: 4, score: CurveScore.Logit);
        Assert.Equal([10, 9, 7, 4, 0], ties.Scores[0]);
    }

    [Fact]
    public void StepsAreBatchedIntoFewModelCalls()
    {
        using var scope = NewDisposeScope();
        var x = X([1, 2, 3, 4], [4, 3, 2, 1]);
        var calls = 0;
        var all = Deletion.Compute(v => Forward(v, () => calls++), x, x.clone(), 0, steps: 4, score: CurveScore.Logit);
        Assert.Equal(1, calls);   // 2 samples × 5 points in one call
        calls = 0;
        // 4 rows a call: 2 points of each sample, so ⌈5/2⌉ = 3 calls, and the same curves.
        var pieces = Deletion.Compute(v => Forward(v, () => calls++), x, x.clone(), 0, steps: 4, score: CurveScore.Logit, maxExamplesPerBatch: 4);
        Assert.Equal(3, calls);
        Assert.Equal(all.Scores[0], pieces.Scores[0]);
        Assert.Equal(all.Scores[1], pieces.Scores[1]);
    }

    [Fact]
    public void ProbabilityOfAModelWithoutClassesIsRefusedWithTheFix()
    {
        using var scope = NewDisposeScope();
        var x = X([1, 2, 3, 4]);
        var e = Assert.Throws<InvalidOperationException>(() => Deletion.Compute(v => v.sum(1), x, x.clone(), Target.Output, steps: 2));
        Assert.Contains("CurveScore.Logit", e.Message);
        Assert.Equal([10, 3, 0], Deletion.Compute(v => v.sum(1), x, x.clone(), Target.Output, steps: 2, score: CurveScore.Logit).Scores[0]);
    }

    [Fact]
    public void BlurredStartIsASeparableGaussian()
    {
        using var scope = NewDisposeScope();
        // An impulse far from the borders blurs to the product of two normalised 1-D Gaussians: at its centre (g₀/Σg)²,
        // one pixel right (g₀·g₁)/(Σg)², and its sum stays 1; a constant image stays constant (replicated borders).
        const double sigma = 1;
        var g = Enumerable.Range(-3, 7).Select(i => Math.Exp(-i * i / (2 * sigma * sigma))).ToArray();
        var total = g.Sum();
        var impulse = zeros(1, 1, 15, 15, dtype: float64);
        impulse[0, 0, 7, 7] = tensor(1.0);
        var blurred = Insertion.BlurredStart(impulse, sigma);
        Assert.Equal(g[3] * g[3] / (total * total), blurred[0, 0, 7, 7].item<double>(), 12);
        Assert.Equal(g[3] * g[4] / (total * total), blurred[0, 0, 7, 8].item<double>(), 12);
        Assert.Equal(1, blurred.sum().item<double>(), 12);
        var constant = full(2, 3, 9, 9, 0.7, dtype: float64);
        Assert.True(Insertion.BlurredStart(constant, 2).sub(0.7).abs().max().item<double>() < 1e-12);
    }
}
