namespace AttrDsl.Tests;

public class SmokeTests
{
    [Fact]
    public void MatmulShapeErrorBecomesTorchException()
    {
        using var a = ones(2, 3);
        using var b = ones(2, 3);
        var e = Assert.Throws<TorchException>(() => a.mm(b));
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", e.Message);
        Assert.DoesNotContain("Exception raised from", e.Message);
    }

    [Fact]
    public void BasicOps()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        using var b = a + 1;
        Assert.Equal(new float[] { 2, 3, 4, 5, 6, 7 }, b.ToArray<float>());
        using var s = a.sum();
        Assert.Equal(21f, s.item<float>());
        var (v, i) = a.max(1);
        Assert.Equal(new float[] { 3, 6 }, v.ToArray<float>());
        Assert.Equal(new long[] { 2, 2 }, i.ToArray<long>());
        var parts = a.split(1, 1);
        Assert.Equal(3, parts.Length);
        Assert.Equal(new float[] { 2, 5 }, parts[1].ToArray<float>());
        using var c = cat([a, a], 0);
        Assert.Equal(new long[] { 4, 3 }, c.shape);
        using var row = a[1, 1..];
        Assert.Equal(new float[] { 5, 6 }, row.ToArray<float>());
    }

    [Fact]
    public void SecondOrder()
    {
        using var x = tensor(new double[] { 1, 2, 3 }, requires_grad: true);
        using var y = x.pow(3).sum();
        var g = autograd.grad([y], [x], create_graph: true)[0]!;
        Assert.Equal(new double[] { 3, 12, 27 }, g.ToArray<double>());
        using var gs = g.sum();
        gs.backward();
        Assert.Equal(new double[] { 6, 12, 18 }, x.grad!.ToArray<double>());
    }
}
