namespace AttrDsl.Tests;

/// <summary>TorchSharp loads in the test host (the GLIBCXX step ran on the copied native library) and computes.</summary>
public class SmokeTests
{
    [Fact]
    public void TorchSharpLoadsAndComputes()
    {
        using var scope = NewDisposeScope();
        var x = ones(2, 3, dtype: float64);
        Assert.Equal(6.0, x.sum().item<double>());
    }
}
