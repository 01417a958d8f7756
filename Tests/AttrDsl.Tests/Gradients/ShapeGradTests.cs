using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Infrastructure.GradInputs;

namespace AttrDsl.Tests.Gradients;

/// <summary>
/// Finite-difference checks of views, shaping, joining, selection and indexing (float64). Each result
/// is multiplied by a smooth function of the input so that a gradient routed to the wrong element shows.
/// </summary>
public class ShapeGradTests
{
    [Fact]
    public void View()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.view(3, 4) * x.view(-1, 4).sin(), Randn(1, 2, 6));
    }

    [Fact]
    public void Reshape()
    {
        using var scope = NewDisposeScope();
        // Reshaping a transposed (non-contiguous) tensor copies; the gradient must be routed back through the copy.
        GradCheck.Check(x => x.t().reshape(2, 6) * x.reshape(-1, 6).exp(), Randn(2, 3, 4));
    }

    [Fact]
    public void Flatten()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.flatten() * x.flatten(1).flatten().sin(), Randn(3, 2, 3, 2));
    }

    [Fact]
    public void Unflatten()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.unflatten(1, 2, 3) * Of([1, 2, 3, 4, 5, 6], 1, 2, 3), Randn(4, 2, 6));
    }

    [Fact]
    public void Squeeze()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.squeeze() * x.squeeze(1).squeeze(-1).exp(), Randn(5, 3, 1, 4, 1));
    }

    [Fact]
    public void Unsqueeze()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.unsqueeze(1) * x.unsqueeze(0).sin(), Randn(6, 3, 4));
    }

    [Fact]
    public void Permute()
    {
        using var scope = NewDisposeScope();
        var w = Randn(100, 4, 2, 3);
        GradCheck.Check(x => x.permute(2, 0, 1) * w, Randn(7, 2, 3, 4));
    }

    [Fact]
    public void Transpose()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.transpose(0, 2) * x.transpose(-1, 0).sin(), Randn(8, 2, 3, 4));
    }

    [Fact]
    public void TransposeT()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.t().mm(x) + x.T.sum(), Randn(9, 3, 4));
    }

    [Fact]
    public void Expand()
    {
        using var scope = NewDisposeScope();
        var w = Randn(101, 2, 3, 4);
        GradCheck.Check(x => x.expand(2, 3, 4) * w, Randn(10, 3, 1));
    }

    [Fact]
    public void ExpandAs()
    {
        using var scope = NewDisposeScope();
        var like = zeros([2, 4, 3], float64);
        GradCheck.Check(x => x.expand_as(like).sin(), Randn(11, 1, 3));
    }

    [Fact]
    public void Repeat()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.repeat(2, 1, 3).sin(), Randn(12, 2, 3));
    }

    [Fact]
    public void Cat()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => cat([a[0], a[1], a[0]], 1).sin(), [Randn(13, 2, 3), Randn(14, 2, 2)]);
    }

    [Fact]
    public void Stack()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => stack([a[0], a[1]], 1).exp() + stack([a[1], a[0]], -1).transpose(1, 2) * 3, [Randn(15, 2, 3), Randn(16, 2, 3)]);
    }

    [Fact]
    public void SplitBySize()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x =>
        {
            var parts = x.split(2, 1); // sizes 2, 2, 1
            return parts[0] * parts[1].exp() + parts[2];
        }, Randn(17, 3, 5));
    }

    [Fact]
    public void SplitWithSizes()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x =>
        {
            var parts = x.split([1, 3], 0);
            return parts[0].sin() * parts[1].sum(0, keepdim: true);
        }, Randn(18, 4, 3));
    }

    [Fact]
    public void Chunk()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x =>
        {
            var c = x.chunk(3, 1);
            return c[0] * c[1] - c[2].exp();
        }, Randn(19, 2, 6));
    }

    [Fact]
    public void Unbind()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x =>
        {
            var rows = x.unbind(1);
            return rows[0] * rows[2] + rows[1].sin();
        }, Randn(20, 4, 3));
    }

    [Fact]
    public void Narrow()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.narrow(1, 1, 2).exp() + x.narrow(0, 0, 1).narrow(1, 2, 2), Randn(21, 3, 4));
    }

    [Fact]
    public void Select()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.select(1, 2) * x.select(1, -1).sin() + x.select(0, 1).sum(), Randn(22, 3, 4));
    }

    [Fact]
    public void SliceWithStep()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.slice(1, 1, null, 2).exp() + x.slice(0, null, 2).sum(dim: 0).narrow(0, 0, 3).unsqueeze(0).t().sum(1), Randn(23, 3, 7));
    }

    [Fact]
    public void IndexEllipsisRange()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x[TensorIndex.Ellipsis, 1..3].exp() * x[TensorIndex.Ellipsis, ^2..].sin(), Randn(24, 2, 3, 5));
    }

    [Fact]
    public void IndexIntegerRangeNone()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x[1, 1..][TensorIndex.None] * x[.., 0, TensorIndex.None], Randn(25, 3, 4));
    }

    [Fact]
    public void IndexWithTensorIndices()
    {
        using var scope = NewDisposeScope();
        var idx = tensor(new long[] { 2, 0, 2, 3 });
        GradCheck.Check(x => x[.., idx].exp(), Randn(26, 2, 5));
    }

    [Fact]
    public void IndexWithBoolMask()
    {
        using var scope = NewDisposeScope();
        var mask = tensor(new[] { true, false, true, true, false, false, true, false, true, true, false, true }, [3, 4]);
        GradCheck.Check(x => x[mask].exp(), Randn(27, 3, 4));
    }

    [Fact]
    public void IndexAssignIntoClone()
    {
        using var scope = NewDisposeScope();
        // y = x.clone(); y[1, 1..3] = v: the gradient reaches x outside the window and v inside it.
        GradCheck.Check(a =>
        {
            var y = a[0].clone();
            y[1, 1..3] = a[1];
            return y.exp();
        }, [Randn(28, 3, 4), Randn(29, 2)]);
    }

    [Fact]
    public void MaskAssignIntoClone()
    {
        using var scope = NewDisposeScope();
        var mask = tensor(new[] { true, false, true, false, false, true }, [2, 3]);
        GradCheck.Check(a =>
        {
            var y = a[0].clone();
            y[mask] = a[1];
            return y.sin();
        }, [Randn(30, 2, 3), Randn(31, 2, 3)]);
    }

    [Fact]
    public void MaskAssignClosedForm()
    {
        using var scope = NewDisposeScope();
        // y = x.clone(); y[mask] = v (v broadcast): y = v where mask, x elsewhere, so ∂Σy/∂x = ¬mask, ∂Σy/∂v = mask.
        var mask = tensor(new[] { true, false, true, false, false, true }, [2, 3]);
        var x = tensor(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3], requires_grad: true);
        var v = tensor(new double[] { 10, 20, 30, 40, 50, 60 }, [2, 3], requires_grad: true);
        var y = x.clone();
        y[mask] = v;
        Assert.Equal(new double[] { 10, 2, 30, 4, 5, 60 }, y.ToArray<double>());
        var g = autograd.grad([y.sum()], [x, v]);
        Assert.Equal(new double[] { 0, 1, 0, 1, 1, 0 }, g[0]!.ToArray<double>());
        Assert.Equal(new double[] { 1, 0, 1, 0, 0, 1 }, g[1]!.ToArray<double>());
    }

    [Fact]
    public void IndexAssignClosedForm()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3], requires_grad: true);
        var v = tensor(new double[] { 10, 20 }, requires_grad: true);
        var y = x.clone();
        y[1, 1..] = v;
        Assert.Equal(new double[] { 1, 2, 3, 4, 10, 20 }, y.ToArray<double>());
        var g = autograd.grad([(y * y).sum()], [x, v]);
        Assert.Equal(new double[] { 2, 4, 6, 8, 0, 0 }, g[0]!.ToArray<double>());
        Assert.Equal(new double[] { 20, 40 }, g[1]!.ToArray<double>());
    }

    [Fact]
    public void IndexSelect()
    {
        using var scope = NewDisposeScope();
        var idx = tensor(new long[] { 3, 0, 3, 1 });
        GradCheck.Check(x => x.index_select(1, idx).exp() + x.index_select(0, tensor(new long[] { 1 })).sum(), Randn(32, 2, 5));
    }

    [Fact]
    public void Gather()
    {
        using var scope = NewDisposeScope();
        var idx = tensor(new long[] { 0, 2, 2, 1, 1, 0, 3, 3 }, [2, 4]);
        GradCheck.Check(x => x.gather(1, idx).exp(), Randn(33, 2, 4));
    }

    [Fact]
    public void ScatterSrc()
    {
        using var scope = NewDisposeScope();
        // Distinct indices per row, so which source element lands where is unambiguous.
        var idx = tensor(new long[] { 3, 0, 2, 1, 4, 0 }, [2, 3]);
        GradCheck.Check(a => a[0].scatter(1, idx, a[1]).exp(), [Randn(34, 2, 5), Randn(35, 2, 3)]);
    }

    [Fact]
    public void ScatterValue()
    {
        using var scope = NewDisposeScope();
        var idx = tensor(new long[] { 3, 0, 1, 4 }, [2, 2]);
        GradCheck.Check(x => x.scatter(1, idx, 0.5).exp(), Randn(36, 2, 5));
    }

    [Fact]
    public void ScatterAdd()
    {
        using var scope = NewDisposeScope();
        // Repeated indices accumulate.
        var idx = tensor(new long[] { 3, 0, 3, 1, 1, 1 }, [2, 3]);
        GradCheck.Check(a => a[0].scatter_add(1, idx, a[1]).exp(), [Randn(37, 2, 5), Randn(38, 2, 3)]);
    }

    [Fact]
    public void MaskedSelect()
    {
        using var scope = NewDisposeScope();
        var mask = tensor(new[] { true, false, true }, [3]);
        GradCheck.Check(x => x.masked_select(mask.view(1, 3).expand(2, 3)).exp(), Randn(39, 2, 3));
    }

    [Fact]
    public void Flip()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.flip(0, 2) * x.sin(), Randn(40, 2, 3, 2));
    }

    [Fact]
    public void Roll()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.roll(1, 1) * x + x.roll([-1, 2], [0, 1]).exp(), Randn(41, 3, 4));
    }

    [Fact]
    public void Tril()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.tril().exp() + x.tril(-1) + x.tril(1).sin(), Randn(42, 4, 4));
    }

    [Fact]
    public void Triu()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.triu().exp() + x.triu(1) + x.triu(-1).sin(), Randn(43, 3, 4));
    }

    [Fact]
    public void DiagFromMatrix()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.diag().exp() * x.diag(1).sum(), Randn(44, 3, 4));
    }

    [Fact]
    public void DiagFromVector()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.diag().exp() + x.diag(-1).sum(), Randn(45, 3));
    }

    [Fact]
    public void Pad()
    {
        using var scope = NewDisposeScope();
        // (left, right) pairs from the last dimension backwards; the constant fill has no gradient.
        GradCheck.Check(x => functional.pad(x, [1, 2, 0, 1], 0.5).exp(), Randn(46, 2, 3, 2));
    }

    [Fact]
    public void ContiguousAndClone()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.t().contiguous().exp() * x.clone().t(), Randn(47, 3, 4));
    }
}
