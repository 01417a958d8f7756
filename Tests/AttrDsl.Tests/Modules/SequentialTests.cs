using static AttrDsl.Tests.Modules.ModuleKit;

namespace AttrDsl.Tests.Modules;

/// <summary>Sequential: gradients through a whole stack, composition semantics, naming, shared layers.</summary>
public class SequentialTests
{
    private static Sequential ConvNet() => nn.Sequential(
        nn.Conv2d(2, 3, 3, padding: 1),
        nn.BatchNorm2d(3),
        nn.LeakyReLU(0.1),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(3 * 2 * 2, 4),
        nn.Tanh(),
        nn.Dropout(0.0),
        nn.Linear(4, 2));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SequentialGradients(bool training)
    {
        using var net = ConvNet();
        net.to(ScalarType.Float64);
        FillParameters(net, 100);
        var bn = (BatchNorm)net[1];
        Set(bn.running_var!, [0.5, 1.5, 2.0]);
        if (!training) net.eval();
        using var x = Leaf(Uniform(new Random(101), 3 * 2 * 4 * 4), [3, 2, 4, 4]);
        // In training, batch norm removes any per-channel constant: the conv bias has exactly zero gradient.
        CheckLayer(net, x, expectZero: training ? ["0.bias"] : null);
    }

    [Fact]
    public void SequentialIsCompositionOfItsChildren()
    {
        using var net = ConvNet();
        net.eval();
        using var x = tensor(Uniform(new Random(102), 3 * 2 * 4 * 4).Select(v => (float)v).ToArray(), [3, 2, 4, 4]);
        using var y = net.forward(x);
        var h = x.alias();
        for (var i = 0; i < net.Count; i++)
        {
            var next = net[i].forward(h);
            h.Dispose();
            h = next;
        }
        Assert.Equal(D(h), D(y));
        h.Dispose();
        // The caller's input survives the chain (only intermediates are freed).
        Assert.False(x.IsInvalid);
        Assert.Equal(96, x.ToArray<float>().Length);
    }

    [Fact]
    public void EmptySequentialReturnsInputValues()
    {
        var net = nn.Sequential(Array.Empty<nn.Module<Tensor, Tensor>>());
        using var x = tensor(new float[] { 1, 2, 3 });
        using var y = net.forward(x);
        Assert.Equal(new float[] { 1, 2, 3 }, y.ToArray<float>());
        Assert.False(ReferenceEquals(x, y));
    }

    [Fact]
    public void ChildrenAreNamedByIndexOrExplicitly()
    {
        using var net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2));
        Assert.Equal(new[] { "0", "1", "2" }, net.named_children().Select(c => c.name).ToArray());
        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, net.named_parameters().Select(p => p.name).ToArray());

        using var named = nn.Sequential(("enc", nn.Linear(3, 4)), ("act", nn.Tanh()), ("dec", nn.Linear(4, 2)));
        Assert.Equal(new[] { "enc.weight", "enc.bias", "dec.weight", "dec.bias" }, named.named_parameters().Select(p => p.name).ToArray());
        Assert.Equal(3, named.Count);
    }

    [Fact]
    public void SharedLayerIsListedOnceAndAccumulatesGradientFromBothUses()
    {
        var shared = nn.Linear(3, 3);
        using var net = nn.Sequential(shared, nn.Tanh(), shared);
        Assert.Equal(new[] { "0.weight", "0.bias" }, net.named_parameters().Select(p => p.name).ToArray());
        Assert.Equal(2, net.parameters().Count());
        Assert.Same(shared.weight, net.parameters().First());

        net.to(ScalarType.Float64);
        FillParameters(net, 103, -1, 1);
        using var x = Leaf(Uniform(new Random(104), 2 * 3), [2, 3]);
        CheckLayer(net, x);
    }

    [Fact]
    public void SliceSharesChildren()
    {
        using var net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2));
        var head = net.Slice(0, 2);
        Assert.Equal(2, head.Count);
        Assert.Same(net[0], head[0]);
        Assert.Same(((Linear)net[0]).weight, head.parameters().First());
    }
}
