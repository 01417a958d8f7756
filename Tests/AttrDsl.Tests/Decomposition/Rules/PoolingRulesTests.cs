using TorchSharp.Modules;
using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

[Collection(GlobalRngCollection.Name)]
public sealed class PoolingRulesTests
{
    [Fact]
    public void MaxPool_picks_positions_on_the_sum_not_on_beta()
    {
        using var scope = NewDisposeScope();
        // β favours position 0, but β + γ peaks at position 1: both parts are taken at position 1.
        var d = new Dec(tensor(new[] { 5.0, 1.0 }, [1, 1, 2]), tensor(new[] { -4.0, 3.0 }, [1, 1, 2]));
        var o = PoolingRules.MaxPool1d(nn.MaxPool1d(2), d);
        Assert.Equal(1.0, o.Relevant.item<double>());
        Assert.Equal(3.0, o.Irrelevant.item<double>());
    }

    [Fact]
    public void MaxPool1d_is_complete()
    {
        manual_seed(9);
        using var scope = NewDisposeScope();
        var pool = nn.MaxPool1d(3, stride: 2, padding: 1);
        var (d, x) = CdAssert.RandomSplit(2, 3, 10);
        CdAssert.Complete(PoolingRules.MaxPool1d(pool, d), pool.call(x));
    }

    [Fact]
    public void MaxPool2d_is_complete_with_padding_and_dilation()
    {
        manual_seed(10);
        using var scope = NewDisposeScope();
        var pool = nn.MaxPool2d([3, 2], [2, 1], [1, 1], [1, 2]);
        var (d, x) = CdAssert.RandomSplit(2, 3, 9, 8);
        CdAssert.Complete(PoolingRules.MaxPool2d(pool, d), pool.call(x));
        CdAssert.Complete(CdFunctional.max_pool2d(d, 2), nn.functional.max_pool2d(x, 2));
    }

    [Fact]
    public void Average_pools_are_complete_and_linear()
    {
        manual_seed(11);
        using var scope = NewDisposeScope();
        var (d1, x1) = CdAssert.RandomSplit(2, 3, 9);
        var ap1 = nn.AvgPool1d(3, stride: 2, padding: 1);
        var o1 = PoolingRules.AvgPool1d(ap1, d1);
        CdAssert.Complete(o1, ap1.call(x1));
        Assert.True(CdAssert.MaxDiff(o1.Relevant, ap1.call(d1.Relevant)) < 1e-14);

        var (d2, x2) = CdAssert.RandomSplit(2, 3, 8, 7);
        var ap2 = nn.AvgPool2d(3, stride: 2, padding: 1, count_include_pad: false);
        CdAssert.Complete(PoolingRules.AvgPool2d(ap2, d2), ap2.call(x2));
        var ada = nn.AdaptiveAvgPool2d([3, 2]);
        CdAssert.Complete(PoolingRules.AdaptiveAvgPool2d(ada, d2), ada.call(x2));
    }
}
