using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Targets;

public class TargetTests
{
    private static Tensor Output() => tensor(new double[] { 1, 5, 2, 7, 3, 0, 4, 4, 9 }, [3, 3]);

    [Fact]
    public void EachQuantityOfInterestPicksItsValues()
    {
        using var o = Output();
        using var labels = tensor(new long[] { 2, 0, 1 });
        Assert.Equal(new double[] { 5, 3, 4 }, Target.Class(1).Select(o).ToArray<double>());
        Assert.Equal(new double[] { 2, 7, 4 }, Target.PerSample(labels).Select(o).ToArray<double>());
        Assert.Equal(new double[] { 5, 7, 9 }, Target.Max.Select(o).ToArray<double>());
        Assert.Equal(new double[] { -4, 4, 0 }, Target.Comparative(0, 1).Select(o).ToArray<double>());
    }

    [Fact]
    public void RepeatAndSliceAddressRowsSampleMajor()
    {
        using var labels = tensor(new long[] { 2, 0 });
        using var o = tensor(Enumerable.Range(0, 12).Select(i => (double)i).ToArray(), [4, 3]);   // rows: s0, s0, s1, s1
        var repeated = Target.PerSample(labels).Repeat(2);
        Assert.Equal(new double[] { 2, 5, 6, 9 }, repeated.Select(o).ToArray<double>());
        using var tail = o.narrow(0, 1, 2);
        Assert.Equal(new double[] { 5, 6 }, repeated.Slice(1, 2).Select(tail).ToArray<double>());
        Assert.Same(Target.Max, Target.Max.Slice(1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => repeated.Slice(3, 2));
    }

    [Fact]
    public void BadTargetsAreClearErrors()
    {
        using var o = Output();
        Assert.Contains("outside", Assert.Throws<ArgumentOutOfRangeException>(() => Target.Class(3).Select(o)).Message);
        Assert.Contains("outside", Assert.Throws<ArgumentOutOfRangeException>(() => Target.Comparative(0, 5).Select(o)).Message);
        using var scalar = tensor(3.0);
        Assert.Contains("0-dim", Assert.Throws<ArgumentException>(() => Target.Output.Select(scalar)).Message);
        using var wrongCount = tensor(new long[] { 1 });
        Assert.Contains("per-sample targets", Assert.Throws<ArgumentException>(() => Target.PerSample(wrongCount).Select(o)).Message);
    }

    [Fact]
    public void PerSampleClassesOutsideTheOutputsAreNamed()
    {
        using var o = Output();
        using var high = tensor(new long[] { 2, 3, 0 });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Target.PerSample(high).Select(o));
        Assert.Equal("target", e.ParamName);
        Assert.Contains("per-sample target class 3 is outside the model's 3 outputs (valid: 0 .. 2)", e.Message);
        using var negative = tensor(new long[] { 0, -1, 0 });
        Assert.Contains("class -1 is outside", Assert.Throws<ArgumentOutOfRangeException>(() => Target.PerSample(negative).Select(o)).Message);
        // int32 labels are accepted and widened.
        using var int32 = tensor(new[] { 2, 0, 1 });
        Assert.Equal(new double[] { 2, 7, 4 }, Target.PerSample(int32).Select(o).ToArray<double>());
    }

    [Fact]
    public void BadPerSampleTensorsAreClearErrors()
    {
        Assert.Throws<ArgumentNullException>(() => Target.PerSample(null!));
        using var floats = tensor(new double[] { 1, 0 });
        var e = Assert.Throws<ArgumentException>(() => Target.PerSample(floats));
        Assert.Contains("1-D int64 tensor of class indices, got a Float64 tensor of shape [2]", e.Message);
        using var matrix = zeros(2, 2, dtype: int64);
        Assert.Contains("shape [2, 2]", Assert.Throws<ArgumentException>(() => Target.PerSample(matrix)).Message);
        var disposed = tensor(new long[] { 1 });
        disposed.Dispose();
        Assert.Contains("disposed", Assert.Throws<ObjectDisposedException>(() => Target.PerSample(disposed)).Message);
    }

    /// <summary>One output per sample ([B]) is a single class: Class(0), Max and label 0 pick it; class 1 is outside.</summary>
    [Fact]
    public void OneOutputPerSampleIsOneClass()
    {
        using var o = tensor(new double[] { 4, -1, 2.5 });
        using var zeros = tensor(new long[] { 0, 0, 0 });
        Assert.Equal(new double[] { 4, -1, 2.5 }, Target.Output.Select(o).ToArray<double>());
        Assert.Equal(new double[] { 4, -1, 2.5 }, Target.Class(0).Select(o).ToArray<double>());
        Assert.Equal(new double[] { 4, -1, 2.5 }, Target.Max.Select(o).ToArray<double>());
        Assert.Equal(new double[] { 4, -1, 2.5 }, Target.PerSample(zeros).Select(o).ToArray<double>());
        Assert.Contains("outside the model's 1 outputs", Assert.Throws<ArgumentOutOfRangeException>(() => Target.Class(1).Select(o)).Message);
        Assert.Contains("outside", Assert.Throws<ArgumentOutOfRangeException>(() => Target.Comparative(0, 1).Select(o)).Message);
    }
}
