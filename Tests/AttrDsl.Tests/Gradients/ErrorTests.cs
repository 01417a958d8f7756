namespace AttrDsl.Tests.Gradients;

/// <summary>
/// libtorch errors surface as <see cref="TorchException"/> with libtorch's own message (no C++
/// backtrace) and leave the process usable; misuse caught on the managed side gets a .NET exception.
/// </summary>
public class ErrorTests
{
    /// <summary>After an error the runtime must still compute: 1..6 reshaped and multiplied by its transpose.</summary>
    private static void NormalOpStillWorks()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var p = a.mm(a.t());
        Assert.Equal(new double[] { 14, 32, 32, 77 }, p.ToArray<double>());
        var x = tensor(new double[] { 1, 2, 3 }, requires_grad: true);
        var g = autograd.grad(x.pow(2).sum(), x);
        Assert.Equal(new double[] { 2, 4, 6 }, g.ToArray<double>());
    }

    private static TorchException AssertTorchError(Func<Tensor> op, string expected)
    {
        TorchException e;
        using (var scope = NewDisposeScope())
            e = Assert.Throws<TorchException>(() => op());
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("Exception raised from", e.Message);
        Assert.DoesNotContain("frame #", e.Message);
        NormalOpStillWorks();
        return e;
    }

    [Fact]
    public void MatmulShapeMismatch()
    {
        using var scope = NewDisposeScope();
        var a = ones(2, 3);
        var b = ones(2, 3);
        var e = AssertTorchError(() => a.mm(b), "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)");
        // The backtrace is kept aside, not lost.
        Assert.NotNull(e.NativeDetail);
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied", e.NativeDetail);
    }

    [Fact]
    public void BroadcastIncompatibleAdd()
    {
        using var scope = NewDisposeScope();
        var a = ones(2, 3);
        var b = ones(4);
        AssertTorchError(() => a + b, "must match the size of tensor");
        AssertTorchError(() => a + b, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1");
    }

    [Fact]
    public void Conv2dWrongChannelCount()
    {
        using var scope = NewDisposeScope();
        var weight = ones(4, 3, 3, 3);
        var input = ones(1, 1, 5, 5);
        var e = AssertTorchError(() => functional.conv2d(input, weight), "to have 3 channels");
        Assert.Contains("expected input[1, 1, 5, 5] to have 3 channels", e.Message);
        Assert.Contains("but got 1 channels instead", e.Message);
    }

    [Fact]
    public void IndexSelectOutOfRange()
    {
        using var scope = NewDisposeScope();
        var a = ones(2, 3);
        var idx = tensor(new long[] { 0, 7 });
        // libtorch's CPU index_select check: "INDICES element is out of DATA bounds, id=7 axis_dim=3".
        AssertTorchError(() => a.index_select(1, idx), "out of DATA bounds");
        AssertTorchError(() => a.index_select(0, tensor(new long[] { -5 })), "index out of range in self");
    }

    [Fact]
    public void SelectOutOfRange()
    {
        using var scope = NewDisposeScope();
        var a = ones(2, 3);
        AssertTorchError(() => a.select(0, 5), "out of range");
        AssertTorchError(() => a.select(1, -4), "out of range");
    }

    [Fact]
    public void GatherOutOfRange()
    {
        using var scope = NewDisposeScope();
        var a = ones(2, 3);
        AssertTorchError(() => a.gather(1, tensor(new long[] { 0, 3 }, [2, 1])), "out of bounds");
    }

    [Fact]
    public void MatmulDtypeMismatch()
    {
        using var scope = NewDisposeScope();
        var a = ones([2, 3], float32);
        var b = ones([3, 2], float64);
        AssertTorchError(() => a.mm(b), "dtype");
    }

    [Fact]
    public void ItemOnMultiElementTensor()
    {
        using var scope = NewDisposeScope();
        var a = ones([2, 3], float64);
        var e = Assert.Throws<InvalidOperationException>(() => a.item<double>());
        Assert.Contains("exactly one element", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        NormalOpStillWorks();
    }

    [Fact]
    public void ToArrayWithWrongElementType()
    {
        using var scope = NewDisposeScope();
        var a = ones([2, 3], float64);
        var e = Assert.Throws<InvalidOperationException>(() => a.ToArray<float>());
        // Helpful: names what the tensor holds, what was asked for, and how to convert.
        Assert.Contains("Float64", e.Message);
        Assert.Contains("Single", e.Message);
        Assert.Contains(".to(", e.Message);
        Assert.Throws<InvalidOperationException>(() => a.item<float>());
        NormalOpStillWorks();
    }

    [Fact]
    public void UsingDisposedTensor()
    {
        using var scope = NewDisposeScope();
        var a = ones(2, 3);
        a.Dispose();
        Assert.True(a.IsInvalid);
        Assert.Throws<ObjectDisposedException>(() => a + 1);
        Assert.Throws<ObjectDisposedException>(() => a.ToArray<float>());
        Assert.Throws<ObjectDisposedException>(() => a.shape);
        a.Dispose(); // a second Dispose is harmless
        NormalOpStillWorks();
    }

    [Fact]
    public void UsingTensorAfterItsScopeClosed()
    {
        Tensor kept, escaped;
        using (var inner = NewDisposeScope())
        {
            kept = ones(2, 2);
            escaped = ones(3).MoveToOuterDisposeScope();
        }
        var e = Assert.Throws<ObjectDisposedException>(() => kept.sum());
        Assert.Contains("MoveToOuterDisposeScope", e.Message);
        Assert.Equal(3f, escaped.sum().item<float>());
        escaped.Dispose();
        NormalOpStillWorks();
    }

    [Fact]
    public void BackwardOnNonScalarWithoutGradient()
    {
        using var scope = NewDisposeScope();
        var x = ones([2, 3], float64).requires_grad_();
        var y = x * 2;
        var e = Assert.Throws<InvalidOperationException>(() => y.backward());
        Assert.Contains("scalar", e.Message);
        // Given a gradient it works: ∂Σ(g·2x)/∂x = 2g.
        y.backward(full([2, 3], 0.5, float64));
        Assert.Equal(new double[] { 1, 1, 1, 1, 1, 1 }, x.grad!.ToArray<double>());
        NormalOpStillWorks();
    }

    [Fact]
    public void AutogradGradOnNonScalarWithoutGradOutputs()
    {
        using var scope = NewDisposeScope();
        var x = ones([2, 3], float64).requires_grad_();
        var y = x * 2;
        Assert.Throws<ArgumentException>(() => autograd.grad([y], [x]));
        NormalOpStillWorks();
    }

    [Fact]
    public void GradOfInputNotInGraph()
    {
        using var scope = NewDisposeScope();
        var x = ones([3], float64).requires_grad_();
        var unused = ones([3], float64).requires_grad_();
        var y = (x * 2).sum();
        // libtorch refuses an unused input unless allow_unused; with it the gradient is null.
        AssertTorchError(() => autograd.grad([y], [x, unused], retain_graph: true)[0]!, "not have been used in the graph");
        var g = autograd.grad([y], [x, unused], allow_unused: true);
        Assert.Equal(new double[] { 2, 2, 2 }, g[0]!.ToArray<double>());
        Assert.Null(g[1]);
    }

    [Fact]
    public void BackwardTwiceWithoutRetainGraph()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2 }, requires_grad: true);
        var y = x.exp().sum();
        y.backward();
        var e = Assert.Throws<TorchException>(() => y.backward());
        Assert.Contains("backward through the graph a second time", e.Message);
        Assert.DoesNotContain("Exception raised from", e.Message);
        NormalOpStillWorks();
    }

    [Fact]
    public void RequiresGradOnIntegerTensor()
    {
        using var scope = NewDisposeScope();
        var i = tensor(new long[] { 1, 2 });
        Assert.Throws<InvalidOperationException>(() => i.requires_grad_());
        NormalOpStillWorks();
    }
}

public class RegressionLossShapeTests
{
    [Fact]
    public void MismatchedRegressionShapesAreAnErrorInsteadOfASilentBroadcast()
    {
        using var output = zeros(4, 1);
        using var target = zeros(4);
        var e = Assert.Throws<ArgumentException>(() => functional.mse_loss(output, target));
        Assert.Contains("[4, 1]", e.Message);
        Assert.Contains("squeeze", e.Message);
        Assert.Throws<ArgumentException>(() => functional.l1_loss(output, target));
        Assert.Throws<ArgumentException>(() => functional.smooth_l1_loss(output, target));
        using var same = functional.mse_loss(output.squeeze(1), target);
        Assert.Equal(0f, same.item<float>());
    }
}
