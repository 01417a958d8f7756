using TorchSharp.Modules;
using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

[Collection(GlobalRngCollection.Name)]
public sealed class ActivationRulesTests
{
    public static TheoryData<string> Activations => ["relu", "leaky_relu", "gelu", "gelu_tanh", "softplus", "tanh", "sigmoid"];

    private static (Func<Dec, Dec> Rule, Func<Tensor, Tensor> F) Of(string name) => name switch
    {
        "relu" => (ActivationRules.Relu, x => nn.functional.relu(x)),
        "leaky_relu" => (d => ActivationRules.LeakyRelu(d, 0.2), x => nn.functional.leaky_relu(x, 0.2)),
        "gelu" => (d => ActivationRules.Gelu(d), x => nn.functional.gelu(x)),
        "gelu_tanh" => (d => ActivationRules.Gelu(d, GELU.Approximate.tanh), x => nn.functional.gelu(x, GELU.Approximate.tanh)),
        "softplus" => (d => ActivationRules.Softplus(d, 2, 20), x => nn.functional.softplus(x, 2, 20)),
        "tanh" => (ActivationRules.Tanh, x => x.tanh()),
        "sigmoid" => (ActivationRules.Sigmoid, x => x.sigmoid()),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activation_is_complete_and_full_relevance_leaves_gamma_zero(string name)
    {
        manual_seed(8);
        using var scope = NewDisposeScope();
        var (rule, f) = Of(name);
        var (d, x) = CdAssert.RandomSplit(4, 7);
        CdAssert.Complete(rule(d), f(x));
        var full = rule(new Dec(x, zeros_like(x)));
        CdAssert.Zero(full.Irrelevant);
        CdAssert.Complete(full, f(x));
    }

    [Fact]
    public void Relu_by_hand()
    {
        using var scope = NewDisposeScope();
        // β = 2, γ = −3: β' = relu(2) = 2, γ' = relu(−1) − 2 = −2.
        var o = ActivationRules.Relu(new Dec(tensor(new[] { 2.0 }, [1]), tensor(new[] { -3.0 }, [1])));
        Assert.Equal(2.0, o.Relevant.item<double>());
        Assert.Equal(-2.0, o.Irrelevant.item<double>());
    }

    [Fact]
    public void Tanh_is_the_two_player_shapley_value()
    {
        using var scope = NewDisposeScope();
        double b = 0.7, g = -1.9;
        var o = ActivationRules.Tanh(new Dec(tensor(new[] { b }, [1]), tensor(new[] { g }, [1])));
        // tanh(0) = 0, so there is no constant to share: β' = ½[tanh β + tanh(β+γ) − tanh γ].
        Assert.Equal(0.5 * (Math.Tanh(b) + Math.Tanh(b + g) - Math.Tanh(g)), o.Relevant.item<double>(), 1e-14);
        Assert.Equal(0.5 * (Math.Tanh(g) + Math.Tanh(b + g) - Math.Tanh(b)), o.Irrelevant.item<double>(), 1e-14);
    }

    [Fact]
    public void Sigmoid_shares_sigma_of_zero_like_a_bias()
    {
        using var scope = NewDisposeScope();
        static double S(double v) => 1 / (1 + Math.Exp(-v));
        double b = 1.3, g = 0.4;
        var o = ActivationRules.Sigmoid(new Dec(tensor(new[] { b }, [1]), tensor(new[] { g }, [1])));
        var cb = 0.5 * (S(b) - 0.5 + S(b + g) - S(g));
        var cg = 0.5 * (S(g) - 0.5 + S(b + g) - S(b));
        var share = Math.Abs(cb) / (Math.Abs(cb) + Math.Abs(cg));
        Assert.Equal(cb + 0.5 * share, o.Relevant.item<double>(), 1e-14);
        Assert.Equal(cg + 0.5 * (1 - share), o.Irrelevant.item<double>(), 1e-14);
    }
}
