namespace AttrDsl.Tests.Modules;

/// <summary>
/// Runtime problems met while writing the module tests that are not module-specific. Each test states
/// the PyTorch/TorchSharp behaviour it expects.
/// </summary>
public class IncidentalFindingsTests
{
    /// <summary>
    /// <c>x.sum(0)</c> is "sum over dimension 0" in PyTorch and TorchSharp. In C#, the literal 0 converts
    /// implicitly to any enum, and <c>sum(ScalarType? type = null)</c> needs no default arguments while
    /// <c>sum(long dim, bool keepdim = false, ...)</c> does, so overload resolution picks the dtype
    /// overload: a full reduction to uint8 (ScalarType 0 = Byte). Likewise mean(0) and prod(0).
    /// </summary>
    [Fact]
    public void LiteralZeroDimensionReducesOverDimensionZero()
    {
        using var x = tensor(new float[] { 1.5f, 2, 3, 4, 5, 6.25f }, [2, 3]);
        using var s = x.sum(0);
        Assert.Equal(ScalarType.Float32, s.dtype);
        Assert.Equal(new long[] { 3 }, s.shape);
        Assert.Equal(new float[] { 5.5f, 7, 9.25f }, s.ToArray<float>());
        using var m = x.mean(0);
        Assert.Equal(new long[] { 3 }, m.shape);
        using var p = x.prod(0);
        Assert.Equal(new float[] { 6, 10, 18.75f }, p.ToArray<float>());
    }
}
