using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Faithfulness;

[Collection(Infrastructure.GlobalRngCollection.Name)]
public class ExplanationAssertTests
{
    private static Tensor Forward(Tensor x)
    {
        var logit = x.sum(1, keepdim: true);
        return cat([logit, zeros_like(logit)], 1);
    }

    // x = (1, 2, 3, 4) with a faithful (x) and a reversed attribution; logit curves 10, 6, 3, 1, 0 (area 3.75) and
    // 10, 9, 7, 4, 0 (area 6.25); insertion 0, 4, 7, 9, 10 (area 6.25) and 0, 1, 3, 6, 10 (area 3.75).
    private static readonly float[] X = [1, 2, 3, 4];

    private static PerturbationCurve Curve(bool deletion, bool faithful)
    {
        var x = tensor(X, [1, 4]);
        var attr = faithful ? x.clone() : tensor(X.Reverse().ToArray(), [1, 4]);
        return deletion
            ? Deletion.Compute(Forward, x, attr, 0, steps: 4, score: CurveScore.Logit)
            : Insertion.Compute(Forward, x, attr, 0, steps: 4, score: CurveScore.Logit);
    }

    [Fact]
    public void DeletionAreaBelowPassesAndFailsWithTheNumbers()
    {
        using var scope = NewDisposeScope();
        ExplanationAssert.DeletionAreaBelow(Curve(true, faithful: true), 4);
        var e = Assert.Throws<ExplanationAssertionException>(() => ExplanationAssert.DeletionAreaBelow(Curve(true, faithful: false), 4));
        Assert.Contains("6.2500", e.Message);
        Assert.Contains("not below 4", e.Message);
        Assert.Throws<ArgumentException>("curve", () => ExplanationAssert.DeletionAreaBelow(Curve(false, true), 4));
    }

    [Fact]
    public void InsertionAreaAbovePassesAndFailsWithTheNumbers()
    {
        using var scope = NewDisposeScope();
        ExplanationAssert.InsertionAreaAbove(Curve(false, faithful: true), 6);
        var e = Assert.Throws<ExplanationAssertionException>(() => ExplanationAssert.InsertionAreaAbove(Curve(false, faithful: false), 6));
        Assert.Contains("3.7500", e.Message);
        Assert.Contains("not above 6", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>("minimum", () => ExplanationAssert.InsertionAreaAbove(Curve(false, true), double.NaN));
    }

    [Fact]
    public void PassesRandomizationCheckPassesAndFailsWithTheNumbers()
    {
        using var scope = NewDisposeScope();
        static nn.Module<Tensor, Tensor> Net() => nn.Sequential(("fc1", nn.Linear(16, 12)), ("relu", nn.ReLU()), ("fc2", nn.Linear(12, 3)));
        manual_seed(4);
        var inputs = randn(6, 16);
        var model = Net();
        var gradient = ParameterRandomization.Run(model, Net, (m, x, t) => new Saliency(m).Attribute(x, t), inputs, 0, seed: 7);
        ExplanationAssert.PassesRandomizationCheck(gradient);
        var input = ParameterRandomization.Run(model, Net, (_, x, _) => x * 1, inputs, 0);
        var e = Assert.Throws<ExplanationAssertionException>(() => ExplanationAssert.PassesRandomizationCheck(input));
        Assert.Contains("1.000", e.Message);
        Assert.Contains("fc1: Spearman", e.Message);
        Assert.IsAssignableFrom<Exception>(e);
    }
}
