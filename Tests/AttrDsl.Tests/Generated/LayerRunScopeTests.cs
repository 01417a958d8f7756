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
}
