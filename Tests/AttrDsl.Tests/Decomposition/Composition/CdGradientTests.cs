using AttrDsl.Decomposition;
using AttrDsl.Tests.Decomposition.Rules;
using AttrDsl.Tests.Infrastructure;

namespace AttrDsl.Tests.Decomposition.Composition;

/// <summary>CD is differentiable (explanation penalties train through it): autograd through the rules matches float64 finite differences.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class CdGradientTests
{
    [Fact]
    public void Relevant_and_irrelevant_logits_have_the_finite_difference_gradient_in_the_input()
    {
        manual_seed(40);
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.LayerNorm(4), nn.Linear(4, 4), nn.Sigmoid(), nn.Linear(4, 3));
        model.to(float64);
        var x = randn(2, 5, dtype: float64);
        var mask = CdAssert.RandomMask(2, 5);
        GradCheck.Check(v => ContextualDecomposition.Decompose(model, v, mask).Relevant, x);
        GradCheck.Check(v => ContextualDecomposition.Decompose(model, v, mask).Irrelevant, x);
    }

    [Fact]
    public void Conv_network_with_max_pooling_has_the_finite_difference_gradient()
    {
        manual_seed(41);
        using var scope = NewDisposeScope();
        var (model, shape) = CdNetworks.Build("maxpool2d");
        var x = randn(shape, dtype: float64);
        var mask = CdAssert.RandomMask(shape);
        GradCheck.Check(v => ContextualDecomposition.Decompose(model, v, mask).Relevant, x);
    }
}
