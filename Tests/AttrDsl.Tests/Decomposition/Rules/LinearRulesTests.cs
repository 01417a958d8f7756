using TorchSharp.Modules;
using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

[Collection(GlobalRngCollection.Name)]
public sealed class LinearRulesTests
{
    [Fact]
    public void Linear_is_complete_and_splits_the_bias_by_magnitude()
    {
        manual_seed(1);
        using var scope = NewDisposeScope();
        var lin = nn.Linear(5, 4, dtype: float64);
        var (d, x) = CdAssert.RandomSplit(3, 5);
        var out_ = LinearRules.Linear(lin, d);
        CdAssert.Complete(out_, lin.call(x));
        // By hand: r = Wβ, i = Wγ, β' = r + b|r|/(|r|+|i|).
        var r = d.Relevant.mm(lin.weight!.t());
        var i = d.Irrelevant.mm(lin.weight!.t());
        var expected = r + lin.bias! * r.abs() / (r.abs() + i.abs());
        Assert.True(CdAssert.MaxDiff(out_.Relevant, expected) < 1e-12);
    }

    [Fact]
    public void Bias_is_split_half_and_half_where_both_parts_are_zero()
    {
        using var scope = NewDisposeScope();
        var w = nn.Parameter(tensor(new double[,] { { 1.0, 0.0 }, { 0.0, 0.0 } }));
        var b = nn.Parameter(tensor(new double[] { 0.5, 0.25 }, [2]));
        var lin = nn.Linear(w, b);
        // β = (2, 0), γ = (0, 3): row 0 gives r = 2, i = 0 (all bias to β); row 1 gives r = i = 0 (50/50).
        var d = new Dec(tensor(new double[,] { { 2.0, 0.0 } }), tensor(new double[,] { { 0.0, 3.0 } }));
        var o = LinearRules.Linear(lin, d);
        Assert.Equal(new[] { 2.5, 0.125 }, o.Relevant.data<double>().ToArray());
        Assert.Equal(new[] { 0.0, 0.125 }, o.Irrelevant.data<double>().ToArray());
    }

    [Fact]
    public void Full_relevance_gives_zero_irrelevant_part_through_a_linear_layer()
    {
        manual_seed(2);
        using var scope = NewDisposeScope();
        var lin = nn.Linear(6, 3, dtype: float64);
        var x = randn(4, 6, dtype: float64);
        var o = LinearRules.Linear(lin, new Dec(x, zeros_like(x)));
        CdAssert.Zero(o.Irrelevant);   // i = 0 and r ≠ 0 (random weights): the whole bias goes to β
        CdAssert.Complete(o, lin.call(x));
    }

    [Theory]
    [InlineData(PaddingModes.Zeros, 1)]
    [InlineData(PaddingModes.Reflect, 2)]
    [InlineData(PaddingModes.Circular, 1)]
    public void Conv1d_is_complete(PaddingModes mode, long stride)
    {
        manual_seed(3);
        using var scope = NewDisposeScope();
        var conv = nn.Conv1d(2, 3, 3, stride: stride, padding: 1, padding_mode: mode, dtype: float64);
        var (d, x) = CdAssert.RandomSplit(4, 2, 9);
        CdAssert.Complete(LinearRules.Conv1d(conv, d), conv.call(x));
    }

    [Theory]
    [InlineData(PaddingModes.Zeros, 1, 1, true)]
    [InlineData(PaddingModes.Zeros, 2, 2, false)]
    [InlineData(PaddingModes.Replicate, 1, 1, true)]
    public void Conv2d_is_complete(PaddingModes mode, long stride, long groups, bool bias)
    {
        manual_seed(4);
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(2, 4, 3, stride: stride, padding: 1, padding_mode: mode, groups: groups, bias: bias, dtype: float64);
        var (d, x) = CdAssert.RandomSplit(3, 2, 7, 6);
        var o = LinearRules.Conv2d(conv, d);
        CdAssert.Complete(o, conv.call(x));
        // Without a bias the rule is plain linearity: β' = W ⊛ β.
        if (!bias) Assert.True(CdAssert.MaxDiff(o.Relevant, conv.call(d.Relevant)) < 1e-12);
    }

