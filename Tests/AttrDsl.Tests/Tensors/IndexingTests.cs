namespace AttrDsl.Tests.Tensors;

public class IndexingTests
{
    private static Tensor Grid() => arange(12L).reshape(3, 4);   // [[0..3],[4..7],[8..11]]

    [Fact]
    public void IntegersRangesEllipsisAndNone()
    {
        using var x = Grid();
        using var row = x[1];
        Assert.Equal(new long[] { 4, 5, 6, 7 }, row.ToArray<long>());
        using var block = x[1.., 1..3];
        Assert.Equal(new long[] { 5, 6, 9, 10 }, block.ToArray<long>());
        using var lastCol = x[TensorIndex.Ellipsis, ^1];
        Assert.Equal(new long[] { 3, 7, 11 }, lastCol.ToArray<long>());
        using var stepped = x[TensorIndex.Colon, TensorIndex.Slice(0, null, 2)];
        Assert.Equal(new long[] { 0, 2, 4, 6, 8, 10 }, stepped.ToArray<long>());
        using var expanded = x[TensorIndex.None, 0];
        Assert.Equal(new long[] { 1, 4 }, expanded.shape);
    }

    [Fact]
    public void IndexTensorAndBoolMaskRead()
    {
        using var x = Grid();
        using var idx = tensor(new long[] { 2, 0 });
        using var rows = x[idx];
        Assert.Equal(new long[] { 8, 9, 10, 11, 0, 1, 2, 3 }, rows.ToArray<long>());
        using var mask = x > 8L;
        using var picked = x[mask];
        Assert.Equal(new long[] { 9, 10, 11 }, picked.ToArray<long>());
    }

    [Fact]
    public void AssignmentWritesThroughViewsMasksAndIndexTensors()
    {
        using var x = Grid();
        using (var v = tensor(new long[] { -1, -2 })) x[0, 1..3] = v;
        Assert.Equal(new long[] { 0, -1, -2, 3 }, x[0].ToArray<long>());

        using var y = tensor(new float[] { 1, 2, 3, 4 });
        using (var mask = tensor(new[] { true, false, false, true }))
        using (var zero = zeros(1)) y[mask] = zero;
        Assert.Equal(new float[] { 0, 2, 3, 0 }, y.ToArray<float>());

        using var z = zeros(3, 2);
        using (var idx = tensor(new long[] { 0, 2 }))
        using (var nine = full([1], 9.0)) z[idx] = nine;
        Assert.Equal(new float[] { 9, 9, 0, 0, 9, 9 }, z.ToArray<float>());

        using var w = zeros(2, 3);
        using (var idx = tensor(new long[] { 1 }))
        using (var five = full([1], 5.0)) w[TensorIndex.Colon, idx] = five;
        Assert.Equal(new float[] { 0, 5, 0, 0, 5, 0 }, w.ToArray<float>());
    }

    [Fact]
    public void TooManyIndicesIsAClearError()
    {
        using var x = Grid();
        Assert.Throws<IndexOutOfRangeException>(() => x[0, 0, 0]);
        Assert.Throws<TorchException>(() => x[5]);
    }
}

public class ReductionOverloadTests
{
    [Fact]
    public void IntegerLiteralsMeanWhatTheyMeanInPyTorch()
    {
        using var x = tensor(new double[] { 3, -4, 1, 2 }, [2, 2]);
        Assert.Equal(10.0, x.norm(1).item<double>(), 12);              // p = 1, not dim 1
        Assert.Equal(Math.Sqrt(30), x.norm(2).item<double>(), 12);
        var rows = x.norm(2, 1).ToArray<double>();
        Assert.Equal(5.0, rows[0], 12);
        Assert.Equal(Math.Sqrt(5), rows[1], 12);
        Assert.Equal(new double[] { 4, -2 }, x.sum(0).ToArray<double>()); // dim 0, not a dtype
        Assert.Equal(new double[] { 2, -1 }, x.mean(0).ToArray<double>());
    }
}

public class ScalarReadTests
{
    [Fact]
    public void ToDoubleAndFriendsConvertAnyDtype()
    {
        using var f = tensor(new float[] { 2.5f });
        using var l = tensor(new long[] { 7 });
        using var b = tensor(new[] { true });
        Assert.Equal(2.5, f.ToDouble());
        Assert.Equal(7.0, l.ToDouble());
        Assert.Equal(2L, f.ToInt64());
        Assert.Equal(7f, l.ToSingle());
        Assert.True(b.ToBoolean());
        Assert.Throws<InvalidOperationException>(() => f.item<double>());   // item<T> stays strict about the element type
    }
}
