using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Layer;

public class LayerSplitAndActivationTests
{
    [Fact]
    public void FromSequentialSplitsAfterTheLayer()
    {
        using var scope = NewDisposeScope();
        var (model, w1, b1, _, _) = LayerTestModels.SmallMlp();
        var xv = Values(6, 111, -2, 2);
        var x = T(xv, 2, 3);
        var (bottom, top) = LayerSplit.FromSequential(model, 1);
        var z = A(bottom(x));
        var expected = LayerTestModels.Hidden(xv[..3], w1, b1).Concat(LayerTestModels.Hidden(xv[3..], w1, b1)).ToArray();
        Close(expected, z, 1e-12);
        Close(A(model.forward(x)), A(top(bottom(x))), 1e-12);
    }

    [Fact]
    public void LastLayerHasIdentityTop()
    {
        using var scope = NewDisposeScope();
        var (model, _, _, _, _) = LayerTestModels.SmallMlp();
        var split = LayerSplit.FromSequential(model, 2);
        var x = T(Values(6, 112), 2, 3);
        var z = split.Bottom(x);
        Close(A(model.forward(x)), A(z), 1e-12);
        Close(A(z), A(split.Top(z)), 0);
    }

    [Fact]
    public void LayerIndexOutOfRangeIsRejected()
    {
        var (model, _, _, _, _) = LayerTestModels.SmallMlp();
        var high = Assert.Throws<ArgumentOutOfRangeException>(() => LayerSplit.FromSequential(model, 3));
        Assert.Contains("layer index 3 is out of range", high.Message);
        Assert.Contains("3 children", high.Message);
        Assert.Contains("0..2", high.Message);
        var low = Assert.Throws<ArgumentOutOfRangeException>(() => LayerSplit.FromSequential(model, -1));
        Assert.Contains("layer index -1 is out of range", low.Message);
    }

    [Fact]
    public void SplitSharesTheChildrenOfTheSequential()
    {
        using var scope = NewDisposeScope();
        // TorchSharp's seq[a..b] slices hold the same child modules: a change to the model's weights shows in both halves.
        var (model, w1, b1, _, _) = LayerTestModels.SmallMlp();
        var split = LayerSplit.FromSequential(model, 0);
        var xv = Values(6, 115, -2, 2);
        var x = T(xv, 2, 3);
        using (no_grad())
        {
            ((TorchSharp.Modules.Linear)model[0]).weight.mul_(2.0);
            ((TorchSharp.Modules.Linear)model[2]).bias!.add_(1.0);
        }
        var w1x2 = w1.Select(v => 2 * v).ToArray();
        var expected = new double[8];
        for (var r = 0; r < 2; r++)
        for (var j = 0; j < 4; j++)
            expected[r * 4 + j] = b1[j] + Enumerable.Range(0, 3).Sum(i => w1x2[j * 3 + i] * xv[r * 3 + i]);   // pre-ReLU: child 0 is the Linear
        Close(expected, A(split.Bottom(x)), 1e-12);
        Close(A(model.forward(x)), A(split.Top(split.Bottom(x))), 1e-12);
    }

    [Fact]
    public void LayerActivationEqualsBottom()
    {
        using var scope = NewDisposeScope();
        var (model, w1, b1, _, _) = LayerTestModels.SmallMlp();
        var xv = Values(9, 113, -2, 2);
        var act = new LayerActivation(LayerSplit.FromSequential(model, 1));
        var z = act.Attribute(T(xv, 3, 3));
        Assert.Equal([3L, 4], z.shape);
        Assert.False(z.requires_grad);
        var expected = Enumerable.Range(0, 3).SelectMany(r => LayerTestModels.Hidden(xv[(3 * r)..(3 * r + 3)], w1, b1)).ToArray();
        Close(expected, A(z), 1e-12);
        // Flat layers are not aggregated.
        Close(expected, A(act.Attribute(T(xv, 3, 3), ChannelAggregation.Max)), 1e-12);
    }

    [Fact]
    public void LayerActivationAggregatesFeatureMapsPerChannel()
    {
        using var scope = NewDisposeScope();
        // bottom: x ↦ x·2 − 1 on [2, 3, 2, 2]: activations known elementwise.
        var xv = Values(24, 114, -3, 3);
        var act = new LayerActivation(x => x * 2.0 - 1.0);
        var z = xv.Select(v => 2 * v - 1).ToArray();
        double[] Reduce(Func<IEnumerable<double>, double> f) =>
            Enumerable.Range(0, 6).Select(bc => f(z.Skip(bc * 4).Take(4))).ToArray();
        Close(Reduce(v => v.Max()), A(act.Attribute(T(xv, 2, 3, 2, 2), ChannelAggregation.Max)), 1e-12, "max");
        Close(Reduce(v => v.Average()), A(act.Attribute(T(xv, 2, 3, 2, 2), ChannelAggregation.Mean)), 1e-12, "mean");
        Close(Reduce(v => v.Sum()), A(act.Attribute(T(xv, 2, 3, 2, 2), ChannelAggregation.Sum)), 1e-12, "sum");
        Assert.Equal([2L, 3], act.Attribute(T(xv, 2, 3, 2, 2), ChannelAggregation.Sum).shape);
        Assert.Equal([2L, 3, 2, 2], act.Attribute(T(xv, 2, 3, 2, 2)).shape);
    }
}