    [Theory]
    [InlineData(4, 1, true)]    // depthwise (MobileNet's): one filter per channel
    [InlineData(1, 2, true)]    // dilated (DeepLab's, ResNet's replace_stride_with_dilation)
    [InlineData(2, 3, false)]   // grouped and dilated
    public void Depthwise_grouped_and_dilated_conv2d_are_complete(long groups, long dilation, bool bias)
    {
        manual_seed(5);
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(4, 4, 3, padding: dilation, dilation: dilation, groups: groups, bias: bias, dtype: float64);
        var (d, x) = CdAssert.RandomSplit(3, 4, 9, 8);
        var o = LinearRules.Conv2d(conv, d);
        CdAssert.Complete(o, conv.call(x));
        if (!bias) Assert.True(CdAssert.MaxDiff(o.Relevant, conv.call(d.Relevant)) < 1e-12);
    }

    /// <summary>Without a graph the rules take an in-place path (BiasShare, ReLU-style activations); it must give the same values.</summary>
    [Fact]
    public void No_grad_fast_path_equals_the_graph_path()
    {
        manual_seed(15);
        using var scope = NewDisposeScope();
        var lin = nn.Linear(5, 4, dtype: float64);
        using (no_grad()) lin.weight![0].zero_();   // unit 0: r = i = 0, the 50/50 case
        var (d, _) = CdAssert.RandomSplit(3, 5);
        Dec graph, fast;
        graph = ActivationRules.Relu(LinearRules.Linear(lin, d));
        Assert.True(graph.Relevant.requires_grad);
        using (no_grad()) fast = ActivationRules.Relu(LinearRules.Linear(lin, d));
        Assert.False(fast.Relevant.requires_grad);
        Assert.True(CdAssert.MaxDiff(graph.Relevant, fast.Relevant) < 1e-14);
        Assert.True(CdAssert.MaxDiff(graph.Irrelevant, fast.Irrelevant) < 1e-14);
        using (no_grad()) Assert.True(CdAssert.MaxDiff(LinearRules.Linear(lin, d).Relevant[.., 0], lin.bias![0].expand(3) * 0.5) == 0);
    }

    [Fact]
    public void Functional_forms_equal_the_module_rules()
    {
        manual_seed(16);
        using var scope = NewDisposeScope();
        var lin = nn.Linear(5, 4, dtype: float64);
        var (d, _) = CdAssert.RandomSplit(3, 5);
        var a = LinearRules.Linear(lin, d);
        var b = CdFunctional.linear(d, lin.weight!, lin.bias);
        Assert.True(CdAssert.MaxDiff(a.Relevant, b.Relevant) == 0 && CdAssert.MaxDiff(a.Irrelevant, b.Irrelevant) == 0);

        var conv = nn.Conv2d(2, 3, 3, stride: 2, padding: 1, dtype: float64);
        var (dc, xc) = CdAssert.RandomSplit(2, 2, 6, 6);
        var c = CdFunctional.conv2d(dc, conv.weight!, conv.bias, [2, 2], [1, 1]);
        Assert.True(CdAssert.MaxDiff(c.Relevant, LinearRules.Conv2d(conv, dc).Relevant) == 0);
        CdAssert.Complete(c, conv.call(xc));

        var conv1 = nn.Conv1d(2, 3, 3, padding: 1, dtype: float64);
        var (d1, x1) = CdAssert.RandomSplit(2, 2, 7);
        CdAssert.Complete(CdFunctional.conv1d(d1, conv1.weight!, conv1.bias, padding: 1), conv1.call(x1));

        var bn = NormalizationRulesTests.Randomised(nn.BatchNorm2d(2, dtype: float64));
        CdAssert.Complete(CdFunctional.batch_norm(dc, bn.running_mean!, bn.running_var!, bn.weight, bn.bias), bn.call(xc));
    }
}
