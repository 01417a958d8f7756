using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Infrastructure.GradInputs;

namespace AttrDsl.Tests.Gradients;

/// <summary>Finite-difference checks of reductions, scans, softmax and sorting (float64).</summary>
public class ReductionGradTests
{
    [Fact]
    public void SumAll()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.sum() * x.sum(), Randn(1, 2, 3));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(-1, false)]
    public void SumDim(long dim, bool keepdim)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.sum(dim, keepdim).square(), Randn(2, 2, 3, 4));
    }

    [Fact]
    public void SumDimsKeepdim()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.sum([0, 2], keepdim: true) * x, Randn(3, 2, 3, 4));
    }

    [Fact]
    public void MeanAll()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.mean().square(), Randn(4, 2, 3));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(2, true)]
    public void MeanDim(long dim, bool keepdim)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.mean(dim, keepdim).square(), Randn(5, 2, 3, 4));
    }

    [Fact]
    public void MeanDimsKeepdim()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.mean([1, 2], keepdim: true) * x, Randn(6, 2, 3, 4));
    }

    [Fact]
    public void ProdAll()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.prod(), AwayFromZero(7, 0.3, 2, 3));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    public void ProdDim(long dim, bool keepdim)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.prod(dim, keepdim), AwayFromZero(8, 0.3, 3, 4));
    }

    [Fact]
    public void ProdWithZeros()
    {
        using var scope = NewDisposeScope();
        // prod is a polynomial, so finite differences hold at zeros too; libtorch's backward special-cases them.
        var x = Of([1.5, 0.0, -0.7, 2.0, 0.8, 0.0, 0.0, 1.2, -1.1, 0.9, 1.3, -0.6], 3, 4);
        GradCheck.Check(t => t.prod(1) + t.prod() * 0.5, x);
    }

    [Fact]
    public void ReductionsOverDimZeroWrittenAsLiteral()
    {
        using var scope = NewDisposeScope();
        // x.sum(0) must mean "over dimension 0", as in PyTorch and TorchSharp. The literal 0 also converts
        // to the ScalarType enum, so overload resolution must not pick sum(ScalarType? type) (= Byte).
        var x = tensor(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3], requires_grad: true);
        var s = x.sum(0);
        Assert.Equal(ScalarType.Float64, s.dtype);
        Assert.Equal(new long[] { 3 }, s.shape);
        Assert.Equal(new double[] { 5, 7, 9 }, s.ToArray<double>());
        var m = x.mean(0);
        Assert.Equal(new double[] { 2.5, 3.5, 4.5 }, m.ToArray<double>());
        var p = x.prod(0);
        Assert.Equal(new double[] { 4, 10, 18 }, p.ToArray<double>());
        // ∂Σ(s + m + p)/∂x = 1 + 1/2 + (the other row's value).
        var g = autograd.grad([(s + m + p).sum()], [x])[0]!;
        Assert.Equal(new double[] { 5.5, 6.5, 7.5, 2.5, 3.5, 4.5 }, g.ToArray<double>());
    }

    [Fact]
    public void MaxAll()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.max(), Distinct(9, 0.1, 3, 4));
    }

    [Fact]
    public void MinAll()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.min(), Distinct(10, 0.1, 3, 4));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(-1, false)]
    public void MaxDim(long dim, bool keepdim)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.max(dim, keepdim).values, Distinct(11, 0.1, 3, 4, 2));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(2, true)]
    public void MinDim(long dim, bool keepdim)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.min(dim, keepdim).values, Distinct(12, 0.1, 3, 4, 2));
    }

    [Fact]
    public void Amax()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.amax([0, 2]) + x.amax([1], keepdim: true).sum(), Distinct(13, 0.1, 3, 4, 2));
    }

    [Fact]
    public void Amin()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.amin([1]) * 2, Distinct(14, 0.1, 3, 4, 2));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void StdAll(bool unbiased)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.std(unbiased), Randn(15, 3, 4));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void StdDim(bool unbiased, bool keepdim)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.std(1, unbiased, keepdim) + x.std([0, 2], unbiased).sum(), Randn(16, 3, 4, 2));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void VarAll(bool unbiased)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.var(unbiased), Randn(17, 3, 4));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void VarDim(bool unbiased, bool keepdim)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.var(0, unbiased, keepdim) + x.var([1, 2], unbiased, keepdim: true).sum(), Randn(18, 3, 4, 2));
    }

    [Fact]
    public void NormL1()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.norm(1.0), AwayFromZero(19, 0.2, 3, 4));
    }

    [Fact]
    public void NormL2()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.norm() + x.norm(2.0), Randn(20, 3, 4));
    }

    [Fact]
    public void NormInf()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.norm(double.PositiveInfinity), DistinctMagnitudes(21, 0.1, 3, 4));
    }

    [Fact]
    public void NormP3()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.norm(3.0), AwayFromZero(22, 0.2, 3, 4));
    }

    [Theory]
    [InlineData(1.0, false)]
    [InlineData(2.0, true)]
    [InlineData(double.PositiveInfinity, false)]
    public void NormDim(double p, bool keepdim)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.norm(p, 1, keepdim) + x.norm([0, 2], p).sum(), DistinctMagnitudes(23, 0.1, 3, 4, 2));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Cumsum(long dim)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.cumsum(dim), Randn(24, 3, 4));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Cumprod(long dim)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.cumprod(dim), AwayFromZero(25, 0.3, 3, 4));
    }

    [Fact]
    public void CumprodWithZeros()
    {
        using var scope = NewDisposeScope();
        // Polynomial in x, so finite differences are exact at zeros too; libtorch's backward special-cases them.
        var x = Of([1.5, 0.0, -0.7, 2.0, 0.8, 0.0, 0.0, 1.2, -1.1, 0.9, 1.3, 0.0], 3, 4);
        GradCheck.Check(t => t.cumprod(1), x);
    }

    [Fact]
    public void LogsumexpDim()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.logsumexp(1), Randn(26, 3, 4));
    }

    [Fact]
    public void LogsumexpDimsKeepdim()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.logsumexp([0, 2], keepdim: true) * x, Randn(27, 3, 4, 2));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Softmax(long dim)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.softmax(dim) + functional.softmax(x * 2, dim), Randn(28, 2, 3, 4));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void LogSoftmax(long dim)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.log_softmax(dim) + functional.log_softmax(x * 2, dim), Randn(29, 2, 3, 4));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SortValues(bool descending)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.sort(1, descending).values + x.sort(0, descending).values.sum(dim: 0), Distinct(30, 0.1, 3, 4));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TopkValues(bool largest)
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.topk(2, 1, largest).values, Distinct(31, 0.1, 3, 5));
    }

    [Fact]
    public void KthvalueValues()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.kthvalue(2, 1).values, Distinct(32, 0.1, 3, 5));
    }

    [Fact]
    public void Median()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(x => x.median(), Distinct(33, 0.1, 3, 5));
    }
}
