using AttrDsl.Tests.Infrastructure;
using AttrDsl.Tests.Models;

namespace AttrDsl.Tests.Generated;

/// <summary>The layer map's runs leave no tensor behind in a scope they dispose, with and without a caller's scope.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class LayerRunScopeTests
{
    [Fact]
    public void Splits_inside_and_outside_a_callers_scope_leave_nothing_for_the_finalizers()
    {
        var model = new MnistNet();
        var x = rand([2, 1, 28, 28], generator: new Generator(7));
        foreach (var withScope in new[] { true, false })
        {
            var scope = withScope ? NewDisposeScope() : null;
            var a = model.ForwardTo(MnistNet.Layer.conv2, x);
            var y = model.ForwardFrom(MnistNet.Layer.conv2, a);
            var layers = model.ListLayers(x);
            Assert.Equal(4, layers.Count);
            Assert.False(a.IsInvalid);
            Assert.False(y.IsInvalid);
            if (!withScope) { a.Dispose(); y.Dispose(); }
            scope?.Dispose();
            Assert.True(a.IsInvalid);
            Assert.True(y.IsInvalid);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        x.Dispose();
    }

    [Fact]
    public void A_loop_layer_beyond_the_loops_iterations_is_a_clear_error()
    {
        using var scope = NewDisposeScope();
        var model = new AttrDsl.Tests.Models.Corpus.ResNetForeach(channels: 4, depth: 3);
        model.eval();
        var x = rand([1, 3, 8, 8], generator: new Generator(8));
        Assert.Equal(3, model.ListLayers(x).Count(l => l.Name.StartsWith("blocks_", StringComparison.Ordinal)));
        var beyond = Assert.Throws<ArgumentException>(() => model.ForwardTo(AttrDsl.Tests.Models.Corpus.ResNetForeach.Layer.blocks(3), x));
        Assert.Contains("did not reach layer blocks_3", beyond.Message);
        Assert.Contains("ListLayers", beyond.Message);
        Assert.Throws<ArgumentException>(() => model.ForwardFrom(AttrDsl.Tests.Models.Corpus.ResNetForeach.Layer.blocks(3), rand([1, 4, 8, 8])));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttrDsl.Tests.Models.Corpus.ResNetForeach.Layer.blocks(-1));
        // And the scope stack is whole again: a tensor made now belongs to this test's scope.
        var after = zeros(1);
        scope.Dispose();
        Assert.True(after.IsInvalid);
    }
}
